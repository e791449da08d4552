internal import CLAPACK

/// Minimum-norm least-squares solution of `min_x ‖A x − b‖₂` (LAPACK `dgelsd`, SVD based, so
/// rank-deficient and under-determined systems are handled).
public struct LeastSquares: Sendable {
    /// The minimum-norm minimizer (length `n`).
    public let solution: [Double]
    /// Effective rank of `A` at the chosen cutoff.
    public let rank: Int
    /// Singular values of `A`, descending.
    public let singularValues: [Double]
    /// `‖A x − b‖₂` at the solution.
    public let residualNorm: Double

    /// The factorization used.
    public enum Method: Sendable {
        /// SVD (`dgelsd`): rank-revealing, minimum norm; reports singular values.
        case svd
        /// Householder QR (`dgels`): about twice as fast, for full-column-rank `A` with `m ≥ n`;
        /// `singularValues` is then empty and `rank` is `n`.
        case qr
    }

    /// Solves the problem for an `m × n` matrix `a` and a right-hand side of length `m`.
    /// - Parameters:
    ///   - a: the `m × n` matrix `A` (finite entries).
    ///   - b: the right-hand side, `m` finite values.
    ///   - method: `.svd` (any rank) or `.qr` (full column rank, faster).
    ///   - relativeCutoff: singular values below `relativeCutoff · σ_max` count as zero
    ///     (default `max(m, n) · ε`; SVD method only).
    /// - Throws: `.dimensionMismatch`, `.nonFiniteEntry`, `.emptyInput`, `.noConvergence`;
    ///   `.singular` or `.invalidArgument` ("rank deficient") when the QR method meets a
    ///   numerically rank-deficient `A` (a diagonal entry of `R` below `max(m, n) · ε` times the
    ///   largest); `.invalidArgument` for QR with `m < n`.
    /// - Complexity: O(m n min(m, n)).
    public init(_ a: Matrix, _ b: [Double], relativeCutoff: Double? = nil, method: Method) throws {
        if method == .svd {
            try self.init(a, b, relativeCutoff: relativeCutoff)
            return
        }
        let routine = "LeastSquares (dgels)"
        try LAPACKSupport.check(a, routine: routine)
        guard b.count == a.rows else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "A is \(a.rows)×\(a.columns), b has \(b.count) entries")
        }
        guard a.rows > 0, a.columns > 0 else { throw LinearAlgebraError.emptyInput(routine: routine, argument: "A") }
        guard a.rows >= a.columns else {
            throw LinearAlgebraError.invalidArgument(routine: routine, argument: "A", reason: "QR least squares needs m ≥ n, got \(a.rows)×\(a.columns)")
        }
        try Validate.finite(b, routine: routine, argument: "b")
        let m = a.rows, n = a.columns
        var work = a
        var rhs = b
        let info = work.withUnsafeMutableBufferPointer { ab in
            rhs.withUnsafeMutableBufferPointer { bb in
                LAPACKE_dgels(LAPACKSupport.columnMajor, LAPACKSupport.char("N"), Int32(m), Int32(n), 1, ab.baseAddress, Int32(m),
                              bb.baseAddress, Int32(m))
            }
        }
        if info > 0 { throw LinearAlgebraError.singular(routine: routine, index: Int(info)) }
        if info < 0 { throw LAPACKSupport.failure(routine, info) }
        // dgels stops only on an exact zero on R's diagonal; a numerically rank-deficient A gives
        // a tiny one instead, and a huge, meaningless solution. Refuse it like the SVD's cutoff.
        let diagonal = (0..<n).map { abs(work[$0, $0]) }
        let cutoff = Double(Swift.max(m, n)) * Double.ulpOfOne * (diagonal.max() ?? 0)
        if let weak = diagonal.firstIndex(where: { $0 <= cutoff }) {
            throw LinearAlgebraError.invalidArgument(
                routine: routine, argument: "A",
                reason: "numerically rank deficient (|R[\(weak), \(weak)]| = \(diagonal[weak]) ≤ \(cutoff)); use the SVD method")
        }
        var r2 = 0.0
        for i in n..<m { r2 += rhs[i] * rhs[i] }
        self.init(solution: Array(rhs[0..<n]), rank: n, singularValues: [], residualNorm: r2.squareRoot())
    }

    private init(solution: [Double], rank: Int, singularValues: [Double], residualNorm: Double) {
        self.solution = solution
        self.rank = rank
        self.singularValues = singularValues
        self.residualNorm = residualNorm
    }

    /// Solves the problem for an `m × n` matrix `a` and a right-hand side of length `m` (SVD).
    /// - Parameters:
    ///   - a: the `m × n` matrix `A` (finite entries).
    ///   - b: the right-hand side, `m` finite values.
    ///   - relativeCutoff: singular values below `relativeCutoff · σ_max` count as zero
    ///     (default `max(m, n) · ε`).
    /// - Throws: `.dimensionMismatch`, `.nonFiniteEntry`, `.emptyInput`, `.noConvergence`.
    /// - Complexity: O(m n min(m, n)).
    public init(_ a: Matrix, _ b: [Double], relativeCutoff: Double? = nil) throws {
        let routine = "LeastSquares (dgelsd)"
        try LAPACKSupport.check(a, routine: routine)
        guard b.count == a.rows else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: routine, detail: "A is \(a.rows)×\(a.columns), b has \(b.count) entries")
        }
        guard a.rows > 0, a.columns > 0 else { throw LinearAlgebraError.emptyInput(routine: routine, argument: "A") }
        try Validate.finite(b, routine: routine, argument: "b")
        let m = a.rows, n = a.columns, ldb = Swift.max(m, n)
        var work = a
        var rhs = [Double](repeating: 0, count: ldb)
        for i in 0..<m { rhs[i] = b[i] }
        var s = [Double](repeating: 0, count: Swift.min(m, n))
        var rank: Int32 = 0
        if let c = relativeCutoff, !(c >= 0 && c < 1) {
            throw LinearAlgebraError.invalidArgument(routine: routine, argument: "relativeCutoff", reason: "must lie in [0, 1), got \(c)")
        }
        let rcond = relativeCutoff ?? Double(Swift.max(m, n)) * Double.ulpOfOne
        let info = work.withUnsafeMutableBufferPointer { ab in
            rhs.withUnsafeMutableBufferPointer { bb in
                s.withUnsafeMutableBufferPointer { sb in
                    LAPACKE_dgelsd(LAPACKSupport.columnMajor, Int32(m), Int32(n), 1, ab.baseAddress, Int32(m),
                                   bb.baseAddress, Int32(ldb), sb.baseAddress, rcond, &rank)
                }
            }
        }
        if info > 0 { throw LinearAlgebraError.noConvergence(routine: routine, info: Int(info)) }
        if info < 0 { throw LAPACKSupport.failure(routine, info) }
        let x = Array(rhs[0..<n])
        let ax = try a.multiplied(by: x)
        var r2 = 0.0
        for i in 0..<m { r2 += (ax[i] - b[i]) * (ax[i] - b[i]) }
        solution = x
        self.rank = Int(rank)
        singularValues = s
        residualNorm = r2.squareRoot()
    }
}
