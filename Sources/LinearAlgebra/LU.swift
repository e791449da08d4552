internal import CLAPACK
import Foundation

/// LU factorization with partial pivoting `P A = L U` of a square matrix (LAPACK `dgetrf`),
/// for solving general linear systems.
public struct LU: Sendable {
    /// `L` (unit lower, below the diagonal) and `U` (upper) packed as LAPACK returns them.
    public let packed: Matrix
    /// LAPACK's 1-based row interchanges.
    public let pivots: [Int32]
    /// Estimate of the reciprocal 1-norm condition number (`dgecon`).
    public let reciprocalCondition: Double

    /// Factors `a`.
    /// - Throws: `.singular(index:)` when a pivot is exactly zero or the reciprocal condition
    ///   number is below machine epsilon (numerically singular); `.dimensionMismatch` for a
    ///   non-square matrix; `.nonFiniteEntry`.
    /// - Complexity: O(2n³/3).
    public init(_ a: Matrix) throws {
        let routine = "LU (dgetrf)"
        try LAPACKSupport.check(a, routine: routine)
        try Validate.square(a, routine: routine)
        let n = a.rows
        var work = a
        var ipiv = [Int32](repeating: 0, count: n)
        let anorm = a.oneNorm
        var rcond = 1.0
        if n > 0 {
            let info = work.withUnsafeMutableBufferPointer { ab in
                ipiv.withUnsafeMutableBufferPointer { p in
                    LAPACKE_dgetrf(LAPACKSupport.columnMajor, Int32(n), Int32(n), ab.baseAddress, Int32(n), p.baseAddress)
                }
            }
            if info > 0 { throw LinearAlgebraError.singular(routine: routine, index: Int(info)) }
            if info < 0 { throw LAPACKSupport.failure(routine, info) }
            let cinfo = work.withUnsafeMutableBufferPointer { ab in
                LAPACKE_dgecon(LAPACKSupport.columnMajor, LAPACKSupport.char("1"), Int32(n), ab.baseAddress, Int32(n), anorm, &rcond)
            }
            if cinfo != 0 { throw LAPACKSupport.failure("LU (dgecon)", cinfo) }
            if !(rcond >= Double.ulpOfOne) {
                // The smallest |U_ii| marks where the matrix degenerates.
                var worst = 0
                for i in 0..<n where Swift.abs(work[i, i]) < Swift.abs(work[worst, worst]) { worst = i }
                throw LinearAlgebraError.singular(routine: routine, index: worst + 1)
            }
        }
        packed = work
        pivots = ipiv
        reciprocalCondition = rcond
    }

    /// Order of the matrix.
    public var dimension: Int { packed.rows }

    /// Solves `A x = b` (`dgetrs`).
    /// - Throws: `.dimensionMismatch`, `.nonFiniteEntry`.
    public func solve(_ b: [Double]) throws -> [Double] {
        try solve(Matrix(rows: b.count, columns: 1, elements: b)).elements
    }

    /// Solves `A X = B` (`dgetrs`). - Complexity: O(n² · columns).
    public func solve(_ b: Matrix, transpose: Bool = false) throws -> Matrix {
        let routine = "LU.solve (dgetrs)"
        guard b.rows == dimension else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: routine, detail: "matrix is \(dimension)×\(dimension), right-hand side has \(b.rows) rows")
        }
        try LAPACKSupport.check(b, routine: routine, argument: "right-hand side")
        var x = b
        guard dimension > 0, b.columns > 0 else { return x }
        let n = Int32(dimension)
        let info = packed.withUnsafeBufferPointer { ab in
            pivots.withUnsafeBufferPointer { p in
                x.withUnsafeMutableBufferPointer { xb in
                    LAPACKE_dgetrs(LAPACKSupport.columnMajor, LAPACKSupport.char(transpose ? "T" : "N"), n, Int32(b.columns),
                                   ab.baseAddress, n, p.baseAddress, xb.baseAddress, n)
                }
            }
        }
        if info != 0 { throw LAPACKSupport.failure(routine, info) }
        return x
    }

    /// `log |det A|` and the sign of `det A`.
    public var logAbsDeterminant: (value: Double, sign: Double) {
        var s = 0.0
        var sign = 1.0
        for i in 0..<dimension {
            let d = packed[i, i]
            s += log(Swift.abs(d))
            if d < 0 { sign = -sign }
            if pivots[i] != Int32(i + 1) { sign = -sign }
        }
        return (s, sign)
    }
}
