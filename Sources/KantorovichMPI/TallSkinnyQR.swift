import LinearAlgebra

/// The triangular factor of a tall matrix whose rows are spread over the ranks
/// (communication-avoiding tall-skinny QR, one level).
///
/// Each rank factors its block `A_r = Q_r R_r` (LAPACK `dgeqrf`, `Q_r` never formed); rank 0
/// gathers the `P` factors, factors the stacked `P d × d` matrix once more and broadcasts its `R`.
/// Then `AᵀA = RᵀR` for the whole matrix, so `R` carries everything the row-space computations
/// need (leverage scores `‖a_i R⁻¹‖²`, Lewis weights' quadratic forms), and rows never move.
/// Householder QR keeps `R` backward stable for any condition number, unlike a Gram matrix.
///
/// - Complexity: `O(n_r d²)` per rank, plus `O(P d³)` on rank 0. Each rank but 0 sends
///   `8 (d² + 1)` bytes (its factor); rank 0 sends `8 (d² + 1)` (the broadcast), plus one
///   agreement allreduce (8 bytes) on every rank.
public enum TallSkinnyQR {
    /// The `d × d` upper-triangular `R` of the row-stacked matrix whose rows `0..<n_r` this rank
    /// holds (any `n_r ≥ 0`; blocks with fewer rows than columns contribute trapezoids). Every rank
    /// returns the same `R` (rank 0's, broadcast).
    /// - Throws: `DistributedError.shapeMismatch` when the ranks' column counts differ, the QR's
    ///   errors (non-finite entries) on any rank, made collective.
    public static func triangularFactor(_ localRows: Matrix, communicator: Communicator) throws -> Matrix {
        let d = localRows.columns
        try checkColumns(d, communicator: communicator, routine: "TallSkinnyQR.triangularFactor")
        let local = try communicator.agree("TallSkinnyQR.triangularFactor") { () throws -> Matrix in
            var square = Matrix(rows: d, columns: d)
            guard localRows.rows > 0, d > 0 else { return square }
            let r = try QR.triangularFactor(localRows)
            for j in 0..<d { for i in 0..<Swift.min(r.rows, j + 1) { square[i, j] = r[i, j] } }
            return square
        }
        let gathered = try communicator.gather(local.elements, root: 0)
        let top = try communicator.agree("TallSkinnyQR.triangularFactor") { () throws -> [Double] in
            guard let blocks = gathered else { return [] }
            let p = blocks.count
            let stacked = Matrix(rows: p * d, columns: d) { i, j in blocks[i / d][i % d + j * d] }
            let r = d > 0 ? try QR.triangularFactor(stacked) : Matrix(rows: 0, columns: 0)
            return r.elements
        }
        let r = try communicator.broadcast(top, root: 0)
        return Matrix(rows: d, columns: d) { i, j in r[i + j * d] }
    }

    /// Throws `.shapeMismatch` on every rank unless all ranks have `d` columns.
    static func checkColumns(_ d: Int, communicator: Communicator, routine: String) throws {
        let extremes = try communicator.allreduce([Double(d), -Double(d)], .maximum)
        guard extremes[0] == Double(d), -extremes[1] == Double(d) else {
            throw DistributedError.shapeMismatch("\(routine): ranks hold \(Int(-extremes[1])) to \(Int(extremes[0])) columns")
        }
    }
}
