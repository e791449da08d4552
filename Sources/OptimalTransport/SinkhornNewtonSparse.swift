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
    /// No trial step changes a plan entry by more than `e^maxLogChange`.
    static let maxLogChange = 20.0
    /// Multiplicative plan updates since the last rebuild that could have grown a flushed entry
    /// by more than `e^maxDriftBeforeRefresh` trigger a rebuild from the potentials.
    static let maxDriftBeforeRefresh = 40.0

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
    /// Relative residual tolerance of the inner conjugate gradient (default 1e-6; measured to
    /// change neither the Newton step count nor the time much between 1e-2 and 1e-10).
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

    /// Options with the documented defaults (the paper's N1 = 20; see each property).
    public init(regularization: Regularization, tolerance: Double = 1e-10, warmUpIterations: Int = 20,
                maxNewtonIterations: Int = 200, sparsity: SparsityRule = .massThreshold(1e-4),
                cgTolerance: Double = 1e-6, maxCGIterations: Int = 2000, armijo: Double = 1e-4,
                maxBacktracks: Int = 30, maxDamping: Double = 1e4, fallbackIterations: Int = 10, maxFallbackIterations: Int = 100_000,
                threads: Int = Parallel.processorCount) {
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
    }

    /// Solves the entropic OT problem.
    /// - Throws: `OptimalTransportError.invalidParameter` for options out of range.
    public func solve(_ problem: TransportProblem) throws -> TransportSolution {
        try RoutineError.naming("SinkhornNewtonSparse.solve") { try unnamedSolve(problem) }
    }

    /// `solve` without the routine name on its errors: warm-up, Newton steps with fallbacks, and
    /// a Sinkhorn finish when the Newton budget is spent (see the type's documentation).
    func unnamedSolve(_ problem: TransportProblem) throws -> TransportSolution {
        try validate()
        let clock = Stopwatch()
        let reduced = ReducedProblem(problem)
        let builder = SolutionBuilder(problem: problem, reduced: reduced, regularization: regularization, threads: threads)
        var state = Iterate(reduced: reduced, eta: regularization.eta, builder: builder, tolerance: tolerance, clock: clock, threads: threads)
        state.warmUp(iterations: warmUpIterations)
        state.startNewton()
        var damping = 0.0, consecutiveStalls = 0
        while !state.converged && state.newtonIterations < maxNewtonIterations {
            if let accepted = newtonStep(&state, damping: &damping) {
                consecutiveStalls = 0
                state.accept(accepted)
                continue
            }
            // Fallback: Sinkhorn iterations from the current potentials. After too many
            // consecutive stalls Sinkhorn alone finishes the solve.
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
        // solve from the Newton iterate, so SNS ends no worse than Sinkhorn would have.
        if !state.converged && !state.finishedBySinkhorn && maxFallbackIterations > 0 {
            state.runSinkhorn(budget: maxFallbackIterations)
        }
        return try state.solution()
    }
}

