internal import CLAPACK

/// Checked BLAS level 1–3 operations on arrays and `Matrix` values.
///
/// Every routine validates shapes and 32-bit index limits and throws
/// `LinearAlgebraError.dimensionMismatch` / `.indexOverflow`; NaN and infinity propagate as IEEE
/// arithmetic says (they are not scanned for: that would double the cost of level-1 calls).
public enum BLAS {
    /// Inner product `xᵀy` (`ddot`). - Complexity: O(n).
    public static func dot(_ x: [Double], _ y: [Double]) throws -> Double {
        try sameLength(x.count, y.count, routine: "BLAS.dot")
        return x.withUnsafeBufferPointer { xb in
            y.withUnsafeBufferPointer { yb in
                xb.isEmpty ? 0 : UnsafeBLAS.dot(count: xb.count, xb.baseAddress!, yb.baseAddress!)
            }
        }
    }

    /// `y ← alpha x + y` (`daxpy`). - Complexity: O(n).
    public static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) throws {
        try sameLength(x.count, y.count, routine: "BLAS.axpy")
        guard !x.isEmpty else { return }
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                UnsafeBLAS.axpy(count: xb.count, alpha: alpha, x: xb.baseAddress!, y: yb.baseAddress!)
            }
        }
    }

    /// `x ← alpha x` (`dscal`). - Complexity: O(n).
    public static func scal(_ alpha: Double, _ x: inout [Double]) {
        guard !x.isEmpty else { return }
        x.withUnsafeMutableBufferPointer { UnsafeBLAS.scal(count: $0.count, alpha: alpha, x: $0.baseAddress!) }
    }

    /// Euclidean norm `‖x‖₂` (`dnrm2`, scaled so it neither overflows nor underflows).
    public static func nrm2(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { $0.isEmpty ? 0 : UnsafeBLAS.nrm2(count: $0.count, $0.baseAddress!) }
    }

    /// `y ← alpha op(A) x + beta y` (`dgemv`).
    /// - Throws: `.dimensionMismatch` if `x` or `y` does not fit `op(A)`.
    /// - Complexity: O(rows · columns).
    public static func gemv(
        _ a: Matrix, _ x: [Double], transpose: Bool = false, alpha: Double = 1, beta: Double = 0,
        into y: inout [Double]
    ) throws {
        let (m, n) = transpose ? (a.columns, a.rows) : (a.rows, a.columns)
        guard x.count == n, y.count == m else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: "BLAS.gemv",
                detail: "op(A) is \(m)×\(n), x has \(x.count) entries, y has \(y.count)")
        }
        try Validate.lapackIndex(a.rows, routine: "BLAS.gemv", argument: "rows")
        try Validate.lapackIndex(a.columns, routine: "BLAS.gemv", argument: "columns")
        guard m > 0 else { return }
        guard n > 0 else {
            for i in 0..<m { y[i] = beta == 0 ? 0 : y[i] * beta }   // beta = 0: y is not read
            return
        }
        a.withUnsafeBufferPointer { ab in
            x.withUnsafeBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { yb in
                    UnsafeBLAS.gemv(
                        transpose: transpose, rows: a.rows, columns: a.columns, alpha: alpha,
                        a: ab.baseAddress!, lda: Swift.max(a.rows, 1), x: xb.baseAddress!,
                        beta: beta, y: yb.baseAddress!)
                }
            }
        }
        try Validate.finiteResult(y, rows: m, routine: "BLAS.gemv")
    }

    /// `C ← alpha op(A) op(B) + beta C` (`dgemm`).
    /// - Throws: `.dimensionMismatch` if the shapes do not fit, `.indexOverflow` beyond 32 bits.
    /// - Complexity: O(m · n · k).
    public static func gemm(
        _ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Double = 1, beta: Double = 0, into c: inout Matrix
    ) throws {
        let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        guard k == kb, c.rows == m, c.columns == n else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: "BLAS.gemm",
                detail: "op(A) is \(m)×\(k), op(B) is \(kb)×\(n), C is \(c.rows)×\(c.columns)")
        }
        for (size, name) in [(m, "m"), (n, "n"), (k, "k")] {
            try Validate.lapackIndex(size, routine: "BLAS.gemm", argument: name)
        }
        _ = LAPACKSupport.configured
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // BLAS semantics: with beta = 0, C is not read (NaN or Inf in it do not propagate).
            c.withUnsafeMutableBufferPointer { cb in for i in 0..<cb.count { cb[i] = beta == 0 ? 0 : cb[i] * beta } }
            return
        }
        a.withUnsafeBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in
                c.withUnsafeMutableBufferPointer { cb in
                    UnsafeBLAS.gemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: ab.baseAddress!, lda: Swift.max(a.rows, 1), b: bb.baseAddress!, ldb: Swift.max(b.rows, 1),
                        beta: beta, c: cb.baseAddress!, ldc: Swift.max(m, 1))
                }
            }
        }
        try Validate.finiteResult(c.elements, rows: m, routine: "BLAS.gemm")
    }

    /// The Gram matrix `alpha A Aᵀ + beta C` (or `alpha AᵀA + beta C` when `transpose`) with BLAS
    /// `dsyrk`; both triangles of `C` are filled.
    /// - Throws: `.dimensionMismatch` if `C` is not `n × n` for the chosen product.
    /// - Complexity: O(n² k), half of a general product.
    public static func syrk(
        _ a: Matrix, transpose: Bool = false, alpha: Double = 1, beta: Double = 0, into c: inout Matrix
    ) throws {
        let (n, k) = transpose ? (a.columns, a.rows) : (a.rows, a.columns)
        guard c.rows == n, c.columns == n else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: "BLAS.syrk", detail: "product is \(n)×\(n), C is \(c.rows)×\(c.columns)")
        }
        try Validate.lapackIndex(n, routine: "BLAS.syrk", argument: "n")
        try Validate.lapackIndex(k, routine: "BLAS.syrk", argument: "k")
        _ = LAPACKSupport.configured
        guard n > 0 else { return }
        if k > 0 {
            a.withUnsafeBufferPointer { ab in
                c.withUnsafeMutableBufferPointer { cb in
                    UnsafeBLAS.syrkLower(
                        transpose: transpose, n: n, k: k, alpha: alpha, a: ab.baseAddress!,
                        lda: Swift.max(a.rows, 1), beta: beta, c: cb.baseAddress!, ldc: n)
                }
            }
        } else {
            // BLAS semantics: with beta = 0, C is not read (NaN or Inf in it do not propagate).
            c.withUnsafeMutableBufferPointer { cb in for i in 0..<cb.count { cb[i] = beta == 0 ? 0 : cb[i] * beta } }
        }
        c.withUnsafeMutableBufferPointer { cb in
            for j in 0..<n { for i in (j + 1)..<Swift.max(n, j + 1) { cb[j + i * n] = cb[i + j * n] } }
        }
    }

    /// Which side a triangular matrix multiplies from in `trsm`.
    public enum Side: Sendable { case left, right }

    /// Solves `op(T) X = alpha B` (side `.left`) or `X op(T) = alpha B` (side `.right`) for `X`,
    /// overwriting `b`, with `T` triangular (`dtrsm`). Only the named triangle of `t` is read.
    /// - Throws: `.dimensionMismatch` for incompatible shapes, `.singular` for a zero diagonal entry
    ///   (unless `unitDiagonal`).
    /// - Complexity: O(n² · k).
    public static func trsm(
        _ t: Matrix, lower: Bool, transpose: Bool = false, side: Side = .left, unitDiagonal: Bool = false,
        alpha: Double = 1, _ b: inout Matrix
    ) throws {
        try Validate.square(t, routine: "BLAS.trsm")
        let needed = side == .left ? b.rows : b.columns
        guard t.rows == needed else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: "BLAS.trsm", detail: "T is \(t.rows)×\(t.columns), B is \(b.rows)×\(b.columns)")
        }
        try Validate.lapackIndex(b.rows, routine: "BLAS.trsm", argument: "rows")
        try Validate.lapackIndex(b.columns, routine: "BLAS.trsm", argument: "columns")
        if !unitDiagonal {
            for i in 0..<t.rows where t[i, i] == 0 {
                throw LinearAlgebraError.singular(routine: "BLAS.trsm", index: i + 1)
            }
        }
        guard b.rows > 0, b.columns > 0 else { return }
        let bRows = b.rows, bColumns = b.columns
        t.withUnsafeBufferPointer { tb in
            b.withUnsafeMutableBufferPointer { bb in
                cblas_dtrsm(
                    CblasColMajor, side == .left ? CblasLeft : CblasRight, lower ? CblasLower : CblasUpper,
                    transpose ? CblasTrans : CblasNoTrans, unitDiagonal ? CblasUnit : CblasNonUnit,
                    Int32(bRows), Int32(bColumns), alpha, tb.baseAddress!, Int32(t.rows),
                    bb.baseAddress!, Int32(bRows))
            }
        }
    }

    static func sameLength(_ a: Int, _ b: Int, routine: String) throws {
        guard a == b else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "vectors of length \(a) and \(b)")
        }
    }
}
