import LinearAlgebra
import OptimalTransport

/// The result of a ``DistributedSinkhorn`` solve on one rank: the potentials of this rank's source
/// points and of every target point, and the figures of the whole problem (the same on every rank).
///
/// Potentials follow `P_ij = exp(η (x_i + y_j − C_ij) − 1)` as for `OnlineTransportSolution`;
/// points of zero mass get `−∞`.
public struct DistributedTransportSolution: IterativeResult {
    /// The regularization, as given.
    public let regularization: Regularization
    /// Potentials of this rank's source points (its block, in order).
    public let sourcePotential: [Double]
    /// Potentials of every target point.
    public let targetPotential: [Double]
    /// The factor costs were divided by (`max C` over all ranks with normalization, else 1).
    public let costScale: Double
    /// `⟨C, P⟩` of the whole plan (reduced over the ranks).
    public let transportCost: Double
    /// The dual value of the last iterate.
    public let dualValue: Double
    /// L1 marginal error of the unit-mass problem at the returned potentials (all rows and
    /// columns).
    public let marginalError: Double
    /// Whether the marginal error met the tolerance at the target `η`.
    public let converged: Bool
    /// The tolerance the marginal error was compared against.
    public let tolerance: Double
    /// Sinkhorn iterations over all continuation stages.
    public let iterations: Int
    /// Per-iteration history (the same on every rank).
    public let history: [IterationRecord]
    /// The η-continuation as it ran, the target's stage last.
    public let schedule: [ContinuationStage]
    /// Wall time of the solve on this rank, in seconds.
    public let seconds: Double

    /// The marginal error against the tolerance.
    public var convergence: Convergence {
        Convergence(converged: converged, iterations: iterations, criterion: marginalError, tolerance: tolerance,
                    criterionName: "L1 marginal error")
    }
}
