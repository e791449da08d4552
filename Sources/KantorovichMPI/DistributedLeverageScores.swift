import LinearAlgebra
import SensitivitySampling

/// Exact leverage scores of a matrix whose rows are spread over the ranks, by tall-skinny QR.
///
/// `τ_i = ‖a_iᵀ R⁻¹‖²` with `R` from ``TallSkinnyQR``: each rank gets the scores of its own rows,
/// and they equal the single-process `LeverageScores/exact(_:)` to round-off (the scores depend
/// on `R` only through the row space's metric `AᵀA = RᵀR`).
public enum DistributedLeverageScores {
    /// The leverage scores of this rank's rows.
    /// - Parameters:
    ///   - localRows: this rank's block of the `n × d` matrix (any number of rows, possibly none).
    ///   - communicator: the ranks holding the other blocks.
    /// - Throws: on every rank (collectively): `SensitivitySamplingError.nonFiniteEntry` (row
    ///   index within the block) on the rank that holds it, `.tooFewRows` when `n < d`,
    ///   `.noConvergence` when the matrix is numerically rank deficient (a diagonal entry of `R`
    ///   below `max(n, d) · ε` times the largest; the
    ///   single-process routine handles that case with a pivoted QR),
    ///   `DistributedError.shapeMismatch` when the blocks' column counts differ.
    /// - Complexity: `O(n_r d²)` per rank; communication as ``TallSkinnyQR``.
    public static func exact(_ localRows: Matrix, communicator: Communicator) throws -> [Double] {
        try RoutineError.naming("DistributedLeverageScores.exact") {
            let n = try validate(localRows, noZeroRows: false, communicator: communicator)
            let r = try TallSkinnyQR.triangularFactor(localRows, communicator: communicator)
            return try scores(localRows, r, totalRows: n)
        }
    }

    /// `‖a_i R⁻¹‖²` for this rank's rows (none: an empty array).
    static func scores(_ localRows: Matrix, _ r: Matrix, totalRows: Int) throws -> [Double] {
        guard localRows.rows > 0 else {
            // Still check R, so that every rank reports a rank-deficient matrix alike.
            _ = try LeverageScores.scores(of: Matrix(rows: 1, columns: r.columns), triangularFactor: r, totalRows: totalRows)
            return []
        }
        return try LeverageScores.scores(of: localRows, triangularFactor: r, totalRows: totalRows)
    }

    /// Finite entries (and no zero rows when asked) on every rank, a tall matrix overall, the same
    /// column count everywhere; collective. Returns the total row count.
    @discardableResult
    static func validate(_ localRows: Matrix, noZeroRows: Bool, communicator: Communicator) throws -> Int {
        try TallSkinnyQR.checkColumns(localRows.columns, communicator: communicator, routine: "validation")
        try communicator.agree("validation") {
            if localRows.rows > 0 { try Check.matrix(localRows, tall: false, noZeroRows: noZeroRows) }
        }
        let n = Int(try communicator.allreduce(Double(localRows.rows), .sum))
        guard n > 0, localRows.columns > 0 else { throw SensitivitySamplingError.emptyMatrix }
        guard n >= localRows.columns else { throw SensitivitySamplingError.tooFewRows(rows: n, columns: localRows.columns) }
        return n
    }
}
