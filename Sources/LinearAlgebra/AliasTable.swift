/// Walker's alias method (Vose's stable construction): O(n) setup, then O(1) draws of index `i`
/// with probability `w_i / Σ w`.
public struct AliasTable: Sendable {
    /// Acceptance probability of each column.
    public let probability: [Double]
    /// Alternative index of each column.
    public let alias: [Int]

    /// Builds the table for non-negative `weights` (not necessarily normalized).
    /// - Throws: `LinearAlgebraError.emptyInput` for no weights; `.nonFiniteEntry` for NaN/Inf;
    ///   `.invalidArgument` for a negative weight or a zero total.
    /// - Complexity: O(n).
    public init(weights: [Double]) throws {
        let routine = "AliasTable"
        guard !weights.isEmpty else { throw LinearAlgebraError.emptyInput(routine: routine, argument: "weights") }
        try Validate.finite(weights, routine: routine, argument: "weights")
        if let bad = weights.firstIndex(where: { $0 < 0 }) {
            throw LinearAlgebraError.invalidArgument(routine: routine, argument: "weights[\(bad)]", reason: "negative weight \(weights[bad])")
        }
        let total = weights.reduce(0, +)
        guard total > 0 else {
            throw LinearAlgebraError.invalidArgument(routine: routine, argument: "weights", reason: "sum to zero")
        }
        let n = weights.count
        var scaled = weights.map { $0 * Double(n) / total }
        var prob = [Double](repeating: 1, count: n)
        var alias = Array(0..<n)
        var small: [Int] = [], large: [Int] = []
        for i in 0..<n { if scaled[i] < 1 { small.append(i) } else { large.append(i) } }
        while let s = small.popLast(), let l = large.last {
            prob[s] = scaled[s]
            alias[s] = l
            scaled[l] = (scaled[l] + scaled[s]) - 1
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        // Whatever remains has probability 1 up to round-off.
        for i in large { prob[i] = 1 }
        for i in small { prob[i] = 1 }
        probability = prob
        self.alias = alias
    }

    /// Number of outcomes.
    public var count: Int { probability.count }

    /// One draw.
    @inlinable
    public func sample(using generator: inout some RandomNumberGenerator) -> Int {
        let u = generator.nextUniform() * Double(probability.count)
        let i = Swift.min(Int(u), probability.count - 1)
        return (u - Double(i)) < probability[i] ? i : alias[i]
    }
}
