internal import CLAPACK
import Foundation

/// How `Cholesky` responds when a matrix is not numerically positive definite.
///
/// With escalation, the factorization is retried on `A + δ I` with
/// `δ = initial · mean(diag A)`, multiplied by `growth` after each failure, for at most
/// `maxAttempts` retries. The shift actually used is reported as `Cholesky.jitter`.
public struct CholeskyJitter: Sendable, Equatable {
    /// First shift, relative to the mean diagonal entry.
    public var initial: Double
    /// Factor by which the shift grows after each failed attempt.
    public var growth: Double
    /// Maximum number of shifted retries (0 = no jitter).
    public var maxAttempts: Int

    /// A jitter policy: first shift `initial` × mean diagonal, multiplied by `growth` per retry, at most `maxAttempts` retries.
    public init(initial: Double, growth: Double = 10, maxAttempts: Int) {
        self.initial = initial
        self.growth = growth
        self.maxAttempts = maxAttempts
    }

    /// Never shift: a matrix that is not positive definite throws.
    public static let none = CholeskyJitter(initial: 0, growth: 1, maxAttempts: 0)
    /// Shifts of 1e-10, 1e-9, …, 1e-3 times the mean diagonal (8 retries).
    public static let escalating = CholeskyJitter(initial: 1e-10, growth: 10, maxAttempts: 8)
}

/// Cholesky factorization `A + δI = L Lᵀ` of a symmetric positive definite matrix (LAPACK `dpotrf`).
///
/// `δ` is 0 unless a `CholeskyJitter` escalation was requested and needed.
public struct Cholesky: Sendable {
    /// The lower-triangular factor `L` (the strictly upper triangle is zero).
    public let factor: Matrix
    /// The diagonal shift `δ` that was added (0 when the matrix factored as given).
    public let jitter: Double

    /// Order of the matrix.
    public var dimension: Int { factor.rows }

    /// Factors `a`, which must be square, symmetric (to 1e-10 relative) and finite.
    ///
    /// With a jitter policy, a failed factorization is retried with the shifts `initial · d̄`,
    /// `initial · growth · d̄`, … (`d̄` the mean absolute diagonal entry). The retries stop after
    /// `maxAttempts`, or once the shift exceeds `2 n max|a_ij|`, beyond which `A + δI` is positive
    /// definite for every symmetric `A`: so the work is bounded whatever the policy.
    /// - Throws: `.notPositiveDefinite(minor:)` when `a` (plus the largest allowed jitter) is not
    ///   positive definite; `.notSymmetric`, `.nonFiniteEntry`, `.dimensionMismatch` for bad input;
    ///   `.invalidArgument` for a policy with a negative attempt count, a non-finite or non-positive
    ///   first shift, or a growth factor that is not finite and above 1.
    /// - Complexity: O(n³/3) per attempt.
    public init(_ a: Matrix, jitter policy: CholeskyJitter = .none) throws {
        let routine = "Cholesky (dpotrf)"
        try LAPACKSupport.check(a, routine: routine)
        try Validate.symmetric(a, routine: routine)
        guard policy.maxAttempts >= 0 else {
            throw LinearAlgebraError.invalidArgument(routine: routine, argument: "jitter.maxAttempts", reason: "must be non-negative")
        }
        if policy.maxAttempts > 0 {
            guard policy.initial.isFinite && policy.initial > 0 else {
                throw LinearAlgebraError.invalidArgument(routine: routine, argument: "jitter.initial",
                                                         reason: "must be finite and positive when retries are allowed")
            }
            guard policy.growth.isFinite && policy.growth > 1 else {
                throw LinearAlgebraError.invalidArgument(routine: routine, argument: "jitter.growth",
                                                         reason: "must be finite and above 1 when retries are allowed")
            }
        }
        let n = a.rows
        let meanDiagonal = n == 0 ? 1 : a.diagonal.map { Swift.abs($0) }.reduce(0, +) / Double(n)
        // Above this shift every symmetric A + δI is positive definite (δ > ‖A‖₂ ≤ n max|a_ij|).
        let sufficientShift = 2 * Double(n) * (a.elements.map { Swift.abs($0) }.max() ?? 0) + Double.leastNormalMagnitude
        var shift = 0.0
        var attempt = 0
        while true {
            var l = a
            if shift > 0 { l.addToDiagonal(shift) }
            let info: Int32 = n == 0 ? 0 : l.withUnsafeMutableBufferPointer { buffer in
                LAPACKE_dpotrf(LAPACKSupport.columnMajor, LAPACKSupport.char("L"), Int32(n), buffer.baseAddress, Int32(n))
            }
            if info == 0 {
                // dpotrf leaves the upper triangle untouched: zero it so `factor` is exactly L.
                l.withUnsafeMutableBufferPointer { buffer in
                    for j in 0..<n { for i in 0..<j { buffer[i + j * n] = 0 } }
                }
                factor = l
                jitter = shift
                return
            }
            if info < 0 { throw LAPACKSupport.failure(routine, info) }
            guard attempt < policy.maxAttempts, shift <= sufficientShift else {
                throw LinearAlgebraError.notPositiveDefinite(routine: routine, minor: Int(info))
            }
            shift = (shift == 0 ? policy.initial * (meanDiagonal > 0 ? meanDiagonal : 1) : shift * policy.growth)
            attempt += 1
        }
    }

    /// `log det(A + δI) = 2 Σ log L_ii`. - Complexity: O(n).
    public var logDeterminant: Double {
        var s = 0.0
        for i in 0..<dimension { s += log(factor[i, i]) }
        return 2 * s
    }

    /// Solves `(A + δI) x = b` (`dpotrs`).
    /// - Throws: `.dimensionMismatch` if `b.count != n`, `.nonFiniteEntry` for NaN/Inf in `b`.
    /// - Complexity: O(n²).
    public func solve(_ b: [Double]) throws -> [Double] {
        let result = try solve(Matrix(rows: b.count, columns: 1, elements: b))
        return result.elements
    }

    /// Solves `(A + δI) X = B` for every column of `B` (`dpotrs`).
    /// - Complexity: O(n² · columns).
    public func solve(_ b: Matrix) throws -> Matrix {
        let routine = "Cholesky.solve (dpotrs)"
        guard b.rows == dimension else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: routine, detail: "factor is \(dimension)×\(dimension), right-hand side has \(b.rows) rows")
        }
        try LAPACKSupport.check(b, routine: routine, argument: "right-hand side")
        var x = b
        guard dimension > 0, b.columns > 0 else { return x }
        let n = Int32(dimension)
        let info = factor.withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { xb in
                LAPACKE_dpotrs(LAPACKSupport.columnMajor, LAPACKSupport.char("L"), n, Int32(b.columns),
                               l.baseAddress, n, xb.baseAddress, n)
            }
        }
        if info != 0 { throw LAPACKSupport.failure(routine, info) }
        return x
    }

    /// `solve` without its checks, for this package's inner loops: `b` must have `dimension`
    /// entries; NaN and ∞ propagate instead of throwing (the caller checks its own results).
    package func solveUnchecked(_ b: [Double]) -> [Double] {
        var x = b
        guard dimension > 0 else { return x }
        let n = Int32(dimension)
        _ = factor.withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { xb in
                LAPACKE_dpotrs(LAPACKSupport.columnMajor, LAPACKSupport.char("L"), n, 1, l.baseAddress, n, xb.baseAddress, n)
            }
        }
        return x
    }

    /// Solves `L y = b` (forward substitution only): the whitening map `y = L⁻¹ b`,
    /// with `‖y‖² = bᵀ(A + δI)⁻¹ b`.
    /// - Complexity: O(n²).
    public func solveLower(_ b: [Double]) throws -> [Double] {
        var m = try Matrix(rows: b.count, columns: 1, elements: b)
        guard b.count == dimension else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: "Cholesky.solveLower", detail: "factor is \(dimension)×\(dimension), vector has \(b.count)")
        }
        try Validate.finite(b, routine: "Cholesky.solveLower", argument: "right-hand side")
        try BLAS.trsm(factor, lower: true, &m)
        return m.elements
    }

    /// `(A + δI)⁻¹` (`dpotri`, both triangles filled). Prefer `solve` when only products are needed.
    /// - Complexity: O(n³).
    public func inverse() throws -> Matrix {
        var inv = factor
        let n = dimension
        guard n > 0 else { return inv }
        let info = inv.withUnsafeMutableBufferPointer { buffer in
            LAPACKE_dpotri(LAPACKSupport.columnMajor, LAPACKSupport.char("L"), Int32(n), buffer.baseAddress, Int32(n))
        }
        if info > 0 { throw LinearAlgebraError.singular(routine: "Cholesky.inverse (dpotri)", index: Int(info)) }
        if info < 0 { throw LAPACKSupport.failure("Cholesky.inverse (dpotri)", info) }
        inv.withUnsafeMutableBufferPointer { b in
            for j in 0..<n { for i in 0..<j { b[i + j * n] = b[j + i * n] } }
        }
        return inv
    }
}
