import Foundation
import LinearAlgebra

/// The result of an ``OnlineSinkhorn`` solve: everything but the plan, which is formed only when
/// asked for.
///
/// Potentials follow `P_ij = exp(η (x_i + y_j − C_ij) − 1)` for the problem's mass and (possibly
/// normalized) cost; points of zero mass get `−∞`. The marginal error refers to the unit-mass
/// problem, as for ``TransportSolution``.
public struct OnlineTransportSolution: IterativeResult {
    /// The problem solved (points and weights; the plan is formed from them on request).
    public let problem: PointCloudProblem
    /// The regularization, as given.
    public let regularization: Regularization
    /// Source potentials `x` (n values; `−∞` on zero-mass points).
    public let sourcePotential: [Double]
    /// Target potentials `y` (m values; `−∞` on zero-mass points).
    public let targetPotential: [Double]
    /// `⟨C, P⟩`, computed block by block.
    public let transportCost: Double
    /// The dual value `f(x, y)` of the last iterate.
    public let dualValue: Double
    /// L1 marginal error of the unit-mass problem at the returned potentials (rows and columns,
    /// measured in a final pass).
    public let marginalError: Double
    /// Whether the marginal error met the tolerance at the target `η`.
    public let converged: Bool
    /// The tolerance the marginal error was compared against.
    public let tolerance: Double
    /// Sinkhorn iterations over all continuation stages.
    public let iterations: Int
    /// Per-iteration history.
    public let history: [IterationRecord]
    /// The η-continuation as it ran, the target's stage last.
    public let schedule: [ContinuationStage]
    /// Wall time of the solve in seconds (without forming the plan).
    public let seconds: Double

    /// The marginal error against the tolerance.
    public var convergence: Convergence {
        Convergence(converged: converged, iterations: iterations, criterion: marginalError, tolerance: tolerance,
                    criterionName: "L1 marginal error")
    }

    /// The dense plan `P` (`n × m`, the problem's mass).
    /// - Throws: `OptimalTransportError.invalidParameter` when `n m` entries exceed `maxEntries`
    ///   (default 10⁸, 800 MB), the cost's errors otherwise.
    /// - Complexity: O(n m) time and memory.
    public func plan(maxEntries: Int = 100_000_000) throws -> Matrix {
        try RoutineError.naming("OnlineTransportSolution.plan") {
            let n = problem.rows, m = problem.columns
            guard n.multipliedReportingOverflow(by: m).partialValue <= maxEntries, !n.multipliedReportingOverflow(by: m).overflow else {
                throw OptimalTransportError.invalidParameter(name: "maxEntries", value: Double(maxEntries),
                                                             requirement: "a \(n) × \(m) plan has more entries")
            }
            let eta = regularization.eta
            var p = Matrix(rows: n, columns: m)
            let blocks = CostBlocks(x: problem.sourcePoints, y: problem.targetPoints, groundCost: problem.groundCost,
                                    scale: problem.costScale, rowsPerBlock: CostBlocks.defaultRows(columns: m))
            try blocks.forEach { rows, block in
                for j in 0..<m where targetPotential[j] > -.infinity {
                    for i in rows where sourcePotential[i] > -.infinity {
                        p[i, j] = Foundation.exp(eta * (sourcePotential[i] + targetPotential[j] - block[i - rows.lowerBound + j * rows.count]) - 1)
                    }
                }
            }
            return p
        }
    }
}
