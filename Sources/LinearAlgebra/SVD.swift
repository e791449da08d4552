internal import CLAPACK

/// Thin singular value decomposition `A = U Σ Vᵀ` (LAPACK `dgesdd`, divide and conquer).
///
/// With `k = min(m, n)`: `u` is `m × k`, `singularValues` has `k` entries in descending order,
/// `vt` is `k × n`.
public struct SVD: Sendable {
    /// Left singular vectors (`m × k`; `0 × 0` when not computed).
    public let u: Matrix
    /// Singular values, descending.
    public let singularValues: [Double]
    /// Right singular vectors, transposed (`k × n`; `0 × 0` when not computed).
    public let vt: Matrix

    /// Decomposes `a` (finite entries required).
    /// - Parameters:
    ///   - a: the `m × n` matrix to decompose.
    ///   - computeVectors: false computes singular values only.
    /// - Throws: `.nonFiniteEntry`, `.noConvergence`.
    /// - Complexity: O(m n min(m, n)).
    public init(_ a: Matrix, computeVectors: Bool = true) throws {
        let routine = "SVD (dgesdd)"
        try LAPACKSupport.check(a, routine: routine)
        let m = a.rows, n = a.columns, k = Swift.min(m, n)
        var work = a
        var s = [Double](repeating: 0, count: k)
        var uu = computeVectors ? Matrix(rows: m, columns: k) : Matrix(rows: 0, columns: 0)
        var vv = computeVectors ? Matrix(rows: k, columns: n) : Matrix(rows: 0, columns: 0)
        if k > 0 {
            let info = work.withUnsafeMutableBufferPointer { ab in
                s.withUnsafeMutableBufferPointer { sb in
                    uu.withUnsafeMutableBufferPointer { ub in
                        vv.withUnsafeMutableBufferPointer { vb in
                            LAPACKE_dgesdd(LAPACKSupport.columnMajor, LAPACKSupport.char(computeVectors ? "S" : "N"),
                                           Int32(m), Int32(n), ab.baseAddress, Int32(m), sb.baseAddress,
                                           ub.baseAddress, Int32(Swift.max(m, 1)), vb.baseAddress, Int32(Swift.max(k, 1)))
                        }
                    }
                }
            }
            if info > 0 { throw LinearAlgebraError.noConvergence(routine: routine, info: Int(info)) }
            if info < 0 { throw LAPACKSupport.failure(routine, info) }
        }
        u = uu
        singularValues = s
        vt = vv
    }

    /// Numerical rank: singular values above `tolerance · σ_max` (default `max(m, n) · ε`).
    public func rank(relativeTolerance: Double? = nil) -> Int {
        guard let top = singularValues.first, top > 0 else { return 0 }
        let scale = Double(Swift.max(u.rows, vt.columns, singularValues.count))
        let tol = (relativeTolerance ?? scale * Double.ulpOfOne) * top
        return singularValues.filter { $0 > tol }.count
    }
}
