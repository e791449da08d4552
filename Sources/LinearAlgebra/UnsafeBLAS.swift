internal import CLAPACK
import Foundation

/// Pointer-level BLAS entry points for hot loops whose caller has already validated shapes.
///
/// These forward straight to OpenBLAS's CBLAS (column-major) with no checks and no allocation;
/// dimensions must be non-negative and fit in 32 bits, leading dimensions must be at least the
/// number of rows. Prefer the checked `BLAS` namespace unless a loop calls BLAS thousands of times.
public enum UnsafeBLAS {
    /// `x · y` over `count` contiguous elements.
    public static func dot(count: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        cblas_ddot(Int32(count), x, 1, y, 1)
    }

    /// `y ← alpha x + y`.
    public static func axpy(count: Int, alpha: Double, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        cblas_daxpy(Int32(count), alpha, x, 1, y, 1)
    }

    /// `x ← alpha x`.
    public static func scal(count: Int, alpha: Double, x: UnsafeMutablePointer<Double>) {
        cblas_dscal(Int32(count), alpha, x, 1)
    }

    /// Euclidean norm of `x`, scaled to avoid overflow (`dnrm2`).
    public static func nrm2(count: Int, _ x: UnsafePointer<Double>) -> Double {
        count == 0 ? 0 : cblas_dnrm2(Int32(count), x, 1)
    }

    /// `y ← alpha op(A) x + beta y` with `A` an `rows × columns` column-major matrix (`dgemv`).
    public static func gemv(
        transpose: Bool, rows: Int, columns: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, x: UnsafePointer<Double>,
        beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(
            CblasColMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns),
            alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// `C ← alpha op(A) op(B) + beta C` with `op(A)` `m × k`, `op(B)` `k × n` (`dgemm`).
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `B ← op(T)⁻¹ B` (`left`) or `B op(T)⁻¹` (right) for a triangular `T` (`dtrsm`,
    /// `alpha = 1`, non-unit diagonal).
    public static func trsm(
        left: Bool, lower: Bool, transpose: Bool, m: Int, n: Int, t: UnsafePointer<Double>, ldt: Int,
        b: UnsafeMutablePointer<Double>, ldb: Int
    ) {
        cblas_dtrsm(
            CblasColMajor, left ? CblasLeft : CblasRight, lower ? CblasLower : CblasUpper, transpose ? CblasTrans : CblasNoTrans,
            CblasNonUnit, Int32(m), Int32(n), 1, t, Int32(ldt), b, Int32(ldb))
    }

    /// `C ← alpha A Aᵀ + beta C` (or `AᵀA` when `transpose`), lower triangle only (`dsyrk`).
    public static func syrkLower(
        transpose: Bool, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dsyrk(
            CblasColMajor, CblasLower, transpose ? CblasTrans : CblasNoTrans,
            Int32(n), Int32(k), alpha, a, Int32(lda), beta, c, Int32(ldc))
    }
}
