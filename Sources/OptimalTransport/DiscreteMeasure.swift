import LinearAlgebra

/// A discrete measure `Σ_i w_i δ_{x_i}`: non-negative weights and, optionally, support points
/// (one row of `support` per bin).
public struct DiscreteMeasure: Sendable {
    /// The weights (non-negative, finite, positive total).
    public let weights: [Double]
    /// Support points as the rows of an `n × d` matrix, if known.
    public let support: Matrix?

    /// Validates and stores a measure.
    /// - Parameters:
    ///   - weights: the mass of each point (non-negative, finite, positive total).
    ///   - support: optional support points, one row per weight.
    ///   - name: used in error messages ("source", "target").
    /// - Throws: `OptimalTransportError.emptyMeasure`, `.nonFiniteWeight`, `.negativeWeight`,
    ///   `.zeroMass`, `.invalidParameter` when the total mass overflows (plans and costs scale with
    ///   it, so they would too), `.supportMismatch` (support rows ≠ number of weights, or non-finite
    ///   points).
    public init(weights: [Double], support: Matrix? = nil, name: String = "measure") throws {
        do {
            guard !weights.isEmpty else { throw OptimalTransportError.emptyMeasure(name) }
            for (i, w) in weights.enumerated() {
                guard w.isFinite else { throw OptimalTransportError.nonFiniteWeight(measure: name, index: i) }
                guard w >= 0 else { throw OptimalTransportError.negativeWeight(measure: name, index: i, value: w) }
            }
            let total = weights.reduce(0, +)
            guard total > 0 else { throw OptimalTransportError.zeroMass(name) }
            guard total.isFinite else {
                throw OptimalTransportError.invalidParameter(name: "\(name) weights", value: total,
                                                            requirement: "the total mass must be finite (rescale the weights)")
            }
            if let s = support {
                guard s.rows == weights.count else {
                    throw OptimalTransportError.supportMismatch("\(name) has \(weights.count) weights but \(s.rows) support points")
                }
                if let bad = Validate.firstNonFiniteIndex(s) {
                    throw OptimalTransportError.supportMismatch("\(name) support point \(bad.row) has a non-finite coordinate \(bad.column)")
                }
            }
            self.weights = weights
            self.support = support
        } catch {
            throw RoutineError.wrapping(error, in: "DiscreteMeasure.init")
        }
    }

    /// `n` points with equal weights `1/n` (points as the rows of `support`).
    public static func uniform(support: Matrix, name: String = "measure") throws -> DiscreteMeasure {
        guard support.rows > 0 else { throw OptimalTransportError.emptyMeasure(name) }
        return try DiscreteMeasure(weights: [Double](repeating: 1 / Double(support.rows), count: support.rows),
                                   support: support, name: name)
    }

    /// `n` bins with equal weights `1/n` and no support.
    public static func uniform(count: Int, name: String = "measure") throws -> DiscreteMeasure {
        guard count > 0 else { throw OptimalTransportError.emptyMeasure(name) }
        return try DiscreteMeasure(weights: [Double](repeating: 1 / Double(count), count: count), name: name)
    }

    /// Number of bins.
    public var count: Int { weights.count }

    /// Total mass `Σ w_i` (compensated sum).
    public var totalMass: Double { Summation.compensated(weights) }
}
