import Foundation
import LinearAlgebra

/// Solver A, the paper's: Adam on the negative log joint over the grid values `U`, the kernel
/// hyperparameters of every axis and the two noise precisions `log τ₁, log τ₂`, in any
/// dimension, with hand-written gradients (`KroneckerLogJoint`; in 1-D):
///
///     L = ½ log|K| + ½ UᵀK⁻¹U − λ_b(½ N_b log τ₁ − ½ τ₁ ‖U_b − g‖²) − (½ N log τ₂ − ½ τ₂ ‖R‖²),
///     R = K''K⁻¹U + N(U) − f,
///     ∂L/∂U = α + λ_b τ₁ (U_b − g) + τ₂ (K⁻¹K''R + N'(U) ∘ R),          α = K⁻¹U
///     ∂L/∂θ = ½ tr(K⁻¹∂K) − ½ αᵀ∂Kα + τ₂ Rᵀ∂K''α − τ₂ vᵀ∂Kα,          v = K⁻¹K''R
///     ∂L/∂log τ₁ = −½ λ_b N_b + ½ λ_b τ₁ ‖U_b − g‖²,  ∂L/∂log τ₂ = −½ N + ½ τ₂ ‖R‖²
///
/// and on a tensor grid the same with `K = ⊗K_k` applied axis by axis. Each step costs one
/// Cholesky and one inverse per axis, O(N Σ n_k) in matrix products, and Toeplitz lag sums for
/// the hyperparameters (O(n_k) kernel-parameter gradients per axis: no kernel rebuild beyond
/// 2 n_k lag values).
public struct AdamGPSolver: Sendable {
    /// Model settings (`logTau…` are the starting values here; they are optimized).
    public var options: GPPDEOptions
    /// Adam steps (the paper runs 10⁵ to 10⁶).
    public var steps: Int
    /// Learning rate (paper: 0.01).
    public var learningRate: Double
    /// Record the test error every `recordEvery` steps when the exact solution is known (0: never).
    public var recordEvery: Int

    /// The paper's solver with the reference initialization (μ evenly on [0, F]) by default.
    public init(options: GPPDEOptions = GPPDEOptions(initialization: .reference, frequencyScale: 20), steps: Int,
                learningRate: Double = 0.01, recordEvery: Int = 100) {
        self.options = options
        self.steps = steps
        self.learningRate = learningRate
        self.recordEvery = recordEvery
    }

    /// Value and gradient of the negative log joint.
    public struct Evaluation: Sendable {
        /// The negative log joint.
        public var value: Double
        /// Gradient with respect to the grid values U (last axis fastest).
        public var gradU: [Double]
        /// Gradient with respect to the kernels' parameter vectors, axis 0's first.
        public var gradTheta: [Double]
        /// Gradient with respect to log τ₁.
        public var gradLogTau1: Double
        /// Gradient with respect to log τ₂.
        public var gradLogTau2: Double
        /// `α = K⁻¹U`.
        public var alpha: [Double]
        /// Absolute jitter of each axis's Gram matrix after any escalation.
        var axisJitters: [Double]
    }

    /// The negative log joint of `problem` on an even grid of `gridSize` points per dimension and
    /// its gradient (the hand-written formulas above), at grid values `u` (last axis fastest),
    /// one kernel per dimension and noise precisions `exp(logTau1)`, `exp(logTau2)`.
    /// - Parameters:
    ///   - problem: the PDE problem.
    ///   - gridSize: grid points per dimension.
    ///   - kernels: one kernel per dimension.
    ///   - u: the grid values, last axis fastest.
    ///   - logTau1: log of the boundary-data noise precision.
    ///   - logTau2: log of the PDE-residual noise precision.
    ///   - jitters: the absolute jitter on each axis's Gram matrix; by default
    ///     `options.jitter` times that axis's `k(0)` (the solver fixes it from its starting kernels,
    ///     so pass it explicitly to evaluate the objective it optimizes at other kernels).
    /// - Throws: as `solve`, and `.dimensionMismatch` when `u` does not have one value per grid
    ///   point or there is not one kernel (or jitter) per dimension; `.invalidParameter` for a
    ///   negative or non-finite jitter.
    public func objective(_ problem: PDEProblem, gridSize: Int, kernels: [SpectralKernel], values u: [Double],
                          logTau1: Double, logTau2: Double, jitters: [Double]? = nil) throws -> Evaluation {
        try RoutineError.naming("AdamGPSolver.objective") { try unnamedObjective(problem, gridSize: gridSize, kernels: kernels, values: u, logTau1: logTau1, logTau2: logTau2, jitters: jitters) }
    }

    /// `objective` without the routine name on its errors.
    func unnamedObjective(_ problem: PDEProblem, gridSize: Int, kernels: [SpectralKernel], values u: [Double],
                          logTau1: Double, logTau2: Double, jitters: [Double]? = nil) throws -> Evaluation {
        try options.validate()
        for k in kernels where !(k.value(0).isFinite && k.value(0) > 0) {
            throw GaussianProcessPDEError.indefiniteGram("k(0) = \(k.value(0)): the Gram matrix is not finite")
        }
        let jitters = jitters ?? kernels.map { options.jitter * $0.value(0) }
        guard kernels.count == problem.dimension, jitters.count == problem.dimension else {
            throw GaussianProcessPDEError.dimensionMismatch("\(kernels.count) kernels and \(jitters.count) jitters for a \(problem.dimension)-D problem")
        }
        if let bad = u.firstIndex(where: { !$0.isFinite }) {
            throw GaussianProcessPDEError.nonFiniteData(what: "AdamGPSolver.objective: value \(bad) of U", point: [u[bad]])
        }
        for (name, t) in [("logTau1", logTau1), ("logTau2", logTau2)] where !t.isFinite {
            throw GaussianProcessPDEError.invalidParameter(name: name, value: t, requirement: "must be finite")
        }
        for j in jitters where !(j >= 0 && j.isFinite) {
            throw GaussianProcessPDEError.invalidParameter(name: "jitters", value: j, requirement: "must be finite and ≥ 0")
        }
        let grids = try problem.domain.map { try Grid1D(lower: $0.lowerBound, upper: $0.upperBound, count: gridSize) }
        let joint = KroneckerLogJoint(problem: problem, grids: grids, options: options, jitters: jitters, data: try GridData(problem, grids))
        return try joint.evaluate(kernels: kernels, u: u, logTau1: logTau1, logTau2: logTau2)
    }

    /// Runs Adam on an even grid of `gridSize` points per dimension.
    /// - Throws: as `FastGPSolver.solve`, plus `.invalidParameter` for steps < 1 or a learning
    ///   rate that is not positive.
    public func solve(_ problem: PDEProblem, gridSize: Int) throws -> GPSolution {
        try RoutineError.naming("AdamGPSolver.solve") { try unnamedSolve(problem, gridSize: gridSize) }
    }

    /// `solve` without the routine name on its errors.
    func unnamedSolve(_ problem: PDEProblem, gridSize: Int) throws -> GPSolution {
        try options.validate()
        guard steps >= 1 else { throw GaussianProcessPDEError.invalidParameter(name: "steps", value: Double(steps), requirement: "must be ≥ 1") }
        guard learningRate > 0, learningRate.isFinite else {
            throw GaussianProcessPDEError.invalidParameter(name: "learningRate", value: learningRate, requirement: "must be positive")
        }
        try MemoryBudget.requireGrid(gridSize: gridSize, dimension: problem.dimension)
        let clock = Stopwatch()
        var overhead = 0.0     // test-error evaluations, excluded from the reported seconds
        let grids = try problem.domain.map { try Grid1D(lower: $0.lowerBound, upper: $0.upperBound, count: gridSize) }
        let data = try GridData(problem, grids)
        var kernels = try options.startingKernels(grids: grids, data: data)
        let joint = KroneckerLogJoint(problem: problem, grids: grids, options: options, jitters: kernels.map { options.jitter * $0.value(0) },
                                      data: data)
        let n = joint.total
        let counts = kernels.map(\.parameterCount)
        func unpack(_ x: [Double]) {
            var offset = n
            for k in 0..<kernels.count {
                kernels[k].parameters = Array(x[offset..<(offset + counts[k])])
                offset += counts[k]
            }
        }
        // Parameter vector: U, θ of each axis, log τ₁, log τ₂.
        var x = [Double](repeating: 0, count: n) + kernels.flatMap(\.parameters) + [options.logTauBoundary, options.logTauEquation]
        var m = [Double](repeating: 0, count: x.count), s = m
        let b1 = 0.9, b2 = 0.999, eps = 1e-8
        var history: [GPIterationRecord] = []
        var previousObjective = Double.nan, lastChange = Double.nan
        for step in 1...steps {
            unpack(x)
            let u = Array(x[0..<n])
            let ev = try joint.evaluate(kernels: kernels, u: u, logTau1: x[x.count - 2], logTau2: x[x.count - 1])
            let grad = ev.gradU + ev.gradTheta + [ev.gradLogTau1, ev.gradLogTau2]
            lastChange = abs(ev.value - previousObjective) / max(abs(ev.value), Double.leastNormalMagnitude)
            previousObjective = ev.value
            let c1 = 1 / (1 - pow(b1, Double(step))), c2 = 1 / (1 - pow(b2, Double(step)))
            for i in 0..<x.count {
                m[i] = b1 * m[i] + (1 - b1) * grad[i]
                s[i] = b2 * s[i] + (1 - b2) * grad[i] * grad[i]
                x[i] -= learningRate * (m[i] * c1) / ((s[i] * c2).squareRoot() + eps)
            }
            if recordEvery > 0 && (step % recordEvery == 0 || step == steps) {
                let t0 = clock.elapsed
                defer { overhead += clock.elapsed - t0 }
                var err: Double?
                if let exact = problem.solution {
                    // The model this step evaluated (before its update).
                    let sol = GPSolution.model(kernels: kernels, grids: grids, values: u, coefficients: ev.alpha, jitters: ev.axisJitters)
                    err = try sol.relativeError(exact: exact)
                }
                history.append(GPIterationRecord(iteration: step, objective: ev.value, seconds: t0 - overhead, testError: err))
            }
        }
        // The final model: U and θ after the last step, coefficients recomputed for them.
        unpack(x)
        let u = Array(x[0..<n])
        let final = try joint.evaluate(kernels: kernels, u: u, logTau1: x[x.count - 2], logTau2: x[x.count - 1])
        // Adam has no stopping criterion: it runs its budget and is never reported converged.
        let report = Convergence(converged: false, iterations: steps, criterion: lastChange, tolerance: 0,
                                 criterionName: "relative objective change of the last Adam step (a fixed budget, no stopping criterion)")
        return GPSolution(kernels: kernels, grids: grids, values: u, coefficients: final.alpha, jitters: final.axisJitters, iterations: steps,
                          linearSolves: NestedSolves(), convergence: report, hyperparameterFit: nil,
                          seconds: clock.elapsed - overhead, history: history)
    }
}
