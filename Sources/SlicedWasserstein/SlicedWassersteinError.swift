/// Errors thrown by the `SlicedWasserstein` entry points; each says what was wrong and where.
public enum SlicedWassersteinError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A point set has no points or no coordinates.
    case emptyMeasure(String)
    /// A coordinate is NaN or infinite.
    case nonFinitePoint(measure: String, row: Int, column: Int)
    /// A weight is NaN, infinite or negative.
    case invalidWeight(measure: String, index: Int, value: Double)
    /// Weights sum to zero.
    case zeroMass(String)
    /// Shapes that must agree do not.
    case dimensionMismatch(String)
    /// A parameter is out of range.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// The result exceeds the double range (e.g. `W_p^p` of far-apart points with a large `p`).
    case nonFiniteResult(String)

    /// A readable description.
    public var description: String {
        switch self {
        case let .emptyMeasure(m): return "\(m) point set is empty"
        case let .nonFinitePoint(m, r, c): return "\(m) point \(r) has a non-finite coordinate \(c)"
        case let .invalidWeight(m, i, v): return "\(m) weight \(i) is invalid (\(v)): weights must be finite and non-negative"
        case let .zeroMass(m): return "\(m) weights sum to zero"
        case let .dimensionMismatch(d): return "dimension mismatch: \(d)"
        case let .invalidParameter(n, v, r): return "parameter \(n) = \(v) is invalid: \(r)"
        case let .nonFiniteResult(d): return "the result is not finite: \(d)"
        }
    }
}
