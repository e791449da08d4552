internal import CLAPACK

/// Unitary diagonalization `S = U (−iΘ) Uᴴ` of a real antisymmetric matrix `S` (`Sᵀ = −S`), from
/// the Hermitian matrix `H = iS = U Θ Uᴴ` (LAPACK `zheevd`). The eigenvalues of `S` are the purely
/// imaginary `−iθ_k`; they come in pairs `±θ`.
///
/// This is what first-derivative operators need: the whitened Gram matrix of a kernel derivative
/// `L⁻¹K′L⁻ᵀ` is antisymmetric, and a Kronecker sum of such matrices is diagonalized by the
/// Kronecker product of the `U`s.
public struct AntisymmetricEigen: Sendable {
    /// `θ_k` (ascending), so that `S U_k = −iθ_k U_k`.
    public let theta: [Double]
    /// Real part of the unitary `U` (column `k` belongs to `theta[k]`).
    public let vectorsReal: Matrix
    /// Imaginary part of `U`.
    public let vectorsImaginary: Matrix

    /// Decomposes `s`, which must be square, finite and antisymmetric to 1e-10 relative.
    /// - Throws: `.dimensionMismatch` (not square), `.nonFiniteEntry`, `.notSymmetric` (not
    ///   antisymmetric), `.noConvergence` if LAPACK fails.
    /// - Complexity: O(n³) complex arithmetic.
    public init(_ s: Matrix) throws {
        let routine = "AntisymmetricEigen (zheevd)"
        try LAPACKSupport.check(s, routine: routine)
        guard s.isSquare else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "matrix is \(s.rows)×\(s.columns), not square")
        }
        let n = s.rows
        var scale = 0.0, worst = 0.0, worstIndex = (0, 0)
        for j in 0..<n {
            for i in 0..<n {
                scale = Swift.max(scale, Swift.abs(s[i, j]))
                let e = Swift.abs(s[i, j] + s[j, i])
                if e > worst { worst = e; worstIndex = (i, j) }
            }
        }
        if worst > 1e-10 * Swift.max(scale, Double.leastNormalMagnitude) {
            throw LinearAlgebraError.notSymmetric(routine: "\(routine): S + Sᵀ ≠ 0", row: worstIndex.0, column: worstIndex.1)
        }
        var h = [_lapack_complex_double](repeating: _lapack_complex_double(real: 0, imag: 0), count: n * n)
        s.withUnsafeBufferPointer { sb in
            for k in 0..<(n * n) { h[k] = _lapack_complex_double(real: 0, imag: sb[k]) }   // H = iS
        }
        var w = [Double](repeating: 0, count: n)
        if n > 0 {
            let info = h.withUnsafeMutableBufferPointer { hb in
                w.withUnsafeMutableBufferPointer { wb in
                    LAPACKE_zheevd(LAPACKSupport.columnMajor, LAPACKSupport.char("V"), LAPACKSupport.char("L"),
                                   Int32(n), hb.baseAddress, Int32(n), wb.baseAddress)
                }
            }
            if info > 0 { throw LinearAlgebraError.noConvergence(routine: routine, info: Int(info)) }
            if info < 0 { throw LAPACKSupport.failure(routine, info) }
        }
        theta = w
        var re = Matrix(rows: n, columns: n), im = Matrix(rows: n, columns: n)
        re.withUnsafeMutableBufferPointer { rb in
            im.withUnsafeMutableBufferPointer { ib in
                for k in 0..<(n * n) { rb[k] = h[k].real; ib[k] = h[k].imag }
            }
        }
        vectorsReal = re
        vectorsImaginary = im
    }
}
