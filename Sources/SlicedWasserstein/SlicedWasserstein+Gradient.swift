import LinearAlgebra

extension SlicedWasserstein {
    /// The estimate and its gradient with respect to the support points of `mu` (an `n × d`
    /// matrix, row `i` = `∂Ŝ/∂x_i`), for `Ŝ` the estimate of `SW_p^p`.
    ///
    /// For plain Monte Carlo this is the exact gradient of the estimate (almost everywhere: where
    /// no two projections tie). For control variates the coefficients γ are held fixed at their
    /// estimated (or given) values, the usual plug-in gradient:
    /// `∇Ŝ = (1/L) Σ_l ∇W_l − Σ_k γ_k ((1/L) Σ_l ∇C_{k,l} − ∇E[C_k])`, with
    /// `∇_{x_i} C_low = 2 (θᵀΔm) α_i θ`, `∇_{x_i} θᵀΣ_μθ = 2 α_i θᵀ(x_i − m_μ) θ`,
    /// `∇_{x_i} ‖Δm‖² = 2 α_i Δm`, `∇_{x_i} tr Σ_μ = 2 α_i (x_i − m_μ)`.
    /// - Throws: as `estimate`.
    /// - Complexity: that of `estimate` plus one `n × L × d` GEMM.
    public func gradient(_ mu: EmpiricalMeasure, _ nu: EmpiricalMeasure, seed: UInt64,
                         fixedCoefficients: [Double]? = nil) throws -> (estimate: SlicedWassersteinEstimate, gradient: Matrix) {
        try RoutineError.naming("SlicedWasserstein.gradient") { try unnamedGradient(mu, nu, seed: seed, fixedCoefficients: fixedCoefficients) }
    }

    /// `gradient` without the routine name on its errors.
    func unnamedGradient(_ mu: EmpiricalMeasure, _ nu: EmpiricalMeasure, seed: UInt64,
                         fixedCoefficients: [Double]? = nil) throws -> (estimate: SlicedWassersteinEstimate, gradient: Matrix) {
        let clock = Stopwatch()
        let theta = try validatedDirections(mu.dimension, nu.dimension, fixedCoefficients, seed: seed)
        let slices = try Slices(mu: mu, nu: nu, theta: theta, p: p, gradient: true, threads: threads)
        let a = assemble(slices, mu.moments, nu.moments, fixedCoefficients)
        try SlicedWasserstein.requireFinite(a.estimate, a.standardError, routine: "SlicedWasserstein.gradient", p: p)
        let n = mu.count, L = theta.columns, d = mu.dimension
        let alpha = mu.weights
        var gammaLow = 0.0, gammaUp = 0.0
        switch controlVariate {
        case .none: break
        case .lower: gammaLow = a.gammas[0]
        case .upper: gammaUp = a.gammas[0]
        case .both: gammaLow = a.gammas[0]; gammaUp = a.gammas[1]
        }
        // Derivatives with respect to the projections a_il = θ_lᵀx_i, divided by L.
        var dproj = slices.gradient!
        let invL = 1 / Double(L)
        dproj.withUnsafeMutableBufferPointer { g in
            slices.projectedX.withUnsafeBufferPointer { px in
                for l in 0..<L {
                    let dmean = slices.meanX[l] - slices.meanY[l]
                    let lowCoefficient = 2 * dmean * (gammaLow + gammaUp)
                    for i in 0..<n {
                        var v = g[i + l * n] - lowCoefficient * alpha[i]
                        if gammaUp != 0 { v -= gammaUp * 2 * alpha[i] * (px[i + l * n] - slices.meanX[l]) }
                        g[i + l * n] = v * invL
                    }
                }
            }
        }
        var grad = try dproj.multiplied(by: theta, transposeOther: true)
        // + γ ∇E[C]: E[C_low] = ‖Δm‖²/d, E[C_up] = (‖Δm‖² + tr Σ_μ + tr Σ_ν)/d.
        if gammaLow != 0 || gammaUp != 0 {
            let m = mu.mean, dm = zip(m, nu.mean).map { $0 - $1 }
            let dd = Double(d)
            for k in 0..<d {
                for i in 0..<n {
                    var v = (gammaLow + gammaUp) * 2 * alpha[i] * dm[k] / dd
                    if gammaUp != 0 { v += gammaUp * 2 * alpha[i] * (mu.points[i, k] - m[k]) / dd }
                    grad[i, k] += v
                }
            }
        }
        let estimate = SlicedWassersteinEstimate(
            powered: a.estimate, powerUnit: 1, distance: a.estimate >= 0 ? rootPower(a.estimate, 1 / p) : nil, isNegative: a.estimate < 0,
            monteCarlo: a.monteCarlo, standardError: a.standardError, coefficients: a.gammas, values: slices.values,
            controls: a.controls, controlMeans: a.means, projections: L, seed: seed, seconds: clock.elapsed)
        return (estimate, grad)
    }
}

/// A point-cloud gradient flow driven by sliced Wasserstein estimates — the paper's point-cloud
/// experiment in small: at each step fresh directions (the run's seed + step) estimate `SW_p` between the
/// moving cloud and the target, and every point moves by `−lr · N · ∇_{x_i} SW_p` (N = number of
/// points, so each point moves by its own share of the gradient).
public struct SlicedWassersteinFlow: Sendable {
    /// The estimator.
    public var estimator: SlicedWasserstein
    /// Step size (paper: 0.01).
    public var learningRate: Double
    /// Number of steps.
    public var steps: Int
    /// Steps after which the cloud is recorded (0 = the start).
    public var checkpoints: [Int]

    /// A flow driven by `estimator`.
    public init(estimator: SlicedWasserstein, learningRate: Double = 0.01, steps: Int, checkpoints: [Int] = []) {
        self.estimator = estimator
        self.learningRate = learningRate
        self.steps = steps
        self.checkpoints = checkpoints
    }

    /// Points recorded at each checkpoint, and the final points.
    public struct Result: Sendable {
        /// `(step, points)` for every requested checkpoint within range.
        public let checkpoints: [(step: Int, points: Matrix)]
        /// The cloud after the last step.
        public let final: Matrix
        /// The estimate of `SW_p` at each step (nil where the controlled estimate was negative).
        public let distances: [Double?]
    }

    /// Runs the flow from `source` toward `target` (the source's weights are kept); step `t` draws
    /// its directions from `seed + t`.
    /// - Throws: `SlicedWassersteinError` for invalid inputs or parameters.
    public func run(source: EmpiricalMeasure, target: EmpiricalMeasure, seed: UInt64) throws -> Result {
        try RoutineError.naming("SlicedWassersteinFlow.run") { try unnamedRun(source: source, target: target, seed: seed) }
    }

    /// `run` without the routine name on its errors.
    func unnamedRun(source: EmpiricalMeasure, target: EmpiricalMeasure, seed: UInt64) throws -> Result {
        guard learningRate > 0, learningRate.isFinite else {
            throw SlicedWassersteinError.invalidParameter(name: "learningRate", value: learningRate, requirement: "must be positive and finite")
        }
        guard steps >= 0 else {
            throw SlicedWassersteinError.invalidParameter(name: "steps", value: Double(steps), requirement: "must be ≥ 0")
        }
        var points = source.points
        var recorded: [(step: Int, points: Matrix)] = []
        if checkpoints.contains(0) { recorded.append((0, points)) }
        var distances: [Double?] = []
        let n = Double(source.count)
        let p = estimator.p
        for step in 1...max(1, steps) where steps > 0 {
            let current = try EmpiricalMeasure(points: points, weights: source.weights)
            let (est, grad) = try estimator.gradient(current, target, seed: seed &+ UInt64(step))
            distances.append(est.distance)
            // ∇ SW_p = (1/p) S^{1/p − 1} ∇S for S = SW_p^p > 0.
            if est.powered > 0 {
                let factor = learningRate * n * rootPower(est.powered, 1 / p - 1) / p
                points = try points.subtracting(grad.scaled(by: factor))
            }
            if checkpoints.contains(step) { recorded.append((step, points)) }
        }
        return Result(checkpoints: recorded, final: points, distances: distances)
    }
}
