import Foundation
import LinearAlgebra

/// A sampled-and-reweighted set of rows: row `indices[k]` of `A` scaled by `weights[k]` forms `SA`.
/// The weights are `q^{−1/p}` (Bernoulli) or `(1/(m π))^{1/p}` (with replacement), so that
/// `E ‖SAx‖_p^p = ‖Ax‖_p^p` for every `x`.
public struct RowSample: Sendable {
    /// Kept row indices, ascending (with replacement: distinct rows, duplicates merged).
    public let indices: [Int]
    /// Row scaling factors.
    public let weights: [Double]
    /// Inclusion probability `q_i` of each kept row (with replacement: `m π_i`).
    public let probabilities: [Double]
    /// Expected number of rows.
    public let expectedSize: Double
    /// The exponent the weights were formed for.
    public let p: Double

    /// Number of kept rows.
    public var count: Int { indices.count }

    /// The multipliers `weights^p` of `|a_iᵀx|^p` (what `‖SAx‖_p^p` sums with).
    public var powerWeights: [Double] { weights.map { Wpow($0, p) } }

    /// `SA`: the kept rows, each scaled by its weight.
    /// - Throws: `.dimensionMismatch` when the sample keeps a row that `a` does not have (a sample
    ///   drawn from another matrix).
    /// - Complexity: O(count · d).
    public func apply(to a: Matrix) throws -> Matrix {
        try Check.sample(self, fitsRows: a.rows)
        return RowScaling.rows(a, indices, factors: weights)
    }
}

/// The importance-sampling schemes of Woodruff & Yasuda (ICML 2023).
public enum SamplingScheme: String, Sendable, CaseIterable {
    /// Uniform (the baseline).
    case uniform
    /// ℓ2 leverage scores.
    case leverage
    /// ℓp Lewis weights (the classic ℓp scheme).
    case lewis
    /// ℓp sensitivities plus `1/n`.
    case sensitivity
    /// Root leverage `τ^{p/2}` (`n^{p/2−1} τ^{p/2}` for `p > 2`), applied recursively: leverage is
    /// recomputed on the sampled, reweighted matrix and the sample resampled, O(log log n) rounds.
    case rootLeverage
    /// Leverage plus sensitivity, `σ/Σσ + τ/Στ` (for `p > 2`).
    case combined
}

/// Bernoulli and with-replacement samplers driven by importance scores.
public enum Sampler {
    /// Inclusion probabilities `q_i = min(1, s_i / α)` with `α` found by bisection so that
    /// `Σ q_i = expectedSize`.
    /// - Throws: `.invalidParameter` for an empty, negative, non-finite or all-zero score vector,
    ///   or a target size ≤ 0 or above the number of rows with positive score.
    public static func probabilities(scores s: [Double], expectedSize m: Double) throws -> [Double] {
        try RoutineError.naming("Sampler.probabilities") { try unnamedProbabilities(scores: s, expectedSize: m) }
    }

    /// `probabilities` without the routine name on its errors.
    static func unnamedProbabilities(scores s: [Double], expectedSize m: Double) throws -> [Double] {
        try probabilities(scores: s, expectedSize: m, reductions: .local)
    }

    /// `probabilities` for scores that may be one shard of a larger vector: every count, sum and
    /// extreme goes through `reductions`, so each process gets the inclusion probabilities of its
    /// own rows under the global threshold `α` (`Σ q_i = expectedSize` over all shards). A shard
    /// may be empty when others are not.
    package static func probabilities(scores s: [Double], expectedSize m: Double, reductions: Reductions) throws -> [Double] {
        if let bad = s.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw SensitivitySamplingError.invalidParameter(name: "scores[\(bad)]", value: s[bad], requirement: "must be finite and ≥ 0")
        }
        let counts = try reductions.sum([Double(s.count), Double(s.filter { $0 > 0 }.count)])
        let total = counts[0], positive = counts[1]
        guard total > 0 else { throw SensitivitySamplingError.emptyMatrix }
        guard positive > 0 else { throw SensitivitySamplingError.invalidParameter(name: "scores", value: 0, requirement: "must not all be zero") }
        guard m > 0, m <= total else {
            throw SensitivitySamplingError.invalidParameter(name: "target size", value: m, requirement: "must be in (0, n] with n = \(Int(total))")
        }
        guard m <= positive else {
            throw SensitivitySamplingError.invalidParameter(name: "target size", value: m, requirement: "exceeds the \(Int(positive)) rows with a positive score")
        }
        // Scores are relative: divide by the largest first, so that their sum cannot overflow.
        let largest = try reductions.maximum(s.max() ?? 0)
        let s = s.map { $0 / largest }
        func size(_ alpha: Double) throws -> Double { try reductions.sum(s.reduce(0) { $0 + min(1, $1 / alpha) }) }
        var lo = try reductions.minimum(s.filter { $0 > 0 }.min() ?? 1) * 1e-3
        var hi = try reductions.sum(s.reduce(0, +)) / m
        // size(hi) ≤ m ≤ size(lo) (lo small enough that every positive score saturates).
        while try size(lo) < m - 1e-9 { lo *= 0.5; if lo < 1e-300 { break } }
        for _ in 0..<200 {
            let mid = (lo * hi).squareRoot()
            if try size(mid) > m { lo = mid } else { hi = mid }
            if hi / lo - 1 < 1e-14 { break }
        }
        return s.map { min(1, $0 / hi) }
    }

    /// Independent Bernoulli sampling: row `i` kept with probability `q_i` (see `probabilities`)
    /// and scaled by `q_i^{−1/p}`.
    /// - Throws: as `probabilities`; `.invalidParameter` for `p < 1`.
    public static func bernoulli(scores: [Double], expectedSize: Double, p: Double, seed: UInt64) throws -> RowSample {
        try RoutineError.naming("Sampler.bernoulli") { try unnamedBernoulli(scores: scores, expectedSize: expectedSize, p: p, seed: seed) }
    }

    /// `bernoulli` without the routine name on its errors.
    static func unnamedBernoulli(scores: [Double], expectedSize: Double, p: Double, seed: UInt64) throws -> RowSample {
        try Check.p(p)
        let q = try probabilities(scores: scores, expectedSize: expectedSize)
        var g = Xoshiro256StarStar(seed: seed)
        return draw(probabilities: q, p: p, using: &g)
    }

    /// One Bernoulli draw per row with inclusion probabilities `q` from the generator `g`; kept
    /// rows scaled by `q_i^{−1/p}`. `expectedSize` of the sample is `Σ q` over these rows.
    package static func draw(probabilities q: [Double], p: Double, using g: inout Xoshiro256StarStar) -> RowSample {
        var idx: [Int] = [], w: [Double] = [], probs: [Double] = []
        for i in 0..<q.count where q[i] > 0 && g.nextUniform() < q[i] {
            idx.append(i)
            w.append(Wpow(1 / q[i], 1 / p))
            probs.append(q[i])
        }
        return RowSample(indices: idx, weights: w, probabilities: probs, expectedSize: q.reduce(0, +), p: p)
    }

    /// `draws` draws with replacement, `P(i) = π_i = s_i / Σ s` (alias method); a row drawn `k`
    /// times gets weight `(k / (draws π_i))^{1/p}`.
    /// - Throws: `.invalidParameter` for bad scores, `draws < 1` or `p < 1`.
    public static func withReplacement(scores s: [Double], draws: Int, p: Double, seed: UInt64) throws -> RowSample {
        try RoutineError.naming("Sampler.withReplacement") { try unnamedWithReplacement(scores: s, draws: draws, p: p, seed: seed) }
    }

    /// `withReplacement` without the routine name on its errors.
    static func unnamedWithReplacement(scores s: [Double], draws: Int, p: Double, seed: UInt64) throws -> RowSample {
        try Check.p(p)
        guard draws >= 1 else { throw SensitivitySamplingError.invalidParameter(name: "draws", value: Double(draws), requirement: "must be ≥ 1") }
        let table: AliasTable
        do { table = try AliasTable(weights: s) } catch {
            throw SensitivitySamplingError.invalidParameter(name: "scores", value: .nan, requirement: "\(error)")
        }
        let total = s.reduce(0, +)
        var g = Xoshiro256StarStar(seed: seed)
        var counts: [Int: Int] = [:]
        for _ in 0..<draws { counts[table.sample(using: &g), default: 0] += 1 }
        let idx = counts.keys.sorted()
        let pi = idx.map { s[$0] / total }
        return RowSample(indices: idx, weights: (0..<idx.count).map { Wpow(Double(counts[idx[$0]]!) / (Double(draws) * pi[$0]), 1 / p) },
                         probabilities: pi.map { min(1, Double(draws) * $0) }, expectedSize: Double(draws), p: p)
    }
}

/// Scores and samples for a `SamplingScheme`.
public struct SensitivitySampler: Sendable {
    /// The scheme.
    public var scheme: SamplingScheme
    /// The exponent `p ≥ 1`.
    public var p: Double
    /// Sensitivities: exact (one regression per row) or, when non-nil, approximated through a
    /// Lewis-weight sample of this many rows.
    public var sensitivitySampleSize: Int?
    /// Threads for the per-row sensitivity regressions.
    public var threads: Int

    /// A sampler for `scheme` and exponent `p`.
    public init(scheme: SamplingScheme, p: Double, sensitivitySampleSize: Int? = nil, threads: Int = Parallel.processorCount) {
        self.scheme = scheme
        self.p = p
        self.sensitivitySampleSize = sensitivitySampleSize
        self.threads = threads
    }

    /// The importance scores of the scheme (for `.rootLeverage`, the first round's).
    /// - Throws: `SensitivitySamplingError` for bad input.
    public func scores(_ a: Matrix) throws -> [Double] {
        try RoutineError.naming("SensitivitySampler.scores") { try unnamedScores(a) }
    }

    /// `scores` without the routine name on its errors.
    func unnamedScores(_ a: Matrix) throws -> [Double] {
        try Check.p(p)
        try Check.matrix(a, noZeroRows: scheme != .uniform && scheme != .leverage)
        let n = a.rows
        switch scheme {
        case .uniform: return [Double](repeating: 1, count: n)
        case .leverage: return try LeverageScores.exact(a)
        case .lewis: return try LewisWeights(p: p).compute(a).requireConverged("SensitivitySampler.scores (Lewis weights)").weights
        case .sensitivity: return try sensitivities(a).map { $0 + 1 / Double(n) }
        case .rootLeverage: return rootScores(try LeverageScores.exact(a), rows: n)
        case .combined:
            let sigma = try sensitivities(a), tau = try LeverageScores.exact(a)
            let ss = sigma.reduce(0, +), ts = tau.reduce(0, +)
            return (0..<n).map { sigma[$0] / ss + tau[$0] / ts }
        }
    }

    /// Exact sensitivities, or their approximation over a Lewis sample of `sensitivitySampleSize`
    /// rows (drawn with seed 0, so that the scores are a deterministic function of `a`).
    /// - Throws: `NotConvergedError` when some row's problem stopped at its cap.
    func sensitivities(_ a: Matrix) throws -> [Double] {
        let routine = "SensitivitySampler.scores (sensitivities)"
        if let k = sensitivitySampleSize, k < a.rows {
            return try Sensitivities.approximate(a, p: p, sampleSize: max(k, a.columns), seed: 0, threads: threads)
                .requireConverged(routine).values
        }
        return try Sensitivities.exact(a, p: p, threads: threads).requireConverged(routine).values
    }

    func rootScores(_ tau: [Double], rows n: Int) -> [Double] {
        let scale = p > 2 ? pow(Double(n), p / 2 - 1) : 1
        return tau.map { scale * pow(max($0, 0), p / 2) }
    }

    /// A Bernoulli sample of expected size `expectedSize` (recursive for `.rootLeverage`).
    /// - Throws: `SensitivitySamplingError` for bad input or a target size ≤ 0 or > n.
    public func sample(_ a: Matrix, expectedSize m: Double, seed: UInt64) throws -> RowSample {
        try RoutineError.naming("SensitivitySampler.sample") { try unnamedSample(a, expectedSize: m, seed: seed) }
    }

    /// `sample` without the routine name on its errors.
    func unnamedSample(_ a: Matrix, expectedSize m: Double, seed: UInt64) throws -> RowSample {
        guard m > 0, m <= Double(a.rows) else {
            throw SensitivitySamplingError.invalidParameter(name: "target size", value: m, requirement: "must be in (0, n] with n = \(a.rows)")
        }
        if scheme == .rootLeverage { return try recursiveRootLeverage(a, m, seed) }
        return try Sampler.bernoulli(scores: try scores(a), expectedSize: m, p: p, seed: seed)
    }

    /// Rounds of root-leverage sampling on the reweighted sample, each shrinking the set toward
    /// `m` geometrically (`size ← max(m, √(size · m))`), so O(log log n) rounds.
    func recursiveRootLeverage(_ a: Matrix, _ m: Double, _ seed: UInt64) throws -> RowSample {
        try Check.matrix(a, noZeroRows: true)
        var indices = Array(0..<a.rows)
        var power = [Double](repeating: 1, count: a.rows)     // multipliers of |a_iᵀx|^p
        var round: UInt64 = 0
        while true {
            let current = Double(indices.count)
            let target = max(m, (current * m).squareRoot())
            let factors = power.map { Wpow($0, 1 / p) }
            let b = RowScaling.rows(a, indices, factors: factors)
            let tau = try LeverageScores.exact(b)
            let s = rootScores(tau, rows: indices.count).map { max($0, 1e-300) }
            let q = try Sampler.probabilities(scores: s, expectedSize: min(target, current))
            var g = Xoshiro256StarStar(seed: seed &+ round)
            var nextIdx: [Int] = [], nextPower: [Double] = []
            for k in 0..<indices.count where g.nextUniform() < q[k] {
                nextIdx.append(indices[k])
                nextPower.append(power[k] / q[k])
            }
            indices = nextIdx
            power = nextPower
            round += 1
            if target <= m * 1.0000001 || indices.count <= a.columns || round > 8 { break }
        }
        return RowSample(indices: indices, weights: power.map { Wpow($0, 1 / p) }, probabilities: power.map { 1 / $0 },
                         expectedSize: m, p: p)
    }
}
