import Foundation
import LinearAlgebra
import SlicedWasserstein

/// The sliced Wasserstein estimate of two point clouds whose points are spread over the ranks.
///
/// 1. Every rank draws the same directions `θ` (`d × L`) from the seed and projects its own
///    points: one GEMM per cloud, `n_r × L`.
/// 2. An all-to-all exchange transposes the projections: rank `r` receives, for its block of
///    `L_r ≈ L/P` directions, the projections of every point (`(n + m) L_r` values).
/// 3. Each rank sorts and matches its directions with the single-process kernel, giving the
///    per-direction values `W_l` and the projected means and variances.
/// 4. Those (`6 L` values in all) are gathered on every rank, and the control variates and their
///    coefficients are formed by the single-process code from the same numbers.
///
/// The weights are normalized and the clouds' means and covariance traces (the control variates'
/// expectations) reduced over the ranks. With the same seed the result equals
/// `SlicedWasserstein/estimate(_:_:seed:fixedCoefficients:)` on the gathered clouds to round-off.
///
/// - Complexity: `O((n_r + m_r) d L)` for the projections and `O((n + m) L_r log)` for the sorts
///   on rank `r`. Rank `r` sends `8 (n_r + m_r)(L − L_r)` bytes in the transpose, plus
///   `8 (6 L_r + 1)` in the gather of the per-direction values, small fixed messages, and with
///   given weights `8 (n_r + 1)` more per weighted cloud (all weights go to every rank).
public struct DistributedSlicedWasserstein: Sendable {
    /// The estimator's options (directions, `p`, control variates, coefficient rule, threads).
    public var estimator: SlicedWasserstein

    /// The distributed form of `estimator`.
    public init(_ estimator: SlicedWasserstein) {
        self.estimator = estimator
    }

    /// Estimates `SW_p^p(μ, ν)` and `SW_p` from this rank's points of both clouds; every rank gets
    /// the same estimate.
    /// - Parameters:
    ///   - source: this rank's points of μ, one per row (possibly none).
    ///   - sourceWeights: their weights (unnormalized), or nil on every rank for uniform weights.
    ///   - target: this rank's points of ν, in the same dimension.
    ///   - targetWeights: their weights, or nil on every rank.
    ///   - seed: the seed of the directions (the same on every rank).
    ///   - communicator: the ranks holding the other points.
    /// - Throws: collectively, the single-process estimator's errors
    ///   (`SlicedWassersteinError.nonFinitePoint` with the row within the rank's block,
    ///   `.invalidWeight`, `.emptyMeasure`, `.zeroMass`, `.dimensionMismatch`, options out of range)
    ///   and `DistributedError.shapeMismatch` when ranks disagree on the dimension or on giving
    ///   weights.
    public func estimate(source: Matrix, sourceWeights: [Double]? = nil, target: Matrix, targetWeights: [Double]? = nil,
                         seed: UInt64, communicator: Communicator) throws -> SlicedWassersteinEstimate {
        try RoutineError.naming("DistributedSlicedWasserstein.estimate") {
            try unnamedEstimate(source, sourceWeights, target, targetWeights, seed, communicator)
        }
    }

    private func unnamedEstimate(_ source: Matrix, _ sourceWeights: [Double]?, _ target: Matrix, _ targetWeights: [Double]?,
                                 _ seed: UInt64, _ comm: Communicator) throws -> SlicedWassersteinEstimate {
        let clock = Stopwatch()
        let mu = try ShardedMeasure(source, sourceWeights, name: "source", comm)
        let nu = try ShardedMeasure(target, targetWeights, name: "target", comm)
        let theta = try comm.agree("DistributedSlicedWasserstein.estimate") {
            try estimator.validatedDirections(mu.dimension, nu.dimension, nil, seed: seed)
        }
        let p = estimator.p, L = theta.columns, P = comm.size
        let directions = try RowPartition(total: L, parts: P)
        let mine = directions.range(comm.rank)
        // Projections of this rank's points, then the transpose: to rank s, its directions' columns.
        let px = try source.multiplied(by: theta), py = try target.multiplied(by: theta)
        var blocks: [[Double]] = []
        for s in 0..<P {
            let columns = directions.range(s)
            blocks.append(Array(px.elements[(columns.lowerBound * source.rows)..<(columns.upperBound * source.rows)])
                          + Array(py.elements[(columns.lowerBound * target.rows)..<(columns.upperBound * target.rows)]))
        }
        let received = try comm.allToAll(blocks)
        blocks.removeAll()
        let n = mu.total, m = nu.total, Lr = mine.count
        var projectedX = [Double](repeating: 0, count: n * Lr), projectedY = [Double](repeating: 0, count: m * Lr)
        for q in 0..<P {
            let nq = mu.counts[q], mq = nu.counts[q], block = received[q]
            for l in 0..<Lr {
                for i in 0..<nq { projectedX[mu.offsets[q] + i + l * n] = block[i + l * nq] }
                for j in 0..<mq { projectedY[nu.offsets[q] + j + l * m] = block[nq * Lr + j + l * mq] }
            }
        }
        // The single-process kernel on this rank's directions.
        let equal = mu.isUniform && nu.isUniform && n == m
        let wa = try mu.allWeights(comm), wb = try nu.allWeights(comm)
        var values = [Double](repeating: 0, count: Lr), logValues = [Double](repeating: .nan, count: Lr)
        var meanX = values, meanY = values, varX = values, varY = values
        let threads = estimator.threads
        values.withUnsafeMutableBufferPointer { vb in
            logValues.withUnsafeMutableBufferPointer { lb in
                meanX.withUnsafeMutableBufferPointer { mxb in
                    meanY.withUnsafeMutableBufferPointer { myb in
                        varX.withUnsafeMutableBufferPointer { vxb in
                            varY.withUnsafeMutableBufferPointer { vyb in
                                projectedX.withUnsafeBufferPointer { pxb in
                                    projectedY.withUnsafeBufferPointer { pyb in
                                        guard Lr > 0 else { return }
                                        let out = SliceOutputs(values: vb.baseAddress!, logValues: lb.baseAddress!, meanX: mxb.baseAddress!,
                                                               meanY: myb.baseAddress!, varX: vxb.baseAddress!, varY: vyb.baseAddress!,
                                                               gradient: nil, px: pxb.baseAddress!, py: pyb.baseAddress!)
                                        Parallel.forEachChunk(count: Lr, threads: threads, minimumChunk: max(1, 4096 / max(1, n + m))) { range in
                                            Slices.work(range, n, m, p, equal, wa, wb, false, out)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        projectedX.removeAll()
        projectedY.removeAll()
        // Every direction's figures on every rank, in direction order.
        let all = try comm.allgather(values + logValues + meanX + meanY + varX + varY)
        var columns = [[Double]](repeating: [], count: 6)
        for (q, part) in all.enumerated() {
            let count = directions.range(q).count
            for k in 0..<6 { columns[k] += part[(k * count)..<((k + 1) * count)] }
        }
        var allValues = columns[0]
        let unit = Slices.rescale(values: &allValues, logValues: columns[1], p: p)
        let slices = Slices(values: allValues, meanX: columns[2], meanY: columns[3], varX: columns[4], varY: columns[5],
                            unit: unit, theta: theta)
        return try estimator.estimate(from: slices, try mu.moments(comm), try nu.moments(comm), fixedCoefficients: nil,
                                      seed: seed, clock: clock)
    }
}

/// One rank's share of a weighted point cloud: its points, and the global counts, weight
/// normalization and uniformity.
struct ShardedMeasure {
    let points: Matrix
    /// This rank's weights, normalized over all ranks.
    let weights: [Double]
    let isUniform: Bool
    /// Whether weights were given (else every point weighs `1/n`).
    let weightsGiven: Bool
    /// Points per rank, and where each rank's block starts.
    let counts: [Int]
    let offsets: [Int]
    let name: String
    var total: Int { counts.reduce(0, +) }
    var dimension: Int { points.columns }

    /// Validates the shard (collectively) and normalizes the weights as ``EmpiricalMeasure`` does:
    /// divided by the largest, then by their total.
    init(_ points: Matrix, _ given: [Double]?, name: String, _ comm: Communicator) throws {
        self.points = points
        self.name = name
        weightsGiven = given != nil
        let n = points.rows
        try comm.agree("DistributedSlicedWasserstein.estimate") {
            if let bad = Validate.firstNonFiniteIndex(points) {
                throw SlicedWassersteinError.nonFinitePoint(measure: name, row: bad.row, column: bad.column)
            }
            if let w = given {
                guard w.count == n else {
                    throw SlicedWassersteinError.dimensionMismatch("\(name) has \(n) points on rank \(comm.rank) but \(w.count) weights")
                }
                for (i, v) in w.enumerated() where !(v.isFinite && v >= 0) {
                    throw SlicedWassersteinError.invalidWeight(measure: name, index: i, value: v)
                }
            }
        }
        // Shapes: the same dimension and the same choice of weights on every rank.
        let shape = try comm.allreduce([Double(points.columns), -Double(points.columns), given == nil ? 1 : 0, given == nil ? -1 : 0], .maximum)
        guard shape[0] == -shape[1] else {
            throw DistributedError.shapeMismatch("\(name) points have \(Int(-shape[1])) to \(Int(shape[0])) coordinates across ranks")
        }
        guard shape[2] == -shape[3] else {
            throw DistributedError.shapeMismatch("\(name) weights are given on some ranks and not on others")
        }
        counts = try comm.allgather([Double(n)]).map { Int($0[0]) }
        var start = 0
        offsets = counts.map { c in defer { start += c }; return start }
        let total = counts.reduce(0, +)
        guard total > 0, points.columns > 0 else { throw SlicedWassersteinError.emptyMeasure(name) }
        if let w = given {
            let largest = try comm.allreduce(w.max() ?? 0, .maximum)
            guard largest > 0 else { throw SlicedWassersteinError.zeroMass(name) }
            let scaled = w.map { $0 / largest }
            let sum = try comm.allreduce(Summation.compensated(scaled), .sum)
            weights = scaled.map { $0 / sum }
            // Uniform when every rank's weights equal one common value.
            let first = w.first ?? 0
            let locallyEqual = w.allSatisfy { $0 == first }
            let extremes = try comm.allreduce([w.isEmpty ? -.infinity : first, w.isEmpty ? -.infinity : -first, locallyEqual ? 0 : 1], .maximum)
            isUniform = extremes[2] == 0 && extremes[0] == -extremes[1]
        } else {
            weights = [Double](repeating: 1 / Double(total), count: n)
            isUniform = true
        }
    }

    /// The weights of every point, in rank order (gathered; built locally when uniform and not given).
    func allWeights(_ comm: Communicator) throws -> [Double] {
        guard weightsGiven else { return [Double](repeating: 1 / Double(total), count: total) }
        return try comm.allgather(weights).flatMap { $0 }
    }

    /// The weighted mean and covariance trace, reduced over the ranks.
    func moments(_ comm: Communicator) throws -> MomentSummary {
        let n = points.rows, d = points.columns
        var partial = [Double](repeating: 0, count: d)
        points.withUnsafeBufferPointer { x in
            for k in 0..<d {
                var s = 0.0
                for i in 0..<n { s += weights[i] * x[i + k * n] }
                partial[k] = s
            }
        }
        let mean = try comm.allreduce(partial, .sum)
        var trace = 0.0
        points.withUnsafeBufferPointer { x in
            for k in 0..<d { for i in 0..<n { let v = x[i + k * n] - mean[k]; trace += weights[i] * v * v } }
        }
        return MomentSummary(dimension: d, mean: mean, covarianceTrace: try comm.allreduce(trace, .sum))
    }
}
