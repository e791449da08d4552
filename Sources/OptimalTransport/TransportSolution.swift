import Foundation
import LinearAlgebra

/// One entry of a solver's convergence history.
public struct IterationRecord: Sendable, Equatable {
    /// Which stage produced the iterate.
    public enum Stage: String, Sendable {
        /// A Sinkhorn iteration (alone, or SNS's warm-up).
        case sinkhorn
        /// An SNS Newton step.
        case newton
        /// A Sinkhorn iteration run because the Newton stage stalled.
        case fallback
    }

    /// Running count of iterations of all stages (1-based).
    public let iteration: Int
    /// The stage.
    public let stage: Stage
    /// The `η` of this iterate: the target, or an η-continuation stage's.
    public let eta: Double
    /// L1 marginal error `‖P1 − r‖₁ + ‖Pᵀ1 − c‖₁` of the unit-mass problem after this iteration.
    public let marginalError: Double
    /// Dual value `f(x, y)` after this iteration (for the problem's own mass).
    public let dualValue: Double
    /// Seconds since the solver started.
    public let seconds: Double
    /// Conjugate-gradient iterations of this Newton step (0 otherwise).
    public let cgIterations: Int
    /// Line-search step size of this Newton step (nil otherwise).
    public let stepSize: Double?
    /// Plan entries kept in the sparsified Hessian of this Newton step (nil otherwise).
    public let keptEntries: Int?
}

/// Events of an entropic solve that explain its cost, by name (zero where they do not apply).
public struct SolverEvents: Sendable, Equatable {
    /// Times the stabilized Sinkhorn absorbed its scalings into the potentials.
    public var absorptions = 0
    /// Sinkhorn iterations run in the log domain (after the kernel form lost a row).
    public var logDomainIterations = 0
    /// SNS Newton steps that stalled (no acceptable step at the largest damping).
    public var stalls = 0
    /// Times SNS rebuilt its plan from the potentials.
    public var planRefreshes = 0
    /// Times Sinkhorn's Anderson acceleration restarted its window (an extrapolated point whose
    /// residual grew, or nearly dependent residual differences).
    public var andersonRestarts = 0

    /// No events.
    public init() {}
}

/// The result of an entropic OT solve.
///
/// Plan, potentials and objective values refer to the problem as given (its mass `M`); the
/// marginal error and the history's errors refer to the unit-mass problem the tolerance is checked
/// on. Potentials follow `P_ij = exp(η(x_i + y_j − C_ij) − 1)`; bins of zero mass get `−∞`.
public struct TransportSolution: IterativeResult {
    /// The regularization, as given (both `ε` and `η` are available from it).
    public let regularization: Regularization
    /// Source potentials `x` (n values; `−∞` on zero-mass bins).
    public let sourcePotential: [Double]
    /// Target potentials `y` (m values; `−∞` on zero-mass bins).
    public let targetPotential: [Double]
    /// The dense transport plan `P` (`n × m`).
    public let plan: Matrix
    /// `<C, P>`: the transport cost without the entropic term.
    public let transportCost: Double
    /// The primal entropic objective `<C, P> + ε Σ P_ij log P_ij`.
    public let entropicObjective: Double
    /// The dual value `f(x, y)`; equals `entropicObjective` at the optimum.
    public let dualValue: Double
    /// Final L1 marginal error of the unit-mass problem.
    public let marginalError: Double
    /// Whether the marginal error reached the tolerance. Never true otherwise.
    public let converged: Bool
    /// The tolerance the marginal error was compared against.
    public let tolerance: Double
    /// Sinkhorn iterations (SNS: warm-up only).
    public let sinkhornIterations: Int
    /// SNS Newton steps (0 for Sinkhorn).
    public let newtonIterations: Int
    /// Sinkhorn iterations run as SNS's stall fallback.
    public let fallbackIterations: Int
    /// Total conjugate-gradient iterations over all Newton steps.
    public var cgIterations: Int { cgSolves.iterations }
    /// The conjugate-gradient solves of the Newton steps: how many, their iterations, and how many
    /// stopped before their tolerance (SNS then damps the step; see ``SinkhornNewtonSparse``).
    public let cgSolves: NestedSolves
    /// Per-iteration history.
    public let history: [IterationRecord]
    /// Wall time of the solve in seconds.
    public let seconds: Double
    /// Events that explain the solve's cost (absorptions, log-domain iterations, stalls, plan refreshes).
    public let events: SolverEvents
    /// The η-continuation as it ran, one entry per stage, the target's last (a single stage when
    /// the target was solved directly).
    public let schedule: [ContinuationStage]

    /// Total iterations of all stages.
    public var iterations: Int { sinkhornIterations + newtonIterations + fallbackIterations }

    /// The marginal error against the tolerance after all stages' iterations.
    public var convergence: Convergence {
        Convergence(converged: converged, iterations: iterations, criterion: marginalError, tolerance: tolerance,
                    criterionName: "L1 marginal error")
    }

    /// The `count` largest plan entries as `(row, column, mass)`, largest first.
    /// - Complexity: O(n m log count).
    public func topEntries(_ count: Int) -> [(row: Int, column: Int, mass: Double)] {
        guard count > 0 else { return [] }
        var all: [(row: Int, column: Int, mass: Double)] = []
        all.reserveCapacity(plan.rows * plan.columns)
        for j in 0..<plan.columns { for i in 0..<plan.rows where plan[i, j] > 0 { all.append((i, j, plan[i, j])) } }
        all.sort { $0.mass > $1.mass }
        return Array(all.prefix(count))
    }

    /// Every plan entry above `threshold`, as `(row, column, mass)` in column-major order.
    public func sparsePlan(threshold: Double) -> [(row: Int, column: Int, mass: Double)] {
        var out: [(row: Int, column: Int, mass: Double)] = []
        for j in 0..<plan.columns { for i in 0..<plan.rows where plan[i, j] > threshold { out.append((i, j, plan[i, j])) } }
        return out
    }
}

/// Builds a `TransportSolution` for the original problem from unit-mass reduced potentials.
struct SolutionBuilder {
    let problem: TransportProblem
    let reduced: ReducedProblem
    let regularization: Regularization
    let threads: Int

    /// Dual value of the original problem from the unit-mass one: `f = M f̂ + ε M log M`.
    func scaledDual(_ f: Double) -> Double {
        let mass = reduced.mass
        return mass * f + regularization.epsilon * mass * Foundation.log(mass)
    }

    /// Forms the plan and the figures of the original problem from the reduced problem's potentials.
    /// - Throws: the dual's error when the plan cannot be formed (never a zero plan with a zero cost).
    func build(x: [Double], y: [Double], converged: Bool, tolerance: Double, sinkhorn: Int, newton: Int, fallback: Int,
               cg: NestedSolves, history: [IterationRecord], seconds: Double, events: SolverEvents,
               schedule: [ContinuationStage]) throws -> TransportSolution {
        let dual = EntropicDual(reduced: reduced, eta: regularization.eta, threads: threads)
        let n = problem.rows, m = problem.columns
        let eps = regularization.epsilon
        let mass = reduced.mass
        let p̂ = try dual.evaluate(x: x, y: y)
        var plan = Matrix(rows: n, columns: m)
        var xFull = [Double](repeating: -.infinity, count: n)
        var yFull = [Double](repeating: -.infinity, count: m)
        let shift = eps * Foundation.log(mass)
        for (k, i) in reduced.rowIndex.enumerated() { xFull[i] = x[k] + shift }
        for (k, j) in reduced.columnIndex.enumerated() { yFull[j] = y[k] }
        var transport = 0.0, entropy = 0.0
        do {
            let reducedPlan = try dual.plan(x: x, y: y)
            var tc = [Double](), en = [Double]()
            tc.reserveCapacity(reduced.n * reduced.m)
            for (kj, j) in reduced.columnIndex.enumerated() {
                for (ki, i) in reduced.rowIndex.enumerated() {
                    let v = mass * reducedPlan[ki, kj]
                    plan[i, j] = v
                    if v > 0 {
                        tc.append(v * problem.cost[i, j])
                        en.append(v * Foundation.log(v))
                    }
                }
            }
            transport = Summation.compensated(tc)
            entropy = Summation.compensated(en)
        }
        guard plan.elements.allSatisfy(\.isFinite), transport.isFinite, p̂.value.isFinite else {
            throw OptimalTransportError.nonFiniteResult("the plan at the final potentials overflows (η = \(regularization.eta))")
        }
        let error = p̂.marginalError
        return TransportSolution(
            regularization: regularization, sourcePotential: xFull, targetPotential: yFull, plan: plan,
            transportCost: transport, entropicObjective: transport + eps * entropy,
            dualValue: scaledDual(p̂.value), marginalError: error,
            converged: converged && error <= tolerance, tolerance: tolerance,
            sinkhornIterations: sinkhorn, newtonIterations: newton, fallbackIterations: fallback, cgSolves: cg,
            history: history, seconds: seconds, events: events, schedule: schedule)
    }
}
