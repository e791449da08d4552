/// Errors thrown by the `GaussianProcessPDE` entry points; each says what was wrong and where.
public enum GaussianProcessPDEError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A grid has fewer than 3 points or an empty/invalid interval.
    case invalidGrid(String)
    /// A kernel parameter is NaN or infinite, or a kernel has no components.
    case invalidKernel(String)
    /// A closure (source, boundary data, solution) returned NaN or infinity at a point.
    case nonFiniteData(what: String, point: [Double])
    /// Shapes that must agree do not.
    case dimensionMismatch(String)
    /// A parameter is out of range.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// A Gram matrix stayed indefinite after jitter escalation.
    case indefiniteGram(String)
    /// Valid input whose result is not representable in `Double` (an objective that overflows).
    case nonFiniteResult(String)

    /// A one-line message naming what was wrong.
    public var description: String {
        switch self {
        case let .invalidGrid(d): return "invalid grid: \(d)"
        case let .invalidKernel(d): return "invalid kernel: \(d)"
        case let .nonFiniteData(what, point): return "\(what) is not finite at \(point)"
        case let .dimensionMismatch(d): return "dimension mismatch: \(d)"
        case let .invalidParameter(n, v, r): return "parameter \(n) = \(v) is invalid: \(r)"
        case let .indefiniteGram(d): return "Gram matrix is not positive definite even with jitter: \(d)"
        case let .nonFiniteResult(d): return "result is not finite: \(d)"
        }
    }
}
