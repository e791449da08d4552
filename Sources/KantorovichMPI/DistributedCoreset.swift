import Foundation
import LinearAlgebra
import SensitivitySampling

/// Coresets for ℓp regression `min_x Σ_i |a_iᵀx − b_i|^p` on rows spread over the ranks, by
/// importance sampling and merge-and-reduce.
///
/// 1. **Scores** of the augmented rows `[a_i, b_i]` (so the sample preserves `‖Ax − b‖_p` for
///    every `x`): uniform, leverage scores (``DistributedLeverageScores``) or ℓp Lewis weights
///    (``DistributedLewisWeights``), each rank for its own rows.
/// 2. **Sampling**: the inclusion probabilities `q_i = min(1, s_i/α)` with one global threshold
///    `α` (`Σ q_i = expectedSize` over all ranks; a bisection whose sums are allreduced), then
///    each rank draws its own rows from its own stream of one seed (rank `r` uses stream `r` of
///    `seed`, a jump-separated `Xoshiro256StarStar` stream; a reduce on rank `r` continues it), a kept row weighing `1/q_i` in the `p`-th power.
/// 3. **Merge-and-reduce**: the samples travel up a binary tree of ranks to rank 0. Where a
///    merged sample has more than `maxRows` rows, it is reduced: sampled again, by the same
///    scheme computed on the weighted rows, to `maxRows / 2` expected rows, the weights
///    multiplying. A sample of a sample is again a coreset, its distortion the product of the two,
///    so the gathered set stays bounded however many ranks there are.
///
/// The result is on rank 0; ``regression(_:targets:expectedSize:seed:solver:communicator:)``
/// solves on it there and broadcasts the solution.
public struct DistributedCoreset: Sendable {
    /// The sampling scheme: `.uniform`, `.leverage` or `.lewis`.
    public var scheme: SamplingScheme
    /// The exponent `p ≥ 1` of the regression.
    public var p: Double
    /// The largest sample a merge may keep before it is reduced (nil: never reduce).
    public var maxRows: Int?

    /// Options for `scheme` and exponent `p`.
    public init(scheme: SamplingScheme, p: Double, maxRows: Int? = nil) {
        self.scheme = scheme
        self.p = p
        self.maxRows = maxRows
    }

    /// A weighted subset of the rows of `[A, b]`.
    public struct Coreset: Sendable {
        /// The kept rows of `A` (unscaled), one per row.
        public let rows: Matrix
        /// Their entries of `b`.
        public let targets: [Double]
        /// The multipliers `s_i` of `|a_iᵀx − b_i|^p` (so `Σ s_i |a_iᵀx − b_i|^p` estimates the full sum).
        public let powerWeights: [Double]
        /// The rows' indices in the whole matrix (rank blocks stacked in rank order).
        public let indices: [Int]
        /// The expected size of the first sample.
        public let expectedSize: Double
        /// How many merges were reduced.
        public let reductions: Int
    }

    /// Samples a coreset; rank 0 returns it, the other ranks nil.
    /// - Parameters:
    ///   - localRows: this rank's block of `A` (`n_r × d`; possibly empty).
    ///   - targets: its block of `b`.
    ///   - expectedSize: the expected number of rows of the first sample, in `(0, n]`.
    ///   - seed: the seed every rank's stream is split from.
    ///   - communicator: the ranks holding the other blocks.
    /// - Throws: collectively: `SensitivitySamplingError` for bad input (non-finite entries, a
    ///   length mismatch, zero rows of `[A, b]` for Lewis weights, `n < d + 1`, a size out of
    ///   range, a scheme other than uniform, leverage or Lewis, `p < 1`, `maxRows < 2`), the
    ///   scores' errors (a rank-deficient `[A, b]`, unconverged Lewis weights).
    public func sample(_ localRows: Matrix, targets: [Double], expectedSize: Double, seed: UInt64,
                       communicator: Communicator) throws -> Coreset? {
        try RoutineError.naming("DistributedCoreset.sample") {
            try unnamedSample(localRows, targets, expectedSize, seed, communicator)
        }
    }

    /// The regression's minimizer on a coreset (solved on rank 0 by `solver`, the solution
    /// broadcast), and whether that solve converged.
    public struct Regression: Sendable {
        /// The minimizer of the coreset's weighted objective (on every rank).
        public let solution: [Double]
        /// Whether the solve on the coreset converged.
        public let converged: Bool
        /// The coreset's weighted objective at the solution.
        public let coresetObjective: Double
        /// Rows in the coreset.
        public let coresetRows: Int
    }

    /// Samples a coreset and solves the ℓp regression on it (rank 0), every rank receiving the
    /// solution.
    /// - Throws: as ``sample(_:targets:expectedSize:seed:communicator:)``; the solver's errors
    ///   (on rank 0, made collective); `solver.p` must equal `p`.
    public func regression(_ localRows: Matrix, targets: [Double], expectedSize: Double, seed: UInt64, solver: LpRegression,
                           communicator: Communicator) throws -> Regression {
        try RoutineError.naming("DistributedCoreset.regression") {
            let coreset = try unnamedSample(localRows, targets, expectedSize, seed, communicator)
            let summary = try communicator.agree("DistributedCoreset.regression") { () throws -> [Double] in
                guard solver.p == p else {
                    throw SensitivitySamplingError.invalidParameter(name: "solver.p", value: solver.p, requirement: "must equal the coreset's p = \(p)")
                }
                guard let coreset else { return [] }
                let result = try solver.solve(coreset.rows, coreset.targets, rowWeights: coreset.powerWeights)
                return result.solution + [result.converged ? 1 : 0, result.objective, Double(coreset.rows.rows)]
            }
            let shared = try communicator.broadcast(summary, root: 0)
            let d = shared.count - 3
            return Regression(solution: Array(shared[0..<d]), converged: shared[d] == 1, coresetObjective: shared[d + 1],
                              coresetRows: Int(shared[d + 2]))
        }
    }

    private func unnamedSample(_ a: Matrix, _ b: [Double], _ m: Double, _ seed: UInt64, _ comm: Communicator) throws -> Coreset? {
        let routine = "DistributedCoreset.sample"
        try comm.agree(routine) {
            try Check.p(p)
            guard [.uniform, .leverage, .lewis].contains(scheme) else {
                throw SensitivitySamplingError.invalidParameter(name: "scheme", value: .nan,
                                                               requirement: "the distributed sampler takes uniform, leverage or lewis, not \(scheme)")
            }
            if let maxRows, maxRows < 2 {
                throw SensitivitySamplingError.invalidParameter(name: "maxRows", value: Double(maxRows), requirement: "must be ≥ 2")
            }
            guard b.count == a.rows else {
                throw SensitivitySamplingError.dimensionMismatch("A has \(a.rows) rows, b has \(b.count) entries on rank \(comm.rank)")
            }
        }
        let d = a.columns
        let augmented = Matrix(rows: a.rows, columns: d + 1) { i, j in j < d ? a[i, j] : b[i] }
        let scores: [Double]
        switch scheme {
        case .leverage: scores = try DistributedLeverageScores.exact(augmented, communicator: comm)
        case .lewis:
            scores = try DistributedLewisWeights.compute(augmented, options: LewisWeights(p: p), communicator: comm)
                .requireConverged("DistributedCoreset.sample (Lewis weights)").weights
        default:
            try DistributedLeverageScores.validate(augmented, noZeroRows: false, communicator: comm)
            scores = [Double](repeating: 1, count: a.rows)
        }
        // Local checks first (made collective); the global threshold's own checks then see the
        // same totals on every rank, so they throw on every rank alike.
        try comm.agree(routine) {
            if let bad = scores.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
                throw SensitivitySamplingError.invalidParameter(name: "scores[\(bad)]", value: scores[bad], requirement: "must be finite and ≥ 0")
            }
        }
        let q = try Sampler.probabilities(scores: scores, expectedSize: m, reductions: comm.reductions)
        var stream = Xoshiro256StarStar(seed: seed, stream: comm.rank)
        let sample = Sampler.draw(probabilities: q, p: p, using: &stream)
        let counts = try comm.allgather([Double(a.rows)]).map { Int($0[0]) }
        let offset = counts[0..<comm.rank].reduce(0, +)
        // Payload: per kept row its d entries, b, power weight and global index.
        var rows = Weighted(width: d)
        for (k, i) in sample.indices.enumerated() {
            rows.append(entries: (0..<d).map { a[i, $0] }, target: b[i], weight: 1 / sample.probabilities[k], index: offset + i)
        }
        // Merge up a binary tree of ranks, reducing any merge above maxRows. A reduce that fails
        // (a rank-deficient merged sample) sends a failure mark up instead of rows, so no parent
        // waits for rows that never come; the agreement after the tree makes it collective.
        var reductions = 0
        var step = 1
        var failure: (any Error)?
        var sent = false
        func reduceIfNeeded() {
            guard failure == nil, let cap = maxRows, rows.count > cap else { return }
            do {
                rows = try reduce(rows, to: Double(cap) / 2, using: &stream)
                reductions += 1
            } catch { failure = error }
        }
        while step < comm.size {
            if comm.rank % (2 * step) == step {
                try comm.send(failure == nil ? [0] + rows.payload : [1], to: comm.rank - step)
                sent = true
                break
            }
            if comm.rank + step < comm.size {
                let message = try comm.receive(from: comm.rank + step)
                if message.first != 0 {
                    failure = failure ?? DistributedError.peerFailed(rank: comm.rank + step, routine: routine)
                } else if failure == nil {
                    rows.payload += message.dropFirst()
                    reduceIfNeeded()
                }
            }
            step *= 2
        }
        if comm.rank == 0 { reduceIfNeeded() }
        try comm.agree(routine) { if let failure { throw failure } }
        guard !sent else { return nil }
        return Coreset(rows: rows.matrix, targets: rows.targets, powerWeights: rows.weights, indices: rows.indices,
                       expectedSize: m, reductions: reductions)
    }

    /// A sample of a weighted sample: scores of the rows `s_i^{1/p} [a_i, b_i]`, Bernoulli to
    /// `size` expected rows, weights divided by the inclusion probabilities.
    private func reduce(_ rows: Weighted, to size: Double, using stream: inout Xoshiro256StarStar) throws -> Weighted {
        let n = rows.count, d = rows.width
        let weights = rows.weights, targets = rows.targets, indices = rows.indices
        let factors = weights.map { Foundation.pow($0, 1 / p) }
        let scaled = Matrix(rows: n, columns: d + 1) { i, j in
            factors[i] * (j < d ? rows.payload[i * (d + 3) + j] : targets[i])
        }
        let scores: [Double]
        switch scheme {
        case .leverage: scores = try LeverageScores.exact(scaled)
        case .lewis: scores = try LewisWeights(p: p).compute(scaled).requireConverged("DistributedCoreset.sample (reduce)").weights
        default: scores = [Double](repeating: 1, count: n)
        }
        let q = try Sampler.probabilities(scores: scores.map { max($0, 0) }, expectedSize: min(size, Double(scores.filter { $0 > 0 }.count)))
        let kept = Sampler.draw(probabilities: q, p: p, using: &stream)
        var out = Weighted(width: d)
        for (k, i) in kept.indices.enumerated() {
            out.append(entries: Array(rows.payload[(i * (d + 3))..<(i * (d + 3) + d)]), target: targets[i],
                       weight: weights[i] / kept.probabilities[k], index: indices[i])
        }
        return out
    }
}

/// Weighted rows packed for messages: per row its `width` entries, its target, its power weight
/// and its global index. The column views below are built on each access: read them once.
private struct Weighted {
    let width: Int
    var payload: [Double] = []
    init(width: Int) { self.width = width }
    var count: Int { payload.count / (width + 3) }
    mutating func append(entries: [Double], target: Double, weight: Double, index: Int) {
        payload += entries
        payload += [target, weight, Double(index)]
    }
    var targets: [Double] { (0..<count).map { payload[$0 * (width + 3) + width] } }
    var weights: [Double] { (0..<count).map { payload[$0 * (width + 3) + width + 1] } }
    var indices: [Int] { (0..<count).map { Int(payload[$0 * (width + 3) + width + 2]) } }
    var matrix: Matrix { Matrix(rows: count, columns: width) { i, j in payload[i * (width + 3) + j] } }
}
