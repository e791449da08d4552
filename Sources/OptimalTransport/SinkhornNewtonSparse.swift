import Foundation
import LinearAlgebra

/// Sinkhorn-Newton-Sparse (Tang, Shavlovsky, Rahmanian, Tardini, Thekumparampil, Xiao, Ying,
/// "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations", ICLR 2024, Algorithm 1).
///
/// 1. `warmUpIterations` Sinkhorn iterations (paper: N1 = 20; 700 for its W1 image case).
/// 2. Newton steps on the dual `f`: the Hessian keeps its exact diagonal blocks and the plan
///    entries chosen by `sparsity` (`SparseHessian`); `H Δ = ∇f` is solved by Jacobi-
///    preconditioned conjugate gradient from zero; an Armijo backtracking line search on `f`
///    (its change computed directly with `expm1`, not as a difference of two large sums; a
///    non-finite trial counts as a failure) sets the step. Each step costs O(n m) for the plan
///    plus CG on the kept entries.
///    Steps are Levenberg–Marquardt damped, `(H + μ diag H) Δ = ∇f`, with μ raised tenfold after a
///    failed line search or a step below 1/4 and lowered after a full step (an addition to the paper: on small or
///    nearly decoupled plans the undamped step overshoots by orders of magnitude), and never
///    change a plan entry by more than `e^20` in one trial.
/// 3. **Fallback**: when even μ = `maxDamping` gives no acceptable step (`maxBacktracks` halvings) or CG
///    makes no progress (relative residual above 0.9), `fallbackIterations` Sinkhorn iterations
///    run from the current potentials (history stage `.fallback`) and Newton resumes; after 20
///    consecutive stalls Sinkhorn alone finishes the solve (at most `maxFallbackIterations`). It
///    never returns NaN: a failed trial keeps the last finite iterate.
/// 4. When the Newton budget is spent without convergence, Sinkhorn finishes the solve from the
///    Newton iterate (at most `maxFallbackIterations`), so the result is never worse than
///    Sinkhorn's; `converged` says whether the tolerance was met in the end.
/// 5. **Measured choice** (an addition to the paper, `interleaveSinkhorn`): after a Newton step
///    shorter than 1/4 that gained fewer decades of marginal error per second than Sinkhorn's
///    latest iterations, Sinkhorn runs for the same wall time (history stage `.sinkhorn`).
/// 6. **η-continuation** (`continuation`): at large `η · range(C)` the steps above run on a
///    sequence of growing `η`, each stage warm-started; the schedule is in the solution.
/// Stops when the L1 marginal error is at most `tolerance` or every budget is spent. Each CG solve
/// is reported in ``TransportSolution/cgSolves``.
public struct SinkhornNewtonSparse: Sendable {
    /// A CG solution whose relative residual is above this is no descent direction worth a line
    /// search: the step is damped instead.
    static let maxNewtonResidual = 0.9
    /// Consecutive Newton stalls after which Sinkhorn alone finishes the solve.
    static let stallsBeforeSinkhornFinishes = 20
    /// The first Levenberg–Marquardt damping μ after an undamped step failed.
    static let initialDamping = 1e-4
    /// Factor by which μ grows after a failed or short step and shrinks after a full one.
    static let dampingFactor = 10.0
    /// Below this μ is dropped to 0 (the undamped Newton step).
    static let negligibleDamping = 1e-10
    /// An accepted step shorter than this is a sign of a poor model: μ grows.
    static let shortStep = 0.25
    /// A Sinkhorn stretch that stays faster than the Newton step before it runs on, up to this
    /// many times its first length.
    static let extensionFactor = 10
    /// No trial step changes a plan entry by more than `e^maxLogChange`.
    static let maxLogChange = 20.0
    /// Multiplicative plan updates since the last rebuild that could have grown a flushed entry
    /// by more than `e^maxDriftBeforeRefresh` trigger a rebuild from the potentials.
    static let maxDriftBeforeRefresh = 40.0

    /// The speed Sinkhorn is expected to keep after a run of iterations (error and work after
    /// each): the speed of the run's second half, extrapolated once more by the ratio of the
    /// halves when it is slowing down. Sinkhorn decelerates from a fast start on some problems
    /// (sublinear phases); the last speed alone would overrate it there.
    static func predictedSpeed(_ marks: [(error: Double, work: Double)]) -> Double {
        guard marks.count >= 3 else { return marks.count == 2 ? speed(from: marks[0], to: marks[1]) : 0 }
        let middle = marks.count / 2
        let first = speed(from: marks[0], to: marks[middle]), second = speed(from: marks[middle], to: marks[marks.count - 1])
        return second < first && first > 0 ? max(0, second) * max(0, second) / first : second
    }

    /// Decades of marginal error gained per unit of work between two (error, work) marks.
    static func speed(from a: (error: Double, work: Double), to b: (error: Double, work: Double)) -> Double {
        guard a.error > 0, b.error > 0, b.work > a.work else { return 0 }
        return Foundation.log10(a.error / b.error) / (b.work - a.work)
    }

    /// Work of one Newton step in Sinkhorn iterations (two matrix–vector passes over the `n × m`
    /// plan each): a Hessian build, the CG products over the kept entries and the line-search
    /// trials, each pass weighed per entry against one entry of a `dgemv`. The weights were
    /// measured with `bench sinkhorn` at n = 784 and 2000 (2 threads): the build's two passes
    /// about 60 `dgemv` entries per plan entry, one sparse product about 5 per kept entry (each
    /// counted twice: row and column gathers), one trial pass about 10 per plan entry. A model
    /// rather than a clock, so that a solve's iterates do not depend on the machine's load.
    static func newtonWork(n: Int, m: Int, keptEntries: Int, cgIterations: Int, trials: Int) -> Double {
        let entries = Double(n) * Double(m)
        let passes = buildWeight * entries + gatherWeight * 2 * Double(keptEntries) * Double(cgIterations)
            + trialWeight * entries * Double(trials)
        return passes / (2 * entries)
    }
    static let buildWeight = 60.0
    static let gatherWeight = 5.0
    static let trialWeight = 10.0

    /// μ after a failed or short step.
    static func raised(_ damping: Double, cap: Double) -> Double {
        min(cap, damping == 0 ? initialDamping : damping * dampingFactor)
    }

    /// μ after a full step.
    static func lowered(_ damping: Double) -> Double {
        damping <= negligibleDamping ? 0 : damping / dampingFactor
    }

    /// The regularization (`ε` or `η`).
    public var regularization: Regularization
    /// L1 marginal error at which to stop (default 1e-10).
    public var tolerance: Double
    /// Sinkhorn warm-up iterations N1 (default 20, the paper's value).
    public var warmUpIterations: Int
    /// Newton-step cap N2 (default 200).
    public var maxNewtonIterations: Int
    /// Hessian sparsification (default `.massThreshold(1e-4)`: every row and column keeps its
    /// largest entries until at most 1e-4 of its mass is left out; `.paper` is Tang et al.'s fixed
    /// λ = 2/n, which stalls on the benchmark's image problems).
    public var sparsity: SparsityRule
    /// Relative residual tolerance of the inner conjugate gradient (default 1e-3: on the benchmark
    /// problems 1e-2 to 1e-6 give the same Newton step counts within one, and 1e-3 the shortest
    /// times — 40–60 % fewer CG iterations than 1e-6).
    public var cgTolerance: Double
    /// Inner conjugate-gradient iteration cap per Newton step (default 2000).
    public var maxCGIterations: Int
    /// Armijo sufficient-increase constant (default 1e-4).
    public var armijo: Double
    /// Step halvings before the line search gives up (default 30).
    public var maxBacktracks: Int
    /// Largest Levenberg–Marquardt damping μ (default 1e4; 0 gives the paper's undamped Newton
    /// step, which then falls back to Sinkhorn whenever its line search fails).
    public var maxDamping: Double
    /// Sinkhorn iterations run after a Newton stall (default 10).
    public var fallbackIterations: Int
    /// Sinkhorn iterations allowed to finish the solve after 20 consecutive Newton stalls or once
    /// the Newton budget is spent without convergence (default 100,000; 0 stops with the Newton
    /// iterate, flagged as not converged).
    public var maxFallbackIterations: Int
    /// Threads for the `O(nm)` passes.
    public var threads: Int
    /// How `η` is reached (default `.automatic`: directly unless `η · range(C)` is large). Every
    /// stage has its own warm-up and Newton budget.
    public var continuation: EtaContinuation
    /// L1 marginal error at which an intermediate continuation stage ends (default 1e-3).
    public var stageTolerance: Double
    /// Run Sinkhorn after a damped Newton step whenever Sinkhorn is measured to gain more
    /// decades of marginal error per second (default true; false gives the paper's schedule:
    /// warm-up, then Newton steps only).
    public var interleaveSinkhorn: Bool
    /// Anderson acceleration of the Sinkhorn phases (default `.automatic`, as ``Sinkhorn``'s):
    /// the warm-up extrapolates after the policy's delay, the interleaved stretches and the
    /// fallback from their first iteration (they start past the transient).
    public var acceleration: SinkhornAcceleration

    /// Options with the documented defaults (the paper's N1 = 20; see each property).
    public init(regularization: Regularization, tolerance: Double = 1e-10, warmUpIterations: Int = 20,
                maxNewtonIterations: Int = 200, sparsity: SparsityRule = .massThreshold(1e-4),
                cgTolerance: Double = 1e-3, maxCGIterations: Int = 2000, armijo: Double = 1e-4,
                maxBacktracks: Int = 30, maxDamping: Double = 1e4, fallbackIterations: Int = 10, maxFallbackIterations: Int = 100_000,
                continuation: EtaContinuation = .automatic, stageTolerance: Double = 1e-3, interleaveSinkhorn: Bool = true,
                acceleration: SinkhornAcceleration = .automatic, threads: Int = Parallel.processorCount) {
        self.interleaveSinkhorn = interleaveSinkhorn
        self.acceleration = acceleration
        self.continuation = continuation
        self.stageTolerance = stageTolerance
        self.regularization = regularization
        self.tolerance = tolerance
        self.warmUpIterations = warmUpIterations
        self.maxNewtonIterations = maxNewtonIterations
        self.sparsity = sparsity
        self.cgTolerance = cgTolerance
        self.maxCGIterations = maxCGIterations
        self.armijo = armijo
        self.maxBacktracks = maxBacktracks
        self.maxDamping = maxDamping
        self.fallbackIterations = fallbackIterations
        self.maxFallbackIterations = maxFallbackIterations
        self.threads = threads
    }

    func validate() throws {
        try regularization.validate()
        try sparsity.validate()
        func require(_ ok: Bool, _ name: String, _ value: Double, _ why: String) throws {
            if !ok { throw OptimalTransportError.invalidParameter(name: name, value: value, requirement: why) }
        }
        try require(tolerance > 0 && tolerance.isFinite, "tolerance", tolerance, "must be positive and finite")
        try require(warmUpIterations >= 1, "warmUpIterations", Double(warmUpIterations), "must be at least 1")
        try require(maxNewtonIterations >= 0, "maxNewtonIterations", Double(maxNewtonIterations), "must be ≥ 0")
        try require(cgTolerance > 0 && cgTolerance < 1, "cgTolerance", cgTolerance, "must be in (0, 1)")
        try require(maxCGIterations >= 1, "maxCGIterations", Double(maxCGIterations), "must be at least 1")
        try require(armijo > 0 && armijo < 0.5, "armijo", armijo, "must be in (0, 0.5)")
        try require(maxBacktracks >= 1, "maxBacktracks", Double(maxBacktracks), "must be at least 1")
        try require(maxDamping >= 0 && maxDamping.isFinite, "maxDamping", maxDamping, "must be ≥ 0 and finite")
        try require(fallbackIterations >= 1, "fallbackIterations", Double(fallbackIterations), "must be at least 1")
        try require(maxFallbackIterations >= 0, "maxFallbackIterations", Double(maxFallbackIterations), "must be non-negative")
        try require(stageTolerance > 0 && stageTolerance.isFinite, "stageTolerance", stageTolerance, "must be positive and finite")
    }

    /// Solves the entropic OT problem.
    /// - Throws: `OptimalTransportError.invalidParameter` for options out of range.
    public func solve(_ problem: TransportProblem) throws -> TransportSolution {
        try RoutineError.naming("SinkhornNewtonSparse.solve") { try unnamedSolve(problem) }
    }

    /// `solve` without the routine name on its errors: the continuation's stages, each a warm-up,
    /// Newton steps with fallbacks, and a Sinkhorn finish when the Newton budget is spent.
    func unnamedSolve(_ problem: TransportProblem) throws -> TransportSolution {
        try validate()
        let clock = Stopwatch()
        let reduced = ReducedProblem(problem)
        let builder = SolutionBuilder(problem: problem, reduced: reduced, regularization: regularization, threads: threads)
        let etas = try continuation.stages(target: regularization.eta, costRange: reduced.costRange)
        func stageTolerance(_ k: Int) -> Double { k == etas.count - 1 ? tolerance : max(tolerance, self.stageTolerance) }
        var state = Iterate(reduced: reduced, eta: etas[0], builder: builder, tolerance: stageTolerance(0), clock: clock, threads: threads)
        state.anderson = try acceleration.resolved(rows: reduced.n, columns: reduced.m)
        var schedule: [ContinuationStage] = []
        for (k, eta) in etas.enumerated() {
            if k > 0 { state.retarget(eta: eta, tolerance: stageTolerance(k)) }
            let before = state.totalIterations
            runStage(&state)
            schedule.append(ContinuationStage(eta: eta, iterations: state.totalIterations - before, marginalError: state.error,
                                              tolerance: state.tolerance, converged: state.converged))
        }
        return try state.solution(schedule: schedule)
    }

    /// One regularization: warm-up, Newton steps with fallbacks, and a Sinkhorn finish when the
    /// Newton budget is spent without convergence.
    func runStage(_ state: inout Iterate) {
        state.warmUp(iterations: warmUpIterations)
        state.startNewton()
        var damping = 0.0, consecutiveStalls = 0, steps = 0
        while !state.converged && steps < maxNewtonIterations {
            let before = state.error
            if let accepted = newtonStep(&state, damping: &damping) {
                consecutiveStalls = 0
                steps += 1
                state.accept(accepted)
                // Newton or Sinkhorn, by cost: a short damped step (outside Newton's quadratic
                // region) that gained fewer decades of marginal error per unit of work than
                // Sinkhorn's latest iterations is followed by as much work of Sinkhorn. Full
                // steps never are: near the optimum Newton's quadratic convergence wins.
                let work = SinkhornNewtonSparse.newtonWork(n: state.n, m: state.m, keptEntries: accepted.keptEntries,
                                                           cgIterations: accepted.cgIterations, trials: accepted.trials)
                let newtonSpeed = SinkhornNewtonSparse.speed(from: (before, 0), to: (state.error, work))
                if interleaveSinkhorn && !state.converged && accepted.size < SinkhornNewtonSparse.shortStep
                    && newtonSpeed < state.sinkhornSpeed {
                    state.runSinkhornStretch(iterations: Int(work.rounded(.up)), newtonSpeed: newtonSpeed)
                }
                continue
            }
            // Fallback: Sinkhorn iterations from the current potentials. After too many
            // consecutive stalls Sinkhorn alone finishes the stage.
            state.stalls += 1
            consecutiveStalls += 1
            damping = 0
            let giveUp = consecutiveStalls > SinkhornNewtonSparse.stallsBeforeSinkhornFinishes
            state.runSinkhorn(budget: giveUp ? maxFallbackIterations : fallbackIterations)
            if giveUp {
                state.finishedBySinkhorn = true
                break
            }
        }
        // A Newton budget spent without convergence is never the last word: Sinkhorn finishes the
        // stage from the Newton iterate, so SNS ends no worse than Sinkhorn would have.
        if !state.converged && !state.finishedBySinkhorn && maxFallbackIterations > 0 {
            state.runSinkhorn(budget: maxFallbackIterations)
        }
    }
}

