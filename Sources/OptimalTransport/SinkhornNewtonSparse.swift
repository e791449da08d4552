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

    /// `solve` without the routine name on its errors.
    func unnamedSolve(_ problem: TransportProblem) throws -> TransportSolution {
        try validate()
        let clock = Stopwatch()
        let reduced = ReducedProblem(problem)
        let eta = regularization.eta, eps = 1 / eta
        let dual = EntropicDual(reduced: reduced, eta: eta, threads: threads)
        let builder = SolutionBuilder(problem: problem, reduced: reduced, regularization: regularization, threads: threads)
        let n = reduced.n, m = reduced.m
        let r = reduced.r, c = reduced.c
        var history: [IterationRecord] = []

        // 1. Sinkhorn warm-up.
        let engine = SinkhornEngine(dual: dual, logDomainOnly: false, threads: threads)
        engine.start(x: nil, y: nil)
        var sinkhornIterations = 1
        var error = 0.0, value = 0.0
        while true {
            (error, value) = engine.check()
            history.append(IterationRecord(iteration: sinkhornIterations, stage: .sinkhorn, marginalError: error,
                                           dualValue: builder.scaledDual(value), seconds: clock.elapsed,
                                           cgIterations: 0, stepSize: nil, keptEntries: nil))
            if error <= tolerance || sinkhornIterations >= warmUpIterations { break }
            engine.step()
            sinkhornIterations += 1
        }
        var (x, y) = engine.potentials()

        // 2. Newton stage on the dense plan.
        var plan = [Double](repeating: 0, count: n * m)
        var trial = [Double](repeating: 0, count: n * m)
        var a = [Double](repeating: 0, count: n), b = [Double](repeating: 0, count: m)
        var aTrial = a, bTrial = b
        func recomputePlan() {
            plan.withUnsafeMutableBufferPointer { p in a.withUnsafeMutableBufferPointer { ab in b.withUnsafeMutableBufferPointer { bb in
                dual.computePlan(x: x, y: y, into: p.baseAddress!, rowSums: ab.baseAddress!, columnSums: bb.baseAddress!)
            } } }
        }
        func measure() -> (Double, Double) {
            var err = 0.0
            for i in 0..<n { err += abs(r[i] - a[i]) }
            for j in 0..<m { err += abs(c[j] - b[j]) }
            let f = -eps * Summation.compensated(a) + zip(r, x).reduce(0) { $0 + $1.0 * $1.1 } + zip(c, y).reduce(0) { $0 + $1.0 * $1.1 }
            return (err, f)
        }
        var newtonIterations = 0, fallbackCount = 0, stalls = 0, planRefreshes = 0
        var cgSolves = NestedSolves()
        recomputePlan()
        (error, value) = measure()
        var converged = error <= tolerance
        let cg = ConjugateGradient(tolerance: cgTolerance, maxIterations: maxCGIterations)
        var damping = 0.0
        var consecutiveStalls = 0
        var drift = 0.0
        var finishedBySinkhorn = false
        /// Sinkhorn iterations from the current potentials (history stage `.fallback`).
        func runFallback(_ budget: Int) {
            engine.start(x: x, y: y)
            for _ in 0..<budget {
                engine.step()
                fallbackCount += 1
                let (e, f) = engine.check()
                history.append(IterationRecord(iteration: sinkhornIterations + newtonIterations + fallbackCount,
                                               stage: .fallback, marginalError: e, dualValue: builder.scaledDual(f),
                                               seconds: clock.elapsed, cgIterations: 0, stepSize: nil, keptEntries: nil))
                if e <= tolerance { break }
            }
            (x, y) = engine.potentials()
            recomputePlan()
            drift = 0
            (error, value) = measure()
            converged = error <= tolerance
            if budget == maxFallbackIterations { finishedBySinkhorn = true }
        }
        newtonLoop: while !converged && newtonIterations < maxNewtonIterations {
            let gradient = (0..<n).map { r[$0] - a[$0] } + (0..<m).map { c[$0] - b[$0] }
            let hessian = plan.withUnsafeBufferPointer { p in
                SparseHessian.build(plan: p.baseAddress!, n: n, m: m, rowSums: a, columnSums: b, eta: eta, rule: sparsity)
            }
            let diagonal = (a + b).map { eta * max($0, Double.leastNormalMagnitude) }
            var step = 0.0
            var cgIterations = 0
            // Levenberg–Marquardt damping: solve (H + μ diag H) Δ = ∇f; μ grows tenfold after a
            // failed line search and shrinks tenfold after a full step, so Newton's quadratic
            // convergence is kept near the optimum while far from it (nearly decoupled plans,
            // whose dual is flat along whole blocks of potentials) the step tends to a scaled
            // gradient step instead of overshooting.
            while step == 0 {
                let op = DampedHessian(hessian: hessian, diagonal: diagonal, damping: damping)
                // A CG solve that fails (non-positive curvature, non-finite values) or leaves too
                // large a residual for a descent direction is recorded and answered by more damping.
                let solve: ConjugateGradient.Result
                do {
                    solve = try cg.solve(op, gradient, preconditioner: try JacobiPreconditioner(diagonal: diagonal.map { $0 * (1 + damping) }))
                    cgSolves.record(iterations: solve.iterations, converged: solve.converged, criterion: solve.relativeResidual)
                } catch {
                    cgSolves.record(iterations: 0, converged: false, criterion: .infinity)
                    if damping >= maxDamping { break }
                    damping = SinkhornNewtonSparse.raised(damping, cap: maxDamping)
                    continue
                }
                guard solve.relativeResidual <= SinkhornNewtonSparse.maxNewtonResidual, solve.solution.allSatisfy({ $0.isFinite }) else {
                    if damping >= maxDamping { break }
                    damping = SinkhornNewtonSparse.raised(damping, cap: maxDamping)
                    continue
                }
                cgIterations += solve.iterations
                // Remove the component along the null direction (1, −1): it changes no plan entry
                // but, accumulated, makes x and y large and opposite, and x_i + y_j then loses
                // digits to cancellation.
                let shift = (zip(r, solve.solution[0..<n]).reduce(0) { $0 + $1.0 * $1.1 }
                             - zip(c, solve.solution[n...]).reduce(0) { $0 + $1.0 * $1.1 }) / 2
                let dx = solve.solution[0..<n].map { $0 - shift }, dy = solve.solution[n...].map { $0 + shift }
                let slope = zip(gradient, solve.solution).reduce(0) { $0 + $1.0 * $1.1 }
                let linear = zip(r, dx).reduce(0) { $0 + $1.0 * $1.1 } + zip(c, dy).reduce(0) { $0 + $1.0 * $1.1 }
                // Never try a step that changes some plan entry by more than e^20.
                let reach = eta * ((dx.map(abs).max() ?? 0) + (dy.map(abs).max() ?? 0))
                var t = min(1, SinkhornNewtonSparse.maxLogChange / max(reach, 1e-300))
                if slope > 0 {
                    for _ in 0..<maxBacktracks {
                        let (decrease, magnitude, maxExponent) = trialStep(dx: dx, dy: dy, t: t, eta: eta, n: n, m: m,
                                                                           plan: plan, trial: &trial, rowSums: &aTrial, columnSums: &bTrial)
                        let change = -eps * decrease + t * linear
                        let slack = 1e-15 * (eps * magnitude + t * abs(linear))
                        if change.isFinite && change >= armijo * t * slope - slack {
                            for i in 0..<n { x[i] += t * dx[i] }
                            for j in 0..<m { y[j] += t * dy[j] }
                            swap(&plan, &trial)
                            swap(&a, &aTrial)
                            swap(&b, &bTrial)
                            // Entries flushed to zero (below 1e−308) are not updated multiplicatively;
                            // once the updates since the last rebuild could have grown one by e^40,
                            // rebuild P from the potentials so that it can reappear.
                            drift += maxExponent
                            if drift > SinkhornNewtonSparse.maxDriftBeforeRefresh {
                                recomputePlan()
                                planRefreshes += 1
                                drift = 0
                            }
                            step = t
                            break
                        }
                        t *= 0.5
                    }
                }
                if step == 0 {
                    if damping >= maxDamping { break }
                    damping = SinkhornNewtonSparse.raised(damping, cap: maxDamping)
                } else if step == 1 {
                    damping = SinkhornNewtonSparse.lowered(damping)
                } else if step < SinkhornNewtonSparse.shortStep {
                    // Accepted, but far from a full step: the model is poor at this distance.
                    damping = SinkhornNewtonSparse.raised(damping, cap: maxDamping)
                }
            }
            if step == 0 {
                // 3. Fallback: Sinkhorn iterations from the current potentials. After 20
                // consecutive stalls the solve finishes with Sinkhorn alone.
                stalls += 1
                consecutiveStalls += 1
                damping = 0
                runFallback(consecutiveStalls > SinkhornNewtonSparse.stallsBeforeSinkhornFinishes ? maxFallbackIterations : fallbackIterations)
                if consecutiveStalls > SinkhornNewtonSparse.stallsBeforeSinkhornFinishes { break newtonLoop }
                continue
            }
            consecutiveStalls = 0
            newtonIterations += 1
            (error, value) = measure()
            if error <= tolerance {
                // Confirm on a plan formed afresh from the potentials (P was updated multiplicatively).
                recomputePlan()
                drift = 0
                (error, value) = measure()
            }
            history.append(IterationRecord(iteration: sinkhornIterations + newtonIterations + fallbackCount,
                                           stage: .newton, marginalError: error, dualValue: builder.scaledDual(value),
                                           seconds: clock.elapsed, cgIterations: cgIterations, stepSize: step,
                                           keptEntries: hessian.keptEntries))
            converged = error <= tolerance
        }
        // A Newton budget spent without convergence is never the last word: Sinkhorn finishes the
        // solve from the Newton iterate, so SNS ends no worse than Sinkhorn would have.
        if !converged && !finishedBySinkhorn && maxFallbackIterations > 0 {
            runFallback(maxFallbackIterations)
        }
        var events = SolverEvents()
        events.stalls = stalls
        events.planRefreshes = planRefreshes
        events.absorptions = engine.absorptions
        return try builder.build(x: x, y: y, converged: converged, tolerance: tolerance, sinkhorn: sinkhornIterations,
                                 newton: newtonIterations, fallback: fallbackCount, cg: cgSolves, history: history,
                                 seconds: clock.elapsed, events: events)
    }

    /// The plan after a step `t Δ` and the change of `Σ P`: with `w_ij = η t (Δx_i + Δy_j)`,
    /// `P'_ij = P_ij + P_ij expm1(w_ij)`. Returns `Σ P_ij expm1(w_ij)`, `Σ |P_ij expm1(w_ij)|` and
    /// `max |w_ij|` (bounded by the extreme Δ's).
    func trialStep(dx: [Double], dy: [Double], t: Double, eta: Double, n: Int, m: Int, plan: [Double],
                   trial: inout [Double], rowSums: inout [Double], columnSums: inout [Double]) -> (Double, Double, Double) {
        let wx = dx.map { eta * t * $0 }
        let wy = dy.map { eta * t * $0 }
        let maxW = (wx.map(abs).max() ?? 0) + (wy.map(abs).max() ?? 0)
        let chunks = max(1, min(threads, m / max(1, 32_768 / max(n, 1))))
        var partialRows = [Double](repeating: 0, count: n * chunks)
        var partialDelta = [Double](repeating: 0, count: 2 * chunks)
        plan.withUnsafeBufferPointer { p in
            trial.withUnsafeMutableBufferPointer { tr in
                columnSums.withUnsafeMutableBufferPointer { cs in
                    partialRows.withUnsafeMutableBufferPointer { pr in
                        partialDelta.withUnsafeMutableBufferPointer { pd in
                            wx.withUnsafeBufferPointer { wxb in
                                // Each chunk writes only its own columns, row accumulator and delta pair.
                                let plan = p.baseAddress!, trial = tr.baseAddress!, columnSums = cs.baseAddress!
                                let rows = pr.baseAddress!, delta = pd.baseAddress!, wx = wxb.baseAddress!
                                Parallel.forEachChunk(count: chunks, threads: chunks) { range in
                                    for chunk in range {
                                        let lo = m * chunk / chunks, hi = m * (chunk + 1) / chunks
                                        var d = 0.0, mag = 0.0
                                        for j in lo..<hi {
                                            let (dj, mj, sj) = SinkhornNewtonSparse.trialColumn(
                                                plan + j * n, n, wx, wy[j], trial + j * n, rows + chunk * n)
                                            d += dj
                                            mag += mj
                                            columnSums[j] = sj
                                        }
                                        delta[2 * chunk] = d
                                        delta[2 * chunk + 1] = mag
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for i in 0..<n { rowSums[i] = 0 }
        var decrease = 0.0, magnitude = 0.0
        for chunk in 0..<chunks {
            for i in 0..<n { rowSums[i] += partialRows[chunk * n + i] }
            decrease += partialDelta[2 * chunk]
            magnitude += partialDelta[2 * chunk + 1]
        }
        return (decrease, magnitude, maxW)
    }

    /// One column of a trial step; returns (Σ P expm1(w), Σ |P expm1(w)|, Σ P').
    @inline(__always)
    static func trialColumn(_ p: UnsafePointer<Double>, _ n: Int, _ wx: UnsafePointer<Double>, _ wyj: Double,
                            _ out: UnsafeMutablePointer<Double>, _ rowAcc: UnsafeMutablePointer<Double>) -> (Double, Double, Double) {
        let r = FusedColumnKernels.scaledByExp(column: p, count: n, rowExponents: wx, columnExponent: wyj,
                                               into: out, rowAccumulator: rowAcc)
        return (r.change, r.absoluteChange, r.sum)
    }
}

/// `H + μ diag(H)`, the Levenberg–Marquardt-damped sparsified Hessian.
struct DampedHessian: LinearOperator {
    let hessian: SparseHessian
    let diagonal: [Double]
    let damping: Double
    var dimension: Int { hessian.dimension }
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        hessian.apply(x, into: y)
        if damping > 0 {
            for k in 0..<diagonal.count { y[k] += damping * diagonal[k] * x[k] }
        }
    }
}
