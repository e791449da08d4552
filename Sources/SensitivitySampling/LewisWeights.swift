import Foundation
import LinearAlgebra

/// ℓp Lewis weights: the unique `w ≥ 0` with `w_i = τ_i(W^{1/2−1/p} A)`, i.e.
/// `w_i^{2/p} = a_iᵀ (Aᵀ W^{1−2/p} A)⁻¹ a_i`; `Σ w_i = rank(A)`; for `p = 2` they are the
/// leverage scores.
///
/// Iterations (Cohen & Peng 2015): for `p < 4`, `w ← q^{p/2}` with `q_i = a_iᵀ(AᵀW^{1−2/p}A)⁻¹a_i`
/// (a contraction); for `p ≥ 4`, the damped step `w ← w^{1−2/p} q` (a step of 2/p toward the same
/// target in log space). Stop when the fixed-point residual `max_i |log(w_i / τ_i(W^{1/2−1/p}A))|`
/// is below `tolerance`. If the iteration has not converged after `maxIterations` and `p ≥ 2`, a
/// convex-program fallback minimizes `F(M) = −log det M + (2/p) Σ (a_iᵀMa_i)^{p/2}` over `M ≻ 0`
/// by preconditioned gradient descent (`M ← M − t M ∇F M`, Armijo backtracking), and
/// `w_i = (a_iᵀMa_i)^{p/2}`.
public struct LewisWeights: Sendable {
    /// The exponent `p ≥ 1`.
    public var p: Double
    /// Fixed-point residual tolerance (default 1e-10).
    public var tolerance: Double
    /// Iteration cap before the fallback (default 500).
    public var maxIterations: Int

    /// Options for exponent `p`.
    public init(p: Double, tolerance: Double = 1e-10, maxIterations: Int = 500) {
        self.p = p
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    /// How the weights were obtained.
    public enum Method: String, Sendable { case cohenPeng, damped, convexProgram }

    /// Weights and diagnostics.
    public struct Result: IterativeResult {
        /// The Lewis weights (the last iterate when not converged).
        public let weights: [Double]
        /// Iterations performed (fixed-point steps, plus fallback steps).
        public let iterations: Int
        /// Final fixed-point residual `max_i |log(w_i / τ_i(W^{1/2−1/p}A))|`.
        public let residual: Double
        /// Which method produced the weights.
        public let method: Method
        /// The tolerance the residual was compared against.
        public let tolerance: Double
        /// Wall-clock seconds.
        public let seconds: Double

        /// Whether the residual met the tolerance.
        public var converged: Bool { residual <= tolerance }

        /// The fixed-point residual against the tolerance.
        public var convergence: Convergence {
            Convergence(converged: converged, iterations: iterations, criterion: residual, tolerance: tolerance,
                        criterionName: "fixed-point residual")
        }
    }

    /// Computes the Lewis weights of `a` (`n × d`, `n ≥ d`, no zero rows).
    ///
    /// When neither the iteration nor the fallback reaches the tolerance, the last iterate is
    /// returned with `converged == false`; `requireConverged(_:)` makes that an error.
    /// - Throws: `SensitivitySamplingError` for bad input (empty, NaN/Inf, `n < d`, zero rows,
    ///   `p < 1`, tolerance ≤ 0, `maxIterations < 1`).
    /// - Complexity: O(n d²) per iteration.
    public func compute(_ a: Matrix) throws -> Result {
        try RoutineError.naming("LewisWeights.compute") { try unnamedCompute(a) }
    }

    /// `compute` without the routine name on its errors.
    func unnamedCompute(_ a: Matrix) throws -> Result {
        try validate()
        try Check.matrix(a, noZeroRows: true)
        // Work on an orthonormal basis of the column space when A is rank deficient.
        var basis = a
        if LeverageScores.choleskyQRSafe(a) == nil {
            basis = try PivotedQR(a).basis()
        }
        let clock = Stopwatch()
        let workspace = QuadraticFormWorkspace(basis)
        let fixed = try iterate(start: try LeverageScores.exact(basis), forms: { try workspace.forms(weights: $0) },
                                reductions: .local, clock: clock)
        if fixed.converged || p < 2 { return fixed }
        return try convexProgram(basis, start: fixed.weights, iterations: fixed.iterations, clock: clock)
    }

    /// Throws `.invalidParameter` for `p < 1`, a tolerance that is not positive and finite, or
    /// `maxIterations < 1`.
    package func validate() throws {
        try Check.p(p)
        guard tolerance > 0, tolerance.isFinite else {
            throw SensitivitySamplingError.invalidParameter(name: "tolerance", value: tolerance, requirement: "must be positive")
        }
        guard maxIterations >= 1 else {
            throw SensitivitySamplingError.invalidParameter(name: "maxIterations", value: Double(maxIterations), requirement: "must be ≥ 1")
        }
    }

    /// The fixed-point iteration (Cohen–Peng for `p < 4`, damped for `p ≥ 4`) from the weights
    /// `start`, for rows that may be one shard of a larger matrix.
    ///
    /// `forms(v)` must return `q_i = a_iᵀ (Aᵀ diag(v) A)⁻¹ a_i` for this shard's rows, the Gram
    /// matrix taken over the whole matrix; the residual's maximum goes through `reductions`, so
    /// every shard stops on the same iteration. Returns the last iterate (`converged` false at the
    /// cap); the convex-program fallback is the caller's.
    package func iterate(start: [Double], forms: ([Double]) throws -> [Double], reductions: Reductions,
                         clock: Stopwatch) throws -> Result {
        let n = start.count
        let damped = p >= 4
        var w = start.map { max($0, 1e-300) }
        var residual = Double.infinity
        var previousResidual = Double.infinity
        var iterations = 0
        let exponent = 1 - 2 / p
        while iterations < maxIterations {
            let q = try forms(w.map { p == 1 ? 1 / $0 : Wpow($0, exponent) })
            let logW = VectorMath.log(w), logQ = VectorMath.log(q)
            residual = 0
            for i in 0..<n { residual = max(residual, abs((2 / p) * logW[i] - logQ[i])) }
            residual = try reductions.maximum(residual)
            if residual <= tolerance { break }
            // Over-relaxation in log space for p < 2: the Cohen–Peng map's Jacobian there has
            // eigenvalues in [0, 1 − p/2] (all of one sign), so a step of β = 1/(1 − (1 − p/2)/2)
            // toward its target roughly halves the contraction factor (27 → 16 iterations at p = 1
            // on a 100,000 × 50 Gaussian matrix). It is dropped as soon as the residual grows.
            let beta = (p < 2 && residual < previousResidual) ? 1 / (1 - (1 - p / 2) / 2) : 1
            previousResidual = residual
            for i in 0..<n {
                let target = damped ? Wpow(w[i], exponent) * q[i] : Wpow(q[i], p / 2)
                w[i] = beta == 1 ? target : exp(logW[i] + beta * (log(target) - logW[i]))
                w[i] = max(w[i], 1e-300)
            }
            iterations += 1
        }
        return Result(weights: w, iterations: iterations, residual: residual, method: damped ? .damped : .cohenPeng,
                      tolerance: tolerance, seconds: clock.elapsed)
    }

    /// `q_i = a_iᵀ (Aᵀ W^{1−2/p} A)⁻¹ a_i`.
    func forms(_ a: Matrix, _ w: [Double]) throws -> [Double] {
        try QuadraticFormWorkspace(a).forms(weights: w.map { pow($0, 1 - 2 / p) })
    }

    /// The convex-program fallback (p ≥ 2), started from `M = (AᵀW^{1−2/p}A)⁻¹`.
    func convexProgram(_ a: Matrix, start w0: [Double], iterations start: Int, clock: Stopwatch) throws -> Result {
        let d = a.columns
        var m = try Cholesky(RowScaling.gram(a, weights: w0.map { pow($0, 1 - 2 / p) }), jitter: .escalating).inverse()
        func u(_ m: Matrix) throws -> [Double] {
            let am = try a.multiplied(by: m)
            let n = a.rows
            var out = [Double](repeating: 0, count: n)
            am.withUnsafeBufferPointer { x in
                a.withUnsafeBufferPointer { y in
                    out.withUnsafeMutableBufferPointer { o in
                        for j in 0..<d { for i in 0..<n { o[i] += x[i + j * n] * y[i + j * n] } }
                        for i in 0..<n { o[i] = max(o[i], 0) }
                    }
                }
            }
            return out
        }
        func objective(_ m: Matrix, _ uu: [Double]) throws -> Double? {
            guard let c = try? Cholesky(m) else { return nil }
            return -c.logDeterminant + (2 / p) * uu.reduce(0) { $0 + pow($1, p / 2) }
        }
        var uu = try u(m)
        guard var f = try objective(m, uu) else { throw SensitivitySamplingError.noConvergence("Lewis convex program: start not positive definite") }
        var iterations = start
        var residual = Double.infinity
        for _ in 0..<5000 {
            let w = uu.map { pow($0, p / 2) }
            let q = try forms(a, w)
            residual = 0
            for i in 0..<a.rows { residual = max(residual, abs((2 / p) * log(max(w[i], 1e-300)) - log(max(q[i], 1e-300)))) }
            if residual <= tolerance {
                return Result(weights: w, iterations: iterations, residual: residual, method: .convexProgram,
                              tolerance: tolerance, seconds: clock.elapsed)
            }
            // ∇F = Aᵀ diag(u^{p/2−1}) A − M⁻¹; direction D = −M ∇F M = M − M (AᵀUA) M.
            let g = try RowScaling.gram(a, weights: uu.map { pow(max($0, 1e-300), p / 2 - 1) })
            let mgm = try m.multiplied(by: try g.multiplied(by: m))
            let direction = try m.subtracting(mgm)
            var slope = 0.0   // <∇F, D> = −tr(∇F M ∇F M) ≤ 0
            let gradient = try g.subtracting(try Cholesky(m).inverse())
            let gd = try gradient.multiplied(by: direction)
            for i in 0..<d { slope += gd[i, i] }
            var t = 1.0
            var accepted = false
            for _ in 0..<60 {
                var trial = try m.adding(direction.scaled(by: t))
                trial = try trial.adding(trial.transposed).scaled(by: 0.5)
                let ut = try u(trial)
                if let ft = try objective(trial, ut), ft <= f + 1e-4 * t * slope {
                    m = trial; uu = ut; f = ft; accepted = true
                    break
                }
                t *= 0.5
            }
            iterations += 1
            if !accepted { break }
        }
        return Result(weights: uu.map { pow($0, p / 2) }, iterations: iterations, residual: residual, method: .convexProgram,
                      tolerance: tolerance, seconds: clock.elapsed)
    }
}

extension LeverageScores {
    /// The CholeskyQR basis when it is numerically safe, else nil.
    static func choleskyQRSafe(_ a: Matrix) -> Matrix? {
        guard a.rows >= a.columns else { return nil }
        return (try? choleskyQR(a)) ?? nil
    }
}

/// Reusable buffers for `q_i = a_iᵀ (Aᵀ diag(v) A)⁻¹ a_i`: one scaled copy of `A` for the Gram
/// matrix (`dsyrk`) and one product `A M⁻¹` (`dgemm`), allocated once per Lewis computation so
/// that an iteration streams `A` a few times and allocates nothing of size `n d`.
final class QuadraticFormWorkspace {
    let a: Matrix
    var scaled: [Double]
    var product: [Double]

    init(_ a: Matrix) {
        self.a = a
        scaled = [Double](repeating: 0, count: a.rows * a.columns)
        product = scaled
    }

    func forms(weights v: [Double]) throws -> [Double] {
        let n = a.rows, d = a.columns
        var gram = Matrix(rows: d, columns: d)
        let root = v.map { $0.squareRoot() }
        a.withUnsafeBufferPointer { x in
            scaled.withUnsafeMutableBufferPointer { s in
                root.withUnsafeBufferPointer { r in
                    for j in 0..<d {
                        let xc = x.baseAddress! + j * n, sc = s.baseAddress! + j * n
                        for i in 0..<n { sc[i] = xc[i] * r[i] }
                    }
                }
                gram.withUnsafeMutableBufferPointer { gb in
                    UnsafeBLAS.syrkLower(transpose: true, n: d, k: n, alpha: 1, a: s.baseAddress!, lda: n, beta: 0, c: gb.baseAddress!, ldc: d)
                }
            }
        }
        for j in 0..<d { for i in 0..<j { gram[i, j] = gram[j, i] } }
        let inverse = try Cholesky(gram, jitter: .escalating).inverse()
        var q = [Double](repeating: 0, count: n)
        a.withUnsafeBufferPointer { x in
            product.withUnsafeMutableBufferPointer { pr in
                inverse.withUnsafeBufferPointer { mi in
                    UnsafeBLAS.gemm(transposeA: false, transposeB: false, m: n, n: d, k: d, alpha: 1, a: x.baseAddress!, lda: n,
                                    b: mi.baseAddress!, ldb: d, beta: 0, c: pr.baseAddress!, ldc: n)
                }
                q.withUnsafeMutableBufferPointer { qb in
                    for j in 0..<d {
                        let xc = x.baseAddress! + j * n, pc = pr.baseAddress! + j * n
                        for i in 0..<n { qb[i] += xc[i] * pc[i] }
                    }
                }
            }
        }
        return q
    }
}
