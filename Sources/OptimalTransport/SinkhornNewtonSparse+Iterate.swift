import Foundation
import LinearAlgebra

extension SinkhornNewtonSparse {
    /// The state of one SNS solve: the potentials, the dense plan formed from them with its row
    /// and column sums (and a second buffer for line-search trials), the stopping figures, every
    /// counter the solution reports, and the history.
    ///
    /// The Newton step (`newtonStep(_:damping:)`) reads and updates it; the
    /// Sinkhorn stages (warm-up and fallback) run on its engine from its potentials.
    struct Iterate {
        var dual: EntropicDual
        var engine: SinkhornEngine
        let builder: SolutionBuilder
        var tolerance: Double
        let threads: Int
        let clock: Stopwatch
        let n: Int, m: Int
        let r: [Double], c: [Double]
        var eta: Double
        let reduced: ReducedProblem
        /// Absorptions of the engines of earlier continuation stages.
        var earlierAbsorptions = 0
        /// Acceleration restarts of the engines of earlier continuation stages.
        var earlierAndersonRestarts = 0
        var x: [Double] = [], y: [Double] = []
        /// `P(x, y)` column-major, updated multiplicatively by accepted steps.
        var plan: [Double] = []
        /// The trial plan of the line search; swapped with `plan` on acceptance.
        var trial: [Double] = []
        /// `P1` and `Pᵀ1` of `plan`, and of `trial`.
        var a: [Double] = [], b: [Double] = []
        var aTrial: [Double] = [], bTrial: [Double] = []
        /// L1 marginal error and dual value at the current plan.
        var error = 0.0, value = 0.0
        var converged = false
        var sinkhornIterations = 0, newtonIterations = 0, fallbackIterations = 0
        var stalls = 0, planRefreshes = 0
        /// Largest growth `e^drift` a flushed plan entry could have missed since the last rebuild.
        var drift = 0.0
        var finishedBySinkhorn = false
        var cgSolves = NestedSolves()
        var history: [IterationRecord] = []
        /// Decades of marginal error gained per Sinkhorn iteration, as expected from the most
        /// recent ones (the warm-up's, or the last stretch's).
        var sinkhornSpeed = 0.0
        /// Anderson acceleration of the Sinkhorn phases (depth, and the warm-up's plain
        /// iterations before it starts), or nil for plain phases.
        var anderson: (depth: Int, delay: Int)?

        init(reduced: ReducedProblem, eta: Double, builder: SolutionBuilder, tolerance: Double, clock: Stopwatch, threads: Int) {
            dual = EntropicDual(reduced: reduced, eta: eta, threads: threads)
            engine = SinkhornEngine(dual: dual, logDomainOnly: false, threads: threads)
            self.builder = builder
            self.tolerance = tolerance
            self.clock = clock
            n = reduced.n
            m = reduced.m
            r = reduced.r
            c = reduced.c
            self.eta = eta
            self.reduced = reduced
            self.threads = threads
        }

        /// Moves to the next continuation stage: the same potentials, counters and history, a new
        /// `η` and tolerance.
        mutating func retarget(eta: Double, tolerance: Double) {
            earlierAbsorptions += engine.absorptions
            earlierAndersonRestarts += engine.andersonRestarts
            dual = EntropicDual(reduced: reduced, eta: eta, threads: threads)
            engine = SinkhornEngine(dual: dual, logDomainOnly: false, threads: threads)
            self.eta = eta
            self.tolerance = tolerance
            finishedBySinkhorn = false
        }

        /// The iteration number of the next history record (all stages counted).
        var totalIterations: Int { sinkhornIterations + newtonIterations + fallbackIterations }

        /// Sinkhorn, `iterations` in all or until the tolerance is met: from zero potentials on the
        /// first stage (its first iteration in the log domain), from the current ones afterwards.
        mutating func warmUp(iterations: Int) {
            var done: Int
            if x.isEmpty {
                engine.start(x: nil, y: nil)
                done = 1
            } else {
                engine.start(x: x, y: y)
                done = 0
            }
            sinkhornIterations += done
            var marks: [(error: Double, work: Double)] = []
            var measured: (error: Double, dual: Double, extrapolated: Bool)?
            while true {
                let (e, f, extrapolated) = measured ?? { let (e, f) = engine.check(); return (e, f, false) }()
                measured = nil
                (error, value) = (e, f)
                record(stage: .sinkhorn)
                marks.append((error, Double(done)))
                if (error <= tolerance && !extrapolated) || done >= iterations { break }
                if let anderson, done >= anderson.delay {
                    engine.accelerate(depth: anderson.depth)
                    measured = engine.step(extrapolatingAbove: tolerance)
                } else {
                    engine.step()
                }
                done += 1
                sinkhornIterations += 1
            }
            sinkhornSpeed = SinkhornNewtonSparse.predictedSpeed(marks)
            engine.settle()
            (x, y) = engine.potentials()
        }

        /// `iterations` Sinkhorn iterations (history stage `.sinkhorn`) from the current
        /// potentials, fewer if the tolerance is met, and then more for as long as the last
        /// `iterations` of them gained more decades per unit of work than `newtonSpeed` (the
        /// Newton step that handed over), up to `extensionFactor` times as many in all; updates
        /// their expected speed and rebuilds the plan.
        mutating func runSinkhornStretch(iterations: Int, newtonSpeed: Double) {
            engine.start(x: x, y: y)
            var marks = [(error: error, work: 0.0)]
            if let anderson { engine.accelerate(depth: anderson.depth) }
            let length = max(1, iterations)
            for k in 1...(length * SinkhornNewtonSparse.extensionFactor) {
                (error, value, _) = engine.step(extrapolatingAbove: tolerance)
                sinkhornIterations += 1
                record(stage: .sinkhorn)
                marks.append((error, Double(k)))
                if error <= tolerance || !error.isFinite { break }
                if k >= length && !(SinkhornNewtonSparse.predictedSpeed(Array(marks.suffix(length + 1))) > newtonSpeed) { break }
            }
            sinkhornSpeed = SinkhornNewtonSparse.predictedSpeed(Array(marks.suffix(length + 1)))
            engine.settle()
            (x, y) = engine.potentials()
            rebuildPlan()
            measure()
        }

        /// Forms the dense plan from the warm-up's potentials and measures it.
        mutating func startNewton() {
            if plan.count != n * m {
                plan = [Double](repeating: 0, count: n * m)
                trial = plan
                a = [Double](repeating: 0, count: n)
                b = [Double](repeating: 0, count: m)
                aTrial = a
                bTrial = b
            }
            rebuildPlan()
            measure()
        }

        /// `P` formed afresh from the potentials (no multiplicative drift).
        mutating func rebuildPlan() {
            let (x, y, dual) = (self.x, self.y, self.dual)
            plan.withUnsafeMutableBufferPointer { p in a.withUnsafeMutableBufferPointer { ab in b.withUnsafeMutableBufferPointer { bb in
                dual.computePlan(x: x, y: y, into: p.baseAddress!, rowSums: ab.baseAddress!, columnSums: bb.baseAddress!)
            } } }
            drift = 0
        }

        /// The marginal error and dual value of the current plan; sets `converged`.
        mutating func measure() {
            var err = 0.0
            for i in 0..<n { err += abs(r[i] - a[i]) }
            for j in 0..<m { err += abs(c[j] - b[j]) }
            error = err
            value = -Summation.compensated(a) / eta + zip(r, x).reduce(0) { $0 + $1.0 * $1.1 }
                + zip(c, y).reduce(0) { $0 + $1.0 * $1.1 }
            converged = error <= tolerance
        }

        /// Sinkhorn iterations from the current potentials (history stage `.fallback`), at most
        /// `budget` or until the tolerance is met; the plan is then rebuilt and measured.
        mutating func runSinkhorn(budget: Int) {
            engine.start(x: x, y: y)
            if let anderson { engine.accelerate(depth: anderson.depth) }
            var nextConfirmation = 0
            for k in 0..<budget {
                (error, value, _) = engine.step(extrapolatingAbove: tolerance)
                fallbackIterations += 1
                record(stage: .fallback)
                if error <= tolerance && k >= nextConfirmation {
                    // Confirmed on the plan formed afresh from the potentials, as Sinkhorn does:
                    // the kernel form's running error can sit a rounding below the tolerance.
                    (x, y) = engine.potentials()
                    rebuildPlan()
                    measure()
                    if converged { return }
                    nextConfirmation = k + Sinkhorn.confirmationSpacing
                }
            }
            engine.settle()
            (x, y) = engine.potentials()
            rebuildPlan()
            measure()
        }

        /// Books an accepted Newton step: measures, confirms convergence on a plan rebuilt from the
        /// potentials (the plan was updated multiplicatively), and records it.
        mutating func accept(_ step: AcceptedStep) {
            newtonIterations += 1
            measure()
            if converged {
                rebuildPlan()
                measure()
            }
            record(stage: .newton, cgIterations: step.cgIterations, stepSize: step.size, keptEntries: step.keptEntries)
        }

        mutating func record(stage: IterationRecord.Stage, cgIterations: Int = 0, stepSize: Double? = nil, keptEntries: Int? = nil) {
            history.append(IterationRecord(iteration: totalIterations, stage: stage, eta: eta, marginalError: error,
                                           dualValue: builder.scaledDual(value), seconds: clock.elapsed,
                                           cgIterations: cgIterations, stepSize: stepSize, keptEntries: keptEntries))
        }

        /// The solution of the original problem at the current potentials.
        func solution(schedule: [ContinuationStage]) throws -> TransportSolution {
            var events = SolverEvents()
            events.stalls = stalls
            events.planRefreshes = planRefreshes
            events.absorptions = earlierAbsorptions + engine.absorptions
            events.andersonRestarts = earlierAndersonRestarts + engine.andersonRestarts
            return try builder.build(x: x, y: y, converged: converged, tolerance: tolerance, sinkhorn: sinkhornIterations,
                                     newton: newtonIterations, fallback: fallbackIterations, cg: cgSolves, history: history,
                                     seconds: clock.elapsed, events: events, schedule: schedule)
        }
    }

    /// What an accepted Newton step reports to the history.
    struct AcceptedStep {
        /// The accepted step length `t`.
        var size: Double
        /// CG iterations spent on the step (every damping level's solve).
        var cgIterations: Int
        /// Plan entries the sparsified Hessian kept.
        var keptEntries: Int
        /// Line-search trials (passes over the plan) of the step.
        var trials: Int
    }
}
