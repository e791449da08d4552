internal import CLAPACK

/// Thin QR factorization `A = Q R` of an `m × n` matrix (LAPACK `dgeqrf` + `dorgqr`).
///
/// With `k = min(m, n)`, `q` is `m × k` with orthonormal columns and `r` is `k × n` upper
/// triangular (upper trapezoidal when `m < n`).
public struct QR: Sendable {
    /// The orthonormal factor, `m × min(m, n)`.
    public let q: Matrix
    /// The triangular factor, `min(m, n) × n`.
    public let r: Matrix

    /// Factors `a` (finite entries required).
    /// - Throws: `.nonFiniteEntry`, `.indexOverflow`.
    /// - Complexity: O(m n²) for m ≥ n.
    public init(_ a: Matrix) throws {
        let (work, tau) = try QR.householder(a)
        let m = a.rows, n = a.columns, k = Swift.min(m, n)
        r = HouseholderFactors.upper(work, rows: k, columns: n)
        q = try HouseholderFactors.orthonormal(work, tau, rows: m, columns: n, routine: "QR (dorgqr)")
    }

    /// Only the triangular factor `R` (`min(m, n) × n`) of `A = Q R`, without forming `Q`: what
    /// a tall-skinny QR needs from each block (`R` determines the row space's metric,
    /// `AᵀA = RᵀR`).
    /// - Throws: `.nonFiniteEntry`, `.indexOverflow`.
    /// - Complexity: O(m n²) for m ≥ n, half the work of ``init(_:)``.
    package static func triangularFactor(_ a: Matrix) throws -> Matrix {
        let (work, _) = try householder(a)
        return HouseholderFactors.upper(work, rows: Swift.min(a.rows, a.columns), columns: a.columns)
    }

    /// `dgeqrf`: the packed Householder factorization and its scalar factors.
    static func householder(_ a: Matrix) throws -> (work: Matrix, tau: [Double]) {
        let routine = "QR (dgeqrf)"
        try LAPACKSupport.check(a, routine: routine)
        let m = a.rows, n = a.columns, k = Swift.min(m, n)
        var work = a
        var tau = [Double](repeating: 0, count: k)
        if k > 0 {
            let info = work.withUnsafeMutableBufferPointer { buffer in
                tau.withUnsafeMutableBufferPointer { t in
                    LAPACKE_dgeqrf(LAPACKSupport.columnMajor, Int32(m), Int32(n), buffer.baseAddress, Int32(m), t.baseAddress)
                }
            }
            if info != 0 { throw LAPACKSupport.failure(routine, info) }
        }
        return (work, tau)
    }
}

/// Rank-revealing QR with column pivoting, `A P = Q R` (LAPACK `dgeqp3`).
///
/// `|R_11| ≥ |R_22| ≥ …`, so the numerical rank is the number of diagonal entries above
/// `tolerance · |R_11|`; `basis` is an orthonormal basis of the column space of that rank.
public struct PivotedQR: Sendable {
    /// Orthonormal factor, `m × min(m, n)`.
    public let q: Matrix
    /// Upper-triangular factor, `min(m, n) × n`, of the permuted matrix.
    public let r: Matrix
    /// Column permutation: column `j` of `A P` is column `permutation[j]` of `A` (0-based).
    public let permutation: [Int]

    /// Factors `a` (finite entries required).
    /// - Complexity: O(m n²).
    public init(_ a: Matrix) throws {
        let routine = "PivotedQR (dgeqp3)"
        try LAPACKSupport.check(a, routine: routine)
        let m = a.rows, n = a.columns, k = Swift.min(m, n)
        var work = a
        var tau = [Double](repeating: 0, count: k)
        var jpvt = [Int32](repeating: 0, count: n)
        if k > 0 {
            let info = work.withUnsafeMutableBufferPointer { buffer in
                tau.withUnsafeMutableBufferPointer { t in
                    jpvt.withUnsafeMutableBufferPointer { p in
                        LAPACKE_dgeqp3(LAPACKSupport.columnMajor, Int32(m), Int32(n), buffer.baseAddress, Int32(m),
                                       p.baseAddress, t.baseAddress)
                    }
                }
            }
            if info != 0 { throw LAPACKSupport.failure(routine, info) }
        }
        r = HouseholderFactors.upper(work, rows: k, columns: n)
        q = try HouseholderFactors.orthonormal(work, tau, rows: m, columns: n, routine: "PivotedQR (dorgqr)")
        permutation = n > 0 && k > 0 ? jpvt.map { Int($0) - 1 } : Array(0..<n)
    }

    /// Numerical rank: the number of `|R_ii| > tolerance · |R_11|`
    /// (default tolerance `max(m, n) · ε`).
    public func rank(relativeTolerance: Double? = nil) -> Int {
        let k = Swift.min(r.rows, r.columns)
        guard k > 0 else { return 0 }
        let top = Swift.abs(r[0, 0])
        guard top > 0 else { return 0 }
        let tol = (relativeTolerance ?? Double(Swift.max(q.rows, r.columns)) * Double.ulpOfOne) * top
        var count = 0
        for i in 0..<k where Swift.abs(r[i, i]) > tol { count += 1 }
        return count
    }

    /// Orthonormal basis (`m × rank`) of the column space.
    public func basis(relativeTolerance: Double? = nil) -> Matrix {
        q.submatrix(rows: 0..<q.rows, columns: 0..<rank(relativeTolerance: relativeTolerance))
    }
}

/// Helpers shared by `QR` and `PivotedQR`: the triangular factor from a packed factorization and
/// the explicit orthonormal factor (`dorgqr`).
enum HouseholderFactors {
    static func upper(_ work: Matrix, rows k: Int, columns n: Int) -> Matrix {
        var rr = Matrix(rows: k, columns: n)
        for j in 0..<n { for i in 0..<Swift.min(j + 1, k) { rr[i, j] = work[i, j] } }
        return rr
    }

    static func orthonormal(_ work: Matrix, _ tau: [Double], rows m: Int, columns n: Int, routine: String) throws -> Matrix {
        let k = Swift.min(m, n)
        var qq = k == n ? work : work.submatrix(rows: 0..<m, columns: 0..<k)
        if k > 0 {
            let info = qq.withUnsafeMutableBufferPointer { buffer in
                tau.withUnsafeBufferPointer { t in
                    LAPACKE_dorgqr(LAPACKSupport.columnMajor, Int32(m), Int32(k), Int32(k), buffer.baseAddress, Int32(m), t.baseAddress)
                }
            }
            if info != 0 { throw LAPACKSupport.failure(routine, info) }
        }
        return qq
    }
}
