/// Preconditioned conjugate gradient for symmetric positive (semi)definite operators.
///
/// Stops when the recursively updated residual satisfies `‖b − A x‖₂ ≤ tolerance · ‖b‖₂` or after
/// `maxIterations`. A semidefinite operator is fine when `b` lies in its range (CG then never
/// leaves it). Options are a plain value; the solver holds no state between calls.
public struct ConjugateGradient: Sendable {
    /// Relative residual tolerance `‖r‖ / ‖b‖` (default 1e-10).
    public var tolerance: Double
    /// Iteration cap (default: nil = `10 · dimension`, at least 10).
    public var maxIterations: Int?

    /// Options with the given relative residual tolerance and iteration cap.
    public init(tolerance: Double = 1e-10, maxIterations: Int? = nil) {
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    /// The outcome of a solve.
    public struct Result: IterativeResult {
        /// The approximate solution.
        public var solution: [Double]
        /// Iterations performed (matrix–vector products, not counting the final residual check).
        public var iterations: Int
        /// Relative residual `‖b − A x‖ / ‖b‖` recomputed from the returned solution.
        public var relativeResidual: Double
        /// Whether the tolerance was met.
        public var converged: Bool
        /// The tolerance the relative residual was compared against.
        public var tolerance: Double
        /// Wall-clock seconds of the solve.
        public var seconds: Double

        /// The relative residual against the tolerance, after `iterations` iterations.
        public var convergence: Convergence {
            Convergence(converged: converged, iterations: iterations, criterion: relativeResidual, tolerance: tolerance,
                        criterionName: "relative residual")
        }
    }

    /// Solves `A x = b` with the preconditioner `M⁻¹` (an operator that applies the inverse).
    /// - Throws: `.dimensionMismatch` for inconsistent sizes, `.nonFiniteEntry` for NaN/Inf in `b`
    ///   or the initial guess, `.invalidArgument` for a tolerance that is not positive or an
    ///   iteration cap below 1, `.notPositiveDefinite(minor: k)` when iteration `k` meets
    ///   non-positive curvature `pᵀAp ≤ 0` (A or M⁻¹ is not positive definite), `.nonFiniteEntry`
    ///   if the operator produces NaN/Inf.
    /// - Complexity: per iteration one application of `A` and of `M⁻¹` plus O(n).
    public func solve<Op: LinearOperator, Pre: LinearOperator>(
        _ operator: Op, _ b: [Double], initialGuess: [Double]? = nil, preconditioner: Pre
    ) throws -> Result {
        let routine = "ConjugateGradient"
        let n = `operator`.dimension
        guard b.count == n, preconditioner.dimension == n, (initialGuess?.count ?? n) == n else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: routine,
                detail: "operator order \(n), preconditioner \(preconditioner.dimension), b \(b.count), guess \(initialGuess?.count ?? n)")
        }
        guard tolerance > 0, tolerance.isFinite else {
            throw LinearAlgebraError.invalidArgument(routine: routine, argument: "tolerance", reason: "must be positive, got \(tolerance)")
        }
        if let cap = maxIterations, cap < 1 {
            throw LinearAlgebraError.invalidArgument(routine: routine, argument: "maxIterations", reason: "must be at least 1, got \(cap)")
        }
        try Validate.finite(b, routine: routine, argument: "right-hand side")
        if let g = initialGuess { try Validate.finite(g, routine: routine, argument: "initial guess") }
        let cap = maxIterations ?? Swift.max(10, 10 * n)
        let clock = Stopwatch()

        var x = initialGuess ?? [Double](repeating: 0, count: n)
        let bNorm = BLAS.nrm2(b)
        if bNorm == 0 {
            return Result(solution: [Double](repeating: 0, count: n), iterations: 0, relativeResidual: 0, converged: true,
                          tolerance: tolerance, seconds: clock.elapsed)
        }
        var r = b
        var z = [Double](repeating: 0, count: n)
        var p = [Double](repeating: 0, count: n)
        var q = [Double](repeating: 0, count: n)
        if initialGuess != nil {
            apply(`operator`, x, &q)
            for i in 0..<n { r[i] -= q[i] }
        }
        apply(preconditioner, r, &z)
        p = z
        var rz = dot(r, z)
        var iterations = 0
        var rNorm = BLAS.nrm2(r)
        let target = tolerance * bNorm
        while rNorm > target && iterations < cap {
            apply(`operator`, p, &q)
            let pq = dot(p, q)
            guard pq.isFinite else {
                throw LinearAlgebraError.nonFiniteEntry(routine: routine, argument: "operator output", row: 0, column: iterations)
            }
            guard pq > 0 else { throw LinearAlgebraError.notPositiveDefinite(routine: routine, minor: iterations + 1) }
            let alpha = rz / pq
            x.withUnsafeMutableBufferPointer { xb in
                r.withUnsafeMutableBufferPointer { rb in
                    p.withUnsafeBufferPointer { pb in
                        q.withUnsafeBufferPointer { qb in
                            for i in 0..<n {
                                xb[i] += alpha * pb[i]
                                rb[i] -= alpha * qb[i]
                            }
                        }
                    }
                }
            }
            iterations += 1
            rNorm = BLAS.nrm2(r)
            guard rNorm.isFinite else {
                throw LinearAlgebraError.nonFiniteEntry(routine: routine, argument: "residual", row: 0, column: iterations)
            }
            if rNorm <= target { break }
            apply(preconditioner, r, &z)
            let rzNext = dot(r, z)
            guard rzNext > 0 else { throw LinearAlgebraError.notPositiveDefinite(routine: routine, minor: iterations + 1) }
            let beta = rzNext / rz
            rz = rzNext
            for i in 0..<n { p[i] = z[i] + beta * p[i] }
        }
        // Report the true residual of the returned solution, not the recursive one.
        apply(`operator`, x, &q)
        var trueResidual = 0.0
        for i in 0..<n { trueResidual += (b[i] - q[i]) * (b[i] - q[i]) }
        let relative = trueResidual.squareRoot() / bNorm
        // The recursive residual met the tolerance; the recomputed one may differ by round-off
        // accumulated over the iterations, accepted up to ten times the tolerance.
        return Result(solution: x, iterations: iterations, relativeResidual: relative,
                      converged: rNorm <= target && relative <= Swift.max(tolerance * 10, tolerance),
                      tolerance: tolerance, seconds: clock.elapsed)
    }

    /// Solves `A x = b` without a preconditioner.
    public func solve<Op: LinearOperator>(_ operator: Op, _ b: [Double], initialGuess: [Double]? = nil) throws -> Result {
        try solve(`operator`, b, initialGuess: initialGuess, preconditioner: IdentityOperator(dimension: `operator`.dimension))
    }

    private func apply<Op: LinearOperator>(_ op: Op, _ x: [Double], _ y: inout [Double]) {
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { op.apply(xb, into: $0) } }
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in ab.isEmpty ? 0 : UnsafeBLAS.dot(count: ab.count, ab.baseAddress!, bb.baseAddress!) }
        }
    }
}
