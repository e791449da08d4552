import Foundation
import LinearAlgebra

/// Solver A, the paper's: Adam on the negative log joint over the grid values `U`, the kernel
/// hyperparameters and the two noise precisions `log τ₁, log τ₂`, with hand-written gradients:
///
///     L = ½ log|K| + ½ UᵀK⁻¹U − λ_b(½ N_b log τ₁ − ½ τ₁ ‖U_b − g‖²) − (½ N log τ₂ − ½ τ₂ ‖R‖²),
///     R = K''K⁻¹U + N(U) − f,
///     ∂L/∂U = α + λ_b τ₁ (U_b − g) + τ₂ (K⁻¹K''R + N'(U) ∘ R),          α = K⁻¹U
///     ∂L/∂θ = ½ tr(K⁻¹∂K) − ½ αᵀ∂Kα + τ₂ Rᵀ∂K''α − τ₂ vᵀ∂Kα,          v = K⁻¹K''R
///     ∂L/∂log τ₁ = −½ λ_b N_b + ½ λ_b τ₁ ‖U_b − g‖²,  ∂L/∂log τ₂ = −½ N + ½ τ₂ ‖R‖²
///
/// Each step costs one Cholesky and one inverse of the N×N Gram matrix and O(N²) Toeplitz lag
/// sums; the hyperparameter gradient is then O(N) per hyperparameter (no kernel rebuild beyond
/// N lag values per derivative order). 1-D problems.
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
        /// Gradient with respect to the grid values U.
        public var gradU: [Double]
        /// Gradient with respect to the kernel's parameter vector.
        public var gradTheta: [Double]
        /// Gradient with respect to log τ₁.
        public var gradLogTau1: Double
        /// Gradient with respect to log τ₂.
        public var gradLogTau2: Double
        /// `α = K⁻¹U`.
        public var alpha: [Double]
    }

    /// The negative log joint of `problem` on an even grid of `gridSize` points and its gradient
    /// (the hand-written formulas above), at grid values `u`, kernel `kernel` and noise precisions
    /// `exp(logTau1)`, `exp(logTau2)`. The jitter is `options.jitter` times `kernel.value(0)`.
    /// - Throws: as `solve`, and `.dimensionMismatch` when `u` does not have `gridSize` values.
    public func objective(_ problem: PDEProblem, gridSize: Int, kernel: SpectralKernel, values u: [Double],
                          logTau1: Double, logTau2: Double) throws -> Evaluation {
        try options.validate()
        guard problem.dimension == 1 else {
            throw GaussianProcessPDEError.dimensionMismatch("the Adam solver handles 1-D problems (use FastGPSolver in d dimensions)")
        }
        let grid = try Grid1D(lower: problem.domain[0].lowerBound, upper: problem.domain[0].upperBound, count: gridSize)
        guard u.count == gridSize else { throw GaussianProcessPDEError.dimensionMismatch("\(u.count) values for \(gridSize) grid points") }
        let model = try Model1D(problem: problem, grid: grid, options: options, jitter: options.jitter * kernel.value(0), maxGaussNewton: 1)
        return try AdamGPSolver.evaluate(model: model, kernel: kernel, u: u, logTau1: logTau1, logTau2: logTau2)
    }

    static func evaluate(model: Model1D, kernel: SpectralKernel, u: [Double], logTau1: Double, logTau2: Double) throws -> Evaluation {
        let n = model.n
        let k = kernel.gram(grid: model.grid, derivative: 0, jitter: model.jitter)
        let chol: Cholesky
        do { chol = try Cholesky(k, jitter: .escalating) } catch { throw GaussianProcessPDEError.indefiniteGram("\(error)") }
        let k2 = kernel.gram(grid: model.grid, derivative: 2)
        let alpha = try chol.solve(u)
        let k2a = try k2.multiplied(by: alpha)
        let r = (0..<n).map { k2a[$0] + model.nonlinearity(u[$0]) - model.f[$0] }
        let tau1 = exp(logTau1), tau2 = exp(logTau2), lambda = model.lambda
        let b0 = u[0] - model.g[0], b1 = u[n - 1] - model.g[1]
        let bnd = b0 * b0 + b1 * b1
        let rr = r.reduce(0) { $0 + $1 * $1 }
        let value = 0.5 * chol.logDeterminant + 0.5 * zip(u, alpha).reduce(0) { $0 + $1.0 * $1.1 }
            - lambda * (0.5 * 2 * logTau1 - 0.5 * tau1 * bnd) - (0.5 * Double(n) * logTau2 - 0.5 * tau2 * rr)
        let v = try chol.solve(try k2.multiplied(by: r))
        var gu = (0..<n).map { alpha[$0] + tau2 * (v[$0] + model.nonlinearityDerivative(u[$0]) * r[$0]) }
        gu[0] += lambda * tau1 * b0
        gu[n - 1] += lambda * tau1 * b1
        // Hyperparameters through Toeplitz lag sums (shared with the fast 1-D solver).
        let gt = try Model1D.hyperparameterGradient(kernel, grid: model.grid, cholesky: chol, alpha: alpha, residual: r, v: v, tau2: tau2)
        return Evaluation(value: value, gradU: gu, gradTheta: gt, gradLogTau1: -lambda + 0.5 * lambda * tau1 * bnd,
                          gradLogTau2: -0.5 * Double(n) + 0.5 * tau2 * rr, alpha: alpha)
    }

    /// Runs Adam on a grid of `gridSize` points.
    /// - Throws: as `FastGPSolver.solve`, plus `.invalidParameter` for steps < 1 or a learning
    ///   rate that is not positive.
    public func solve(_ problem: PDEProblem, gridSize: Int) throws -> GPSolution {
        try options.validate()
        guard steps >= 1 else { throw GaussianProcessPDEError.invalidParameter(name: "steps", value: Double(steps), requirement: "must be ≥ 1") }
        guard learningRate > 0, learningRate.isFinite else {
            throw GaussianProcessPDEError.invalidParameter(name: "learningRate", value: learningRate, requirement: "must be positive")
        }
        guard problem.dimension == 1 else {
            throw GaussianProcessPDEError.dimensionMismatch("the Adam solver handles 1-D problems (use FastGPSolver in d dimensions)")
        }
        let clock = Stopwatch()
        var overhead = 0.0     // test-error evaluations, excluded from the reported seconds
        let grid = try Grid1D(lower: problem.domain[0].lowerBound, upper: problem.domain[0].upperBound, count: gridSize)
        let f = try problem.sourceValues([grid])
        var kernel = try options.initialKernels(sourceAlongAxis: f, spacing: grid.spacing)[0]
        let jitter = options.jitter * kernel.value(0)
        let model = try Model1D(problem: problem, grid: grid, options: options, jitter: jitter, maxGaussNewton: 1)
        let n = grid.count, np = kernel.parameterCount
        // Parameter vector: U, θ, log τ₁, log τ₂.
        var x = [Double](repeating: 0, count: n) + kernel.parameters + [options.logTauBoundary, options.logTauEquation]
        var m = [Double](repeating: 0, count: x.count), s = m
        let b1 = 0.9, b2 = 0.999, eps = 1e-8
        var history: [GPHistoryEntry] = []
        var alpha = [Double](repeating: 0, count: n)
        for step in 1...steps {
            kernel.parameters = Array(x[n..<(n + np)])
            let ev = try AdamGPSolver.evaluate(model: model, kernel: kernel, u: Array(x[0..<n]), logTau1: x[n + np], logTau2: x[n + np + 1])
            alpha = ev.alpha
            let grad = ev.gradU + ev.gradTheta + [ev.gradLogTau1, ev.gradLogTau2]
            for i in 0..<x.count {
                m[i] = b1 * m[i] + (1 - b1) * grad[i]
                s[i] = b2 * s[i] + (1 - b2) * grad[i] * grad[i]
                let mh = m[i] / (1 - pow(b1, Double(step))), sh = s[i] / (1 - pow(b2, Double(step)))
                x[i] -= learningRate * mh / (sh.squareRoot() + eps)
            }
            if recordEvery > 0 && (step % recordEvery == 0 || step == steps) {
                let t0 = clock.elapsed
                defer { overhead += clock.elapsed - t0 }
                var err: Double?
                if let exact = problem.solution {
                    let sol = GPSolution(kernels: [kernel], grids: [grid], values: Array(x[0..<n]), coefficients: alpha, jitters: [jitter], steps: step,
                                         linearIterations: 0, seconds: 0, history: [])
                    err = try? sol.relativeError(exact: exact)
                }
                history.append(GPHistoryEntry(step: step, objective: ev.value, seconds: t0 - overhead, testError: err))
            }
        }
        // The final model: U and θ after the last step, coefficients recomputed for them.
        kernel.parameters = Array(x[n..<(n + np)])
        let u = Array(x[0..<n])
        let k = kernel.gram(grid: grid, derivative: 0, jitter: jitter)
        let finalCholesky: Cholesky
        do { finalCholesky = try Cholesky(k, jitter: .escalating) } catch { throw GaussianProcessPDEError.indefiniteGram("\(error)") }
        let finalAlpha = try finalCholesky.solve(u)
        return GPSolution(kernels: [kernel], grids: [grid], values: u, coefficients: finalAlpha, jitters: [jitter + finalCholesky.jitter], steps: steps,
                          linearIterations: 0, seconds: clock.elapsed - overhead, history: history)
    }
}
