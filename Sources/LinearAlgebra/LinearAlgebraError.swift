/// Errors thrown by every entry point of `LinearAlgebra`.
///
/// Each case names the routine that failed and says what was wrong and where, so that a message such
/// as `Cholesky: matrix is not positive definite (leading minor 3 is not positive)` can be shown to a
/// user as is. LAPACK failures carry the routine's `info` code.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Operand shapes do not fit together (`detail` states the shapes that were given).
    case dimensionMismatch(routine: String, detail: String)
    /// An input holds NaN or ±infinity at the given position (column 0 for vectors).
    case nonFiniteEntry(routine: String, argument: String, row: Int, column: Int)
    /// The matrix is not (numerically) positive definite: the leading minor of order `minor` is not
    /// positive (LAPACK `dpotrf` `info > 0`), or an iterative solver met non-positive curvature.
    case notPositiveDefinite(routine: String, minor: Int)
    /// The matrix is exactly or numerically singular; `index` is the (1-based) pivot that vanished.
    case singular(routine: String, index: Int)
    /// A matrix that must be symmetric is not; the first offending pair is `(row, column)`.
    case notSymmetric(routine: String, row: Int, column: Int)
    /// A dimension does not fit in LAPACK's 32-bit integer indices.
    case indexOverflow(routine: String, argument: String, size: Int)
    /// An argument is outside its allowed range (`reason` says which range).
    case invalidArgument(routine: String, argument: String, reason: String)
    /// An input that must hold at least one element is empty.
    case emptyInput(routine: String, argument: String)
    /// An iterative LAPACK routine did not converge (`info` as returned by LAPACK).
    case noConvergence(routine: String, info: Int)
    /// Any other LAPACK failure, with LAPACK's `info` code.
    case lapackFailure(routine: String, info: Int)
    /// A result is NaN or infinite although the inputs were accepted: it overflows the double
    /// range, or an input already held NaN or ∞ (`detail` says which entry).
    case nonFiniteResult(routine: String, detail: String)

    /// A readable description.
    public var description: String {
        switch self {
        case let .dimensionMismatch(routine, detail):
            return "\(routine): dimension mismatch (\(detail))"
        case let .nonFiniteEntry(routine, argument, row, column):
            return "\(routine): \(argument) has a non-finite entry at row \(row), column \(column)"
        case let .notPositiveDefinite(routine, minor):
            return "\(routine): matrix is not positive definite (leading minor \(minor) is not positive)"
        case let .singular(routine, index):
            return "\(routine): matrix is singular (pivot \(index) is zero)"
        case let .notSymmetric(routine, row, column):
            return "\(routine): matrix is not symmetric (entries (\(row), \(column)) and (\(column), \(row)) differ)"
        case let .indexOverflow(routine, argument, size):
            return "\(routine): \(argument) = \(size) exceeds the 32-bit LAPACK index range"
        case let .invalidArgument(routine, argument, reason):
            return "\(routine): invalid \(argument): \(reason)"
        case let .emptyInput(routine, argument):
            return "\(routine): \(argument) is empty"
        case let .noConvergence(routine, info):
            return "\(routine): iteration did not converge (info = \(info))"
        case let .lapackFailure(routine, info):
            return "\(routine): LAPACK returned info = \(info)"
        case let .nonFiniteResult(routine, detail):
            return "\(routine): the result is not finite (\(detail)): an input holds NaN or ∞, or the result overflows"
        }
    }
}
