/// Errors thrown by the `OptimalTransport` entry points. Each says what was wrong and where.
public enum OptimalTransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A measure has no bins.
    case emptyMeasure(String)
    /// A weight is NaN or infinite.
    case nonFiniteWeight(measure: String, index: Int)
    /// A weight is negative.
    case negativeWeight(measure: String, index: Int, value: Double)
    /// A measure has zero total mass.
    case zeroMass(String)
    /// The two measures' total masses differ by more than the tolerance.
    case massMismatch(source: Double, target: Double, tolerance: Double)
    /// The cost matrix does not have one row per source bin and one column per target bin.
    case costShapeMismatch(rows: Int, columns: Int, expectedRows: Int, expectedColumns: Int)
    /// A cost entry is NaN or infinite.
    case nonFiniteCost(row: Int, column: Int)
    /// A cost entry is negative.
    case negativeCost(row: Int, column: Int, value: Double)
    /// Support points do not match the weights or each other.
    case supportMismatch(String)
    /// A parameter is out of its documented range.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// A solve produced a value that is not representable (a plan entry or cost that overflowed).
    case nonFiniteResult(String)

    /// A readable description.
    public var description: String {
        switch self {
        case let .emptyMeasure(m): return "\(m) measure is empty"
        case let .nonFiniteWeight(m, i): return "\(m) weight at index \(i) is not finite"
        case let .negativeWeight(m, i, v): return "\(m) weight at index \(i) is negative (\(v))"
        case let .zeroMass(m): return "\(m) measure has zero total mass"
        case let .massMismatch(s, t, tol):
            return "source mass \(s) and target mass \(t) differ by more than the tolerance \(tol)"
        case let .costShapeMismatch(r, c, er, ec):
            return "cost matrix is \(r)×\(c), expected \(er)×\(ec) (source bins × target bins)"
        case let .nonFiniteCost(r, c): return "cost entry at row \(r), column \(c) is not finite"
        case let .negativeCost(r, c, v): return "cost entry at row \(r), column \(c) is negative (\(v))"
        case let .supportMismatch(d): return "support mismatch: \(d)"
        case let .invalidParameter(name, v, req): return "parameter \(name) = \(v) is invalid: \(req)"
        case let .nonFiniteResult(what): return "the result is not finite: \(what)"
        }
    }
}
