import Foundation
import LinearAlgebra

extension SinkhornNewtonSparse {
    /// The state of one SNS solve: the potentials, the dense plan formed from them with its row
    /// and column sums (and a second buffer for line-search trials), the stopping figures, every
    /// counter the solution reports, and the history.
    ///
    /// The Newton step (``SinkhornNewtonSparse/newtonStep(_:damping:)``) reads and updates it; the
    /// Sinkhorn stages (warm-up and fallback) run on its engine from its potentials.
    struct Iterate {
        let dual: EntropicDual
        let engine: SinkhornEngine
        let builder: SolutionBuilder
        let tolerance: Double
        let clock: Stopwatch
        let n: Int, m: Int
        let r: [Double], c: [Double]
        let eta: Double
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
        }

        /// The iteration number of the next history record (all stages counted).
        var totalIterations: Int { sinkhornIterations + newtonIterations + fallbackIterations }

        /// Sinkhorn from zero potentials, `iterations` in all or until the tolerance is met.
        mutating func warmUp(iterations: Int) {
            engine.start(x: nil, y: nil)
            sinkhornIterations = 1
            while true {
                let (e, f) = engine.check()
                (error, value) = (e, f)
                record(stage: .sinkhorn)
                if error <= tolerance || sinkhornIterations >= iterations { break }
                engine.step()
                sinkhornIterations += 1
            }
            (x, y) = engine.potentials()
        }

        /// Forms the dense plan from the warm-up's potentials and measures it.
        mutating func startNewton() {
            plan = [Double](repeating: 0, count: n * m)
            trial = plan
            a = [Double](repeating: 0, count: n)
            b = [Double](repeating: 0, count: m)
            aTrial = a
            bTrial = b
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
            for _ in 0..<budget {
                engine.step()
                fallbackIterations += 1
                (error, value) = engine.check()
                record(stage: .fallback)
                if error <= tolerance { break }
            }
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
            history.append(IterationRecord(iteration: totalIterations, stage: stage, marginalError: error,
                                           dualValue: builder.scaledDual(value), seconds: clock.elapsed,
                                           cgIterations: cgIterations, stepSize: stepSize, keptEntries: keptEntries))
        }

        /// The solution of the original problem at the current potentials.
        func solution() throws -> TransportSolution {
            var events = SolverEvents()
            events.stalls = stalls
            events.planRefreshes = planRefreshes
            events.absorptions = engine.absorptions
            return try builder.build(x: x, y: y, converged: converged, tolerance: tolerance, sinkhorn: sinkhornIterations,
                                     newton: newtonIterations, fallback: fallbackIterations, cg: cgSolves, history: history,
                                     seconds: clock.elapsed, events: events)
        }
    }

    /// What an accepted Newton step reports to the history.
    struct AcceptedStep {
        /// The accepted step length `t`.
        var size: Double
        /// CG iterations spent on the accepted solve.
        var cgIterations: Int
        /// Plan entries the sparsified Hessian kept.
        var keptEntries: Int
    }
}
