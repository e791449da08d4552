/// An error from a public routine of the algorithm targets, naming the routine the caller called
/// and carrying the typed cause.
///
/// Every public entry point of `OptimalTransport`, `SlicedWasserstein`, `SensitivitySampling` and
/// `GaussianProcessPDE` throws this type, so a failure deep inside (a Cholesky factorization in
/// a weighted iteration, a GEMM in an estimator) reads as the caller's routine with its cause:
///
///     LewisWeights.compute: Cholesky (dpotrf): matrix is not positive definite (leading minor 3 …)
///
/// Match on ``underlying`` for the typed cause (`SensitivitySamplingError.zeroRow(6)`,
/// `LinearAlgebraError.notPositiveDefinite`, …). When one public routine calls another, the outer
/// one wraps the inner error once more, so the description reads from the caller's routine down.
public struct RoutineError: Error, CustomStringConvertible {
    /// The public routine that failed, e.g. "LewisWeights.compute".
    public let routine: String
    /// The cause: the target's own typed error, a `LinearAlgebraError`, or another `RoutineError`.
    public let underlying: any Error

    /// An error of `routine` caused by `underlying`.
    public init(routine: String, underlying: any Error) {
        self.routine = routine
        self.underlying = underlying
    }

    /// "routine: cause".
    public var description: String { "\(routine): \(underlying)" }

    /// The innermost cause, past every wrapping routine.
    public var rootCause: any Error {
        var e: any Error = underlying
        while let wrapped = e as? RoutineError { e = wrapped.underlying }
        return e
    }

    /// `error` named by `routine`; an error that already names `routine` is returned unchanged
    /// (so delegating initializers and recursive calls do not repeat the name).
    public static func wrapping(_ error: any Error, in routine: String) -> any Error {
        if let named = error as? RoutineError, named.routine == routine { return named }
        return RoutineError(routine: routine, underlying: error)
    }

    /// Runs `body`, naming `routine` on any error it throws (see ``wrapping(_:in:)``).
    public static func naming<T>(_ routine: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw wrapping(error, in: routine)
        }
    }
}
