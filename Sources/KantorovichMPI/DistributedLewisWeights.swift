import LinearAlgebra
import SensitivitySampling

/// ℓp Lewis weights of a matrix whose rows are spread over the ranks.
///
/// The single-process fixed-point iteration of `LewisWeights` (Cohen–Peng, damped for
/// `p ≥ 4`, over-relaxed for `p < 2`), with each iteration's quadratic forms
/// `q_i = a_iᵀ (Aᵀ W^{1−2/p} A)⁻¹ a_i = ‖a_i R⁻¹‖²` from a ``TallSkinnyQR`` of the scaled rows
/// `w_i^{1/2−1/p} a_i` — rows never move — and the residual's maximum reduced over the ranks, so
/// every rank stops on the same iteration. The start is ``DistributedLeverageScores``.
///
/// Differences from the single-process routine: a rank-deficient matrix is an error (the
/// single-process one switches to a basis of the column space), and for `p ≥ 2` the
/// convex-program fallback is not run — a fixed point not reached within `maxIterations` is
/// returned with `converged == false`.
public enum DistributedLewisWeights {
    /// The Lewis weights of this rank's rows.
    /// - Parameters:
    ///   - localRows: this rank's block of the `n × d` matrix (no zero rows; possibly empty).
    ///   - options: `p`, tolerance and iteration cap, as for the single-process routine.
    ///   - communicator: the ranks holding the other blocks.
    /// - Returns: the iteration's result, with this rank's weights.
    /// - Throws: collectively, as ``DistributedLeverageScores/exact(_:communicator:)``, plus
    ///   `.zeroRow` and the options' `.invalidParameter`.
    /// - Complexity: `O(n_r d²)` per iteration and rank; per iteration one tall-skinny QR
    ///   (`8 (d² + 1)` bytes from each rank but 0, the same from rank 0) and one allreduce of one
    ///   value.
    public static func compute(_ localRows: Matrix, options: LewisWeights, communicator: Communicator) throws -> LewisWeights.Result {
        try RoutineError.naming("DistributedLewisWeights.compute") {
            try communicator.agree("DistributedLewisWeights.compute") { try options.validate() }
            let total = try DistributedLeverageScores.validate(localRows, noZeroRows: true, communicator: communicator)
            let clock = Stopwatch()
            let start = try DistributedLeverageScores.scores(localRows, try TallSkinnyQR.triangularFactor(localRows, communicator: communicator),
                                                             totalRows: total)
            var scaled = localRows
            let n = localRows.rows, d = localRows.columns
            let forms = { (v: [Double]) throws -> [Double] in
                let root = v.map { $0.squareRoot() }
                localRows.withUnsafeBufferPointer { a in
                    scaled.withUnsafeMutableBufferPointer { s in
                        for j in 0..<d { for i in 0..<n { s[i + j * n] = a[i + j * n] * root[i] } }
                    }
                }
                let r = try TallSkinnyQR.triangularFactor(scaled, communicator: communicator)
                return try DistributedLeverageScores.scores(localRows, r, totalRows: total)
            }
            return try options.iterate(start: start, forms: forms, reductions: communicator.reductions, clock: clock)
        }
    }
}
