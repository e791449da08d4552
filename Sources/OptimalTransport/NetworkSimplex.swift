import Foundation
import LinearAlgebra

/// Exact optimal transport by the network simplex: `min ⟨C, P⟩` over plans with marginals `r`
/// and `c`, with no regularization.
///
/// The primal network simplex on the complete bipartite graph: a spanning-tree
/// basis, potentials from the tree, entering arcs by block search over the reduced costs
/// `C_ij + π_i − π_j` (blocks of `⌈√(n m)⌉` arcs by default: the first block holding a negative
/// reduced cost gives its most negative one), and the leaving arc by Cunningham's rule, which keeps
/// the tree strongly feasible so that degenerate problems (ties, identical points, zero costs)
/// cannot cycle. The start is the star through an artificial root at cost `max C`: feasible, and
/// every unit routed through it costs more than a direct arc, so the artificial arcs carry no mass
/// at the optimum.
///
/// Bins of zero mass are removed before the solve and put back with empty rows and columns; the
/// two masses are scaled to one and the plan back to the problem's mass (they must agree within
/// the problem's `massTolerance`). Work per pivot is one block of pricing plus the cycle and the
/// moved subtree; memory is `O(n + m)` beside a row-major copy of the cost. Costs are `Double`s,
/// with a pricing tolerance of `tolerance · max C`.
public struct NetworkSimplex: Sendable {
    /// Reduced costs above `−tolerance · max C` count as non-negative (default 1e-14).
    public var tolerance: Double
    /// Pivot cap (default nil: `1000 (n + m) + 10⁶`, far above what the benchmark problems use).
    /// A solve that reaches it returns the current basis with `converged == false`.
    public var maxPivots: Int?
    /// Arcs per pricing block (default nil: `⌈√(n m)⌉`).
    public var blockSize: Int?

    /// Options with the documented defaults.
    public init(tolerance: Double = 1e-14, maxPivots: Int? = nil, blockSize: Int? = nil) {
        self.tolerance = tolerance
        self.maxPivots = maxPivots
        self.blockSize = blockSize
    }

    /// Largest costs above this, or below `smallCost`, are solved in units of the largest cost.
    static let largeCost = 1e150
    static let smallCost = 1e-150

    /// Solves the exact transport problem.
    /// - Throws: `OptimalTransportError.invalidParameter` for a tolerance, pivot cap or block size
    ///   out of range.
    public func solve(_ problem: TransportProblem) throws -> ExactTransportSolution {
        try RoutineError.naming("NetworkSimplex.solve") { try unnamedSolve(problem) }
    }

    func validate() throws {
        guard tolerance >= 0, tolerance < 1 else {
            throw OptimalTransportError.invalidParameter(name: "tolerance", value: tolerance, requirement: "must be in [0, 1)")
        }
        if let maxPivots, maxPivots < 0 {
            throw OptimalTransportError.invalidParameter(name: "maxPivots", value: Double(maxPivots), requirement: "must be ≥ 0")
        }
        if let blockSize, blockSize < 1 {
            throw OptimalTransportError.invalidParameter(name: "blockSize", value: Double(blockSize), requirement: "must be at least 1")
        }
    }

    func unnamedSolve(_ problem: TransportProblem) throws -> ExactTransportSolution {
        try validate()
        let clock = Stopwatch()
        let reduced = ReducedProblem(problem)
        let n = reduced.n, m = reduced.m
        // Costs near the ends of the double range are solved in units of the largest one (the
        // optimal plan does not change; potentials are scaled back), so that sums of costs and
        // potentials can neither overflow nor lose the pricing tolerance to underflow.
        let largest = reduced.cost.elements.max() ?? 0
        let unit = largest > NetworkSimplex.largeCost || (largest > 0 && largest < NetworkSimplex.smallCost) ? largest : 1
        let tree = SimplexTree(cost: reduced.cost, supply: reduced.r, demand: reduced.c, costUnit: unit)
        let block = blockSize ?? max(1, Int((Double(n) * Double(m)).squareRoot().rounded(.up)))
        let cap = maxPivots ?? (1000 * (n + m) + 1_000_000)
        let pricingTolerance = tolerance * tree.artificialCost
        var pivots = 0, degenerate = 0
        var optimal = false
        while true {
            guard let e = tree.enteringArc(blockSize: block, tolerance: pricingTolerance) else {
                optimal = true
                break
            }
            if pivots >= cap { break }
            guard let moved = tree.pivot(entering: e) else {
                throw OptimalTransportError.invalidParameter(name: "cost", value: .nan, requirement: "a cycle without a blocking arc: the network is not a transportation problem")
            }
            pivots += 1
            if moved == 0 { degenerate += 1 }
        }
        return ExactSolutionBuilder(problem: problem, reduced: reduced, tree: tree, costUnit: unit)
            .build(converged: optimal, criterion: tree.worstReducedCost(), tolerance: tolerance, pivots: pivots, degenerate: degenerate,
                   seconds: clock.elapsed)
    }
}

/// Turns the final tree into the solution of the problem as given: the sparse plan, completed and
/// centred potentials, the cost and the measured certificate.
struct ExactSolutionBuilder {
    let problem: TransportProblem
    let reduced: ReducedProblem
    let tree: SimplexTree
    /// The unit the tree's costs and potentials are in.
    let costUnit: Double

    func build(converged: Bool, criterion: Double, tolerance: Double, pivots: Int, degenerate: Int, seconds: Double) -> ExactTransportSolution {
        let n = reduced.n, m = reduced.m, mass = reduced.mass
        let fullN = problem.rows, fullM = problem.columns
        // The plan: real tree arcs with positive flow.
        var entries: [PlanEntry] = []
        entries.reserveCapacity(n + m - 1)
        for v in 0..<tree.nodes where tree.flow[v] > 0 && tree.pred[v] < tree.realArcs {
            let e = tree.pred[v]
            entries.append(PlanEntry(row: reduced.rowIndex[e / m], column: reduced.columnIndex[e % m], mass: mass * tree.flow[v]))
        }
        entries.sort { ($0.row, $0.column) < ($1.row, $1.column) }
        // Potentials u_i = −π_i, v_j = π_{n+j} on the kept bins; zero-mass bins get their c-transform.
        var u = [Double](repeating: .nan, count: fullN), v = [Double](repeating: .nan, count: fullM)
        for (k, i) in reduced.rowIndex.enumerated() { u[i] = -tree.pi[k] * costUnit }
        for (k, j) in reduced.columnIndex.enumerated() { v[j] = tree.pi[n + k] * costUnit }
        let cost = problem.cost
        if reduced.columnIndex.count < fullM {
            for j in 0..<fullM where v[j].isNaN {
                v[j] = reduced.rowIndex.map { cost[$0, j] - u[$0] }.min() ?? 0
            }
        }
        if reduced.rowIndex.count < fullN {
            for i in 0..<fullN where u[i].isNaN {
                v.indices.map { cost[i, $0] - v[$0] }.min().map { u[i] = $0 }
            }
        }
        // Centre: Σ r u = Σ c v (the masses agree).
        let ru = Summation.compensated(zip(problem.source, u).map { $0 * $1 })
        let cv = Summation.compensated(zip(problem.target, v).map { $0 * $1 })
        let shift = (cv - ru) / (problem.mass + Summation.compensated(problem.target))
        u = u.map { $0 + shift }
        v = v.map { $0 - shift }
        let transportCost = Summation.compensated(entries.map { $0.mass * cost[$0.row, $0.column] })
        let dualValue = Summation.compensated(zip(problem.source, u).map { $0 * $1 }) + Summation.compensated(zip(problem.target, v).map { $0 * $1 })
        // Certificate.
        var rowSums = [Double](repeating: 0, count: fullN), columnSums = [Double](repeating: 0, count: fullM)
        var gap = 0.0
        for e in entries {
            rowSums[e.row] += e.mass
            columnSums[e.column] += e.mass
            gap += e.mass * (cost[e.row, e.column] - u[e.row] - v[e.column])
        }
        let primal = zip(rowSums, problem.source).reduce(0) { $0 + abs($1.0 - $1.1) } + zip(columnSums, problem.target).reduce(0) { $0 + abs($1.0 - $1.1) }
        var violation = 0.0
        cost.withUnsafeBufferPointer { cb in
            for j in 0..<fullM {
                let vj = v[j]
                for i in 0..<fullN { violation = max(violation, u[i] + vj - cb[i + j * fullN]) }
            }
        }
        return ExactTransportSolution(
            transportCost: transportCost, dualValue: dualValue, plan: entries, rows: fullN, columns: fullM,
            sourcePotential: u, targetPotential: v,
            certificate: OptimalityCertificate(primalResidual: primal, dualViolation: violation, complementaryGap: gap),
            pivots: pivots, degeneratePivots: degenerate, converged: converged, pricingCriterion: criterion, tolerance: tolerance,
            seconds: seconds)
    }
}
