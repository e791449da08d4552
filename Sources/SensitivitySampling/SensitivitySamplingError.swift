/// Errors thrown by the `SensitivitySampling` entry points; each says what was wrong and where.
public enum SensitivitySamplingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The matrix has no rows or no columns.
    case emptyMatrix
    /// An entry is NaN or infinite.
    case nonFiniteEntry(row: Int, column: Int)
    /// Fewer rows than columns where a tall matrix is required.
    case tooFewRows(rows: Int, columns: Int)
    /// A row is entirely zero (it has no sensitivity and breaks the weighted iterations).
    case zeroRow(Int)
    /// Shapes that must agree do not.
    case dimensionMismatch(String)
    /// A parameter is out of range.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// An iteration did not reach its tolerance and its fallback did not either.
    case noConvergence(String)

    /// A readable description.
    public var description: String {
        switch self {
        case .emptyMatrix: return "matrix is empty"
        case let .nonFiniteEntry(r, c): return "matrix entry at row \(r), column \(c) is not finite"
        case let .tooFewRows(r, c): return "matrix has \(r) rows but \(c) columns: need at least as many rows as columns"
        case let .zeroRow(i): return "row \(i) is zero"
        case let .dimensionMismatch(d): return "dimension mismatch: \(d)"
        case let .invalidParameter(n, v, r): return "parameter \(n) = \(v) is invalid: \(r)"
        case let .noConvergence(d): return "no convergence: \(d)"
        }
    }
}
