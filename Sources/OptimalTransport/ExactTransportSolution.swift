import LinearAlgebra

/// How far an exact transport solution is from satisfying the optimality conditions, each measured
/// on the returned plan and potentials (in the problem's mass and cost units).
public struct OptimalityCertificate: Sendable, Equatable {
    /// `‖P1 − r‖₁ + ‖Pᵀ1 − c‖₁`: primal feasibility.
    public let primalResidual: Double
    /// `max(0, max_ij (u_i + v_j − C_ij))`: the worst violation of dual feasibility over all pairs.
    public let dualViolation: Double
    /// `Σ_ij P_ij (C_ij − u_i − v_j)`: complementary slackness, equal to the primal cost minus
    /// the dual objective `Σ r_i u_i + Σ c_j v_j`.
    public let complementaryGap: Double
}

/// One entry of a sparse plan.
public struct PlanEntry: Sendable, Equatable {
    /// Source bin.
    public let row: Int
    /// Target bin.
    public let column: Int
    /// Mass moved from `row` to `column`.
    public let mass: Double
}

/// The result of an exact (unregularized) optimal transport solve.
///
/// The plan is a basic solution: at most `n + m − 1` positive entries, stored sparse in row-major
/// order. The potentials `u`, `v` are dual optimal (`u_i + v_j ≤ C_ij`, with equality wherever the
/// plan is positive), centred so that `Σ r_i u_i = Σ c_j v_j`; bins of zero mass get the largest
/// feasible value (`u_i = min_j (C_ij − v_j)`, and likewise for `v_j`), never `−∞`.
public struct ExactTransportSolution: IterativeResult {
    /// `⟨C, P⟩`, in the problem's cost units (the normalized cost when normalization was asked for).
    public let transportCost: Double
    /// The dual objective `Σ r_i u_i + Σ c_j v_j` (equal to `transportCost` at the optimum).
    public let dualValue: Double
    /// The positive plan entries, in row-major order.
    public let plan: [PlanEntry]
    /// Number of source bins `n`.
    public let rows: Int
    /// Number of target bins `m`.
    public let columns: Int
    /// Source potentials `u` (n values).
    public let sourcePotential: [Double]
    /// Target potentials `v` (m values).
    public let targetPotential: [Double]
    /// The measured optimality conditions.
    public let certificate: OptimalityCertificate
    /// Simplex pivots, and how many of them moved no mass.
    public let pivots: Int
    /// Pivots that moved no mass (degenerate).
    public let degeneratePivots: Int
    /// Whether the basis was proven optimal: no pair had a reduced cost below `−tolerance · max C`.
    public let converged: Bool
    /// The most negative reduced cost of the final basis, `max(0, −min_ij (C_ij − u_i − v_j))`,
    /// relative to the largest cost, in the solver's own arithmetic (at most `tolerance` when
    /// converged). The ``certificate`` measures the returned potentials independently.
    public let pricingCriterion: Double
    /// The reduced-cost tolerance of the pricing (relative to the largest cost).
    public let tolerance: Double
    /// Wall time in seconds.
    public let seconds: Double

    /// Optimality against the pricing tolerance.
    public var convergence: Convergence {
        Convergence(converged: converged, iterations: pivots, criterion: pricingCriterion, tolerance: tolerance,
                    criterionName: "most negative reduced cost relative to the largest cost")
    }

    /// The plan as a dense `n × m` matrix.
    /// - Complexity: O(n m) memory.
    public func densePlan() -> Matrix {
        var p = Matrix(rows: rows, columns: columns)
        for e in plan { p[e.row, e.column] += e.mass }
        return p
    }
}
