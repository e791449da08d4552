import Foundation
import LinearAlgebra
import OptimalTransport

/// Log-domain Sinkhorn with an online cost, the source points spread over the ranks.
///
/// Each rank holds a block of source points and all target points, and runs the single-process
/// `OnlineSinkhorn` iteration on its block: the row log-sum-exps (and the row update) are
/// local; each column log-sum-exp is combined across the ranks by one allreduce of `m` values
/// with a log-sum-exp reduction (a stable (maximum, sum) pair in one number), after which every
/// rank holds the same target potentials. The marginal error and the dual value are summed over
/// the ranks (one allreduce of three values per iteration), so every rank takes the same
/// decisions, including the η-continuation's. Only the order of the column sums differs from one
/// process, so the iterates equal the single-process ones to round-off.
///
/// The cost normalization (`max C`) and the cost range the continuation needs are reduced over
/// the ranks in one scan of the cost blocks before the iteration.
///
/// - Complexity: per iteration, two passes of `n_r m` exponentials on rank `r`; each rank sends
///   `8 (m + 3)` bytes (the column allreduce and the error, mass and dual terms); see
///   ``CommunicationModel/sinkhorn(targetPoints:iterations:stages:)`` for the whole call.
public struct DistributedSinkhorn: Sendable {
    /// The single-process solver's options (regularization, tolerances, continuation, block
    /// rows, threads).
    public var solver: OnlineSinkhorn

    /// The distributed form of `solver`.
    public init(_ solver: OnlineSinkhorn) {
        self.solver = solver
    }

    /// Solves the entropic problem between the source points of every rank and the target.
    /// - Parameters:
    ///   - sourcePoints: this rank's source points, one per row (possibly none).
    ///   - sourceWeights: their masses (finite, non-negative).
    ///   - target: the target measure with its support points (the same on every rank).
    ///   - groundCost: the cost between points.
    ///   - normalizeCost: divide every cost by the largest over all ranks' points.
    ///   - massTolerance: allowed relative difference of the two total masses.
    ///   - communicator: the ranks holding the other source points.
    /// - Throws: collectively: `OptimalTransportError` for bad weights or points (indices within
    ///   the rank's block), `.massMismatch`, `.nonFiniteCost`, options out of range,
    ///   `.nonFiniteResult` on overflow; `DistributedError.shapeMismatch` when the dimensions differ.
    public func solve(sourcePoints: Matrix, sourceWeights: [Double], target: DiscreteMeasure, groundCost: GroundCost,
                      normalizeCost: Bool = false, massTolerance: Double = 1e-9,
                      communicator: Communicator) throws -> DistributedTransportSolution {
        try RoutineError.naming("DistributedSinkhorn.solve") {
            try unnamedSolve(sourcePoints, sourceWeights, target, groundCost, normalizeCost, massTolerance, communicator)
        }
    }

    private func unnamedSolve(_ x: Matrix, _ w: [Double], _ target: DiscreteMeasure, _ groundCost: GroundCost, _ normalize: Bool,
                              _ massTolerance: Double, _ comm: Communicator) throws -> DistributedTransportSolution {
        let clock = Stopwatch()
        let routine = "DistributedSinkhorn.solve"
        // Input, checked on every rank and made collective.
        let (largestLocal, lowerLocal, upperLocal) = try comm.agree(routine) { () throws -> (Double, Double, Double) in
            try solver.validate()
            guard massTolerance >= 0, massTolerance.isFinite else {
                throw OptimalTransportError.invalidParameter(name: "massTolerance", value: massTolerance, requirement: "must be ≥ 0 and finite")
            }
            guard let y = target.support else {
                throw OptimalTransportError.supportMismatch("the target measure needs support points")
            }
            guard w.count == x.rows else {
                throw OptimalTransportError.supportMismatch("\(x.rows) source points but \(w.count) weights on rank \(comm.rank)")
            }
            for (i, v) in w.enumerated() {
                guard v.isFinite else { throw OptimalTransportError.nonFiniteWeight(measure: "source", index: i) }
                guard v >= 0 else { throw OptimalTransportError.negativeWeight(measure: "source", index: i, value: v) }
            }
            if let bad = Validate.firstNonFiniteIndex(x) {
                throw OptimalTransportError.supportMismatch("source point \(bad.row) has a non-finite coordinate \(bad.column)")
            }
            guard x.rows == 0 || x.columns == y.columns else {
                throw OptimalTransportError.supportMismatch("points of dimension \(x.columns) and \(y.columns)")
            }
            guard x.rows > 0 else { return (0, .infinity, -.infinity) }
            return try PointCloudProblem.scanCosts(x, w, y, target.weights, groundCost)
        }
        let y = target.support!
        let sums = try comm.allreduce([Summation.compensated(w), Summation.compensated(w.filter { $0 > 0 })], .sum)
        let sourceMass = sums[0], targetMass = target.totalMass
        guard sourceMass > 0 else { throw OptimalTransportError.zeroMass("source") }
        guard sourceMass.isFinite else {
            throw OptimalTransportError.invalidParameter(name: "source weights", value: sourceMass,
                                                        requirement: "the total mass must be finite (rescale the weights)")
        }
        guard abs(sourceMass - targetMass) <= massTolerance * max(sourceMass, targetMass) else {
            throw OptimalTransportError.massMismatch(source: sourceMass, target: targetMass, tolerance: massTolerance)
        }
        let extremes = try comm.allreduce([largestLocal, -lowerLocal, upperLocal], .maximum)
        let largest = extremes[0], lower = -extremes[1], upper = extremes[2]
        let scale = normalize && largest > 0 ? largest : 1
        let state = OnlineIterate(sourcePoints: x, sourceWeights: w, sourceTotal: sums[1], targetPoints: y,
                                  targetWeights: target.weights, groundCost: groundCost, costScale: scale, mass: sourceMass,
                                  blockRows: solver.blockRows, threads: max(1, solver.threads))
        let reductions = comm.reductions
        let run = try solver.iterate(state, costRange: (upper - lower) / scale, reductions: reductions, clock: clock)
        let eta = solver.regularization.eta
        let (cost, error) = try state.finalPass(eta: eta, reductions: reductions)
        let shift = Foundation.log(sourceMass) / eta
        var xFull = [Double](repeating: -.infinity, count: x.rows), yFull = [Double](repeating: -.infinity, count: y.rows)
        for (k, i) in state.rowIndex.enumerated() { xFull[i] = state.sourcePotentials[k] + shift }
        for (k, j) in state.columnIndex.enumerated() { yFull[j] = state.targetPotentials[k] }
        return DistributedTransportSolution(
            regularization: solver.regularization, sourcePotential: xFull, targetPotential: yFull, costScale: scale,
            transportCost: sourceMass * cost, dualValue: run.history.last?.dualValue ?? -.infinity, marginalError: error,
            converged: run.converged && error <= solver.tolerance, tolerance: solver.tolerance, iterations: run.iterations,
            history: run.history, schedule: run.schedule, seconds: clock.elapsed)
    }
}
