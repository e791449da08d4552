import LinearAlgebra

/// Sinkhorn's algorithm for entropic OT, stable for any `η` (tested to η = 10⁶ on costs in [0, 1]).
///
/// Stops when the L1 marginal error `‖P1 − r‖₁ + ‖Pᵀ1 − c‖₁` of the unit-mass problem is at most
/// `tolerance`, checked every iteration (free in the kernel form, see `SinkhornEngine`), or after
/// `maxIterations` (over all continuation stages). The first iteration always runs in the log
/// domain from zero potentials. At large `η · range(C)` the solve runs through an η-continuation
/// (`continuation`, reported in ``TransportSolution/schedule``). On unstructured costs at
/// η · range(C) around 10³–10⁴ the plain iteration is in a sublinear regime, far from 1e-9 after
/// 100,000 iterations; ``SinkhornAcceleration`` (on by default) extrapolates the iterates and
/// converges there in a few thousand.
public struct Sinkhorn: Sendable {
    /// Which form of the iteration runs.
    public enum Form: Sendable, Equatable {
        /// The absorption-stabilized kernel form (two matrix–vector products per iteration), with
        /// automatic absorption and a log-domain iteration wherever the kernel loses a row to
        /// underflow. Same iterates as the log domain, several times faster. The default.
        case automatic
        /// Every iteration in the log domain (two log-sum-exp passes).
        case logDomain
    }

    /// The regularization (`ε` or `η`).
    public var regularization: Regularization
    /// L1 marginal error at which to stop (default 1e-9).
    public var tolerance: Double
    /// Iteration cap (default 100,000).
    public var maxIterations: Int
    /// The form (default `.automatic`).
    public var form: Form
    /// Threads for the `O(nm)` passes (default: all cores; BLAS uses its own pool).
    public var threads: Int
    /// How `η` is reached (default `.automatic`: directly unless `η · range(C)` is large).
    public var continuation: EtaContinuation
    /// Whether the iteration is extrapolated (default `.automatic`: Anderson acceleration once a
    /// stage has run 100 plain iterations without converging).
    public var acceleration: SinkhornAcceleration
    /// L1 marginal error at which an intermediate continuation stage ends (default 1e-5: from a
    /// stage ended at 1e-3, Sinkhorn was measured to stall on the next stage's plateau, e.g. at
    /// 6e-4 for 95,000 iterations on a 60 × 50 random cost at η = 10⁵, where 1e-5 converges).
    public var stageTolerance: Double

    /// The options every Sinkhorn-type solver shares (``Sinkhorn``, ``OnlineSinkhorn``).
    /// - Throws: `OptimalTransportError.invalidParameter` naming the first option out of range.
    static func validate(regularization: Regularization, tolerance: Double, maxIterations: Int, stageTolerance: Double) throws {
        try regularization.validate()
        guard tolerance > 0, tolerance.isFinite else {
            throw OptimalTransportError.invalidParameter(name: "tolerance", value: tolerance, requirement: "must be positive and finite")
        }
        guard maxIterations >= 1 else {
            throw OptimalTransportError.invalidParameter(name: "maxIterations", value: Double(maxIterations), requirement: "must be at least 1")
        }
        guard stageTolerance > 0, stageTolerance.isFinite else {
            throw OptimalTransportError.invalidParameter(name: "stageTolerance", value: stageTolerance, requirement: "must be positive and finite")
        }
    }

    /// Iterations between two confirmations of convergence on a plan formed afresh.
    static let confirmationSpacing = 16

    /// Options with the documented defaults.
    public init(regularization: Regularization, tolerance: Double = 1e-9, maxIterations: Int = 100_000,
                form: Form = .automatic, continuation: EtaContinuation = .automatic, stageTolerance: Double = 1e-5,
                acceleration: SinkhornAcceleration = .automatic, threads: Int = Parallel.processorCount) {
        self.regularization = regularization
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.form = form
        self.continuation = continuation
        self.stageTolerance = stageTolerance
        self.acceleration = acceleration
        self.threads = threads
    }

    /// Solves the entropic OT problem.
    /// - Throws: `OptimalTransportError.invalidParameter` for a regularization, tolerance or
    ///   iteration cap out of range.
    public func solve(_ problem: TransportProblem) throws -> TransportSolution {
        try RoutineError.naming("Sinkhorn.solve") { try unnamedSolve(problem) }
    }

    /// `solve` without the routine name on its errors.
    func unnamedSolve(_ problem: TransportProblem) throws -> TransportSolution {
        try Sinkhorn.validate(regularization: regularization, tolerance: tolerance, maxIterations: maxIterations,
                              stageTolerance: stageTolerance)
        let clock = Stopwatch()
        let reduced = ReducedProblem(problem)
        let anderson = try acceleration.resolved(rows: reduced.n, columns: reduced.m)
        let builder = SolutionBuilder(problem: problem, reduced: reduced, regularization: regularization, threads: threads)
        let etas = try continuation.stages(target: regularization.eta, costRange: reduced.costRange)
        var x: [Double]?, y: [Double]?
        var iterations = 0
        var history: [IterationRecord] = []
        var schedule: [ContinuationStage] = []
        var converged = false
        var events = SolverEvents()
        for (k, eta) in etas.enumerated() {
            let last = k == etas.count - 1
            let stageTolerance = last ? tolerance : max(tolerance, self.stageTolerance)
            let dual = EntropicDual(reduced: reduced, eta: eta, threads: threads)
            let engine = SinkhornEngine(dual: dual, logDomainOnly: form == .logDomain, threads: threads)
            // A cold start runs one log-domain iteration; a warm start begins from the potentials.
            let cold = x == nil
            engine.start(x: x, y: y)
            var stageIterations = cold ? 1 : 0
            var nextConfirmation = 0
            var error = Double.infinity
            var stageConverged = false
            // Anderson acceleration, once the stage has run `delay` plain iterations. After an
            // extrapolation the plain step's error and dual value stand for the iteration: the
            // extrapolated plan is never tested for convergence.
            var measured: (error: Double, dual: Double, extrapolated: Bool)?
            while true {
                let (e, value, extrapolated) = measured ?? { let (e, v) = engine.check(); return (e, v, false) }()
                measured = nil
                error = e
                history.append(IterationRecord(iteration: iterations + stageIterations, stage: .sinkhorn, eta: eta, marginalError: error,
                                               dualValue: builder.scaledDual(value), seconds: clock.elapsed,
                                               cgIterations: 0, stepSize: nil, keptEntries: nil))
                if !extrapolated && error <= stageTolerance && (!last || stageIterations >= nextConfirmation) {
                    if !last {
                        stageConverged = true
                        break
                    }
                    // Confirm on a plan formed afresh from the potentials (the kernel form's P1 =
                    // u ⊙ Kv carries its own round-off): the converged flag must hold for the
                    // returned plan. A confirmation costs O(nm) exps, about five kernel iterations;
                    // after a failed one the next waits 16 iterations, so a tolerance at round-off
                    // level (where the running error dips under it and back) adds at most ~30 %.
                    let (px, py) = engine.potentials()
                    if let check = try? dual.evaluate(x: px, y: py), check.marginalError <= tolerance {
                        stageConverged = true
                        break
                    }
                    nextConfirmation = stageIterations + Sinkhorn.confirmationSpacing
                }
                // A warm start at a larger η may overflow the kernel: the first step repairs it in
                // the log domain. A non-finite error after that ends the stage.
                if iterations + stageIterations >= maxIterations || (!error.isFinite && stageIterations > 0) { break }
                if let anderson, stageIterations >= anderson.delay {
                    engine.accelerate(depth: anderson.depth)
                    measured = engine.step(extrapolatingAbove: stageTolerance)
                } else {
                    engine.step()
                }
                stageIterations += 1
            }
            // A stage cut short by the budget ends on its last plain step.
            engine.settle()
            events.andersonRestarts += engine.andersonRestarts
            iterations += stageIterations
            (x, y) = engine.potentials()
            events.absorptions += engine.absorptions
            events.logDomainIterations += engine.logDomainIterations
            schedule.append(ContinuationStage(eta: eta, iterations: stageIterations, marginalError: error, tolerance: stageTolerance,
                                              converged: stageConverged))
            if last { converged = stageConverged }
            if iterations >= maxIterations || !error.isFinite {
                // The budget is spent (or the iterate broke): the target is not reached from here.
                if !last { break }
            }
        }
        guard let x, let y else {
            throw OptimalTransportError.invalidParameter(name: "maxIterations", value: Double(maxIterations), requirement: "at least one iteration")
        }
        if schedule.count < etas.count {
            // Stopped before the target's stage: the potentials belong to a weaker regularization.
            converged = false
        }
        return try builder.build(x: x, y: y, converged: converged, tolerance: tolerance, sinkhorn: iterations, newton: 0,
                                 fallback: 0, cg: NestedSolves(), history: history, seconds: clock.elapsed, events: events,
                                 schedule: schedule)
    }
}
