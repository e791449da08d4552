/// Whether ``Sinkhorn`` extrapolates its iterates.
///
/// Sinkhorn is a fixed-point iteration on the column potential `y ← T(y)` (a row update, then a
/// column update). At large `η · range(C)` on unstructured costs it converges sublinearly for a
/// long while: on 100 × 100 random costs in [0, 1] at η = 10³ and 10⁴ the marginal error still
/// decays like `1/k` after 100,000 iterations. Anderson acceleration combines the last `depth`
/// residuals of `T` to extrapolate `y` (see the solver-design article); a safeguard rejects any
/// extrapolated point whose residual more than doubles and returns to the plain step. The
/// iterates still end in the same stopping test on a plan formed afresh from the potentials.
public enum SinkhornAcceleration: Sendable, Equatable {
    /// Plain Sinkhorn iterations (the algorithm as published).
    case none
    /// Anderson acceleration with `depth` residual differences, engaged once a stage has run
    /// `delay` plain iterations without converging (so that quickly converging stages run the
    /// plain iteration unchanged).
    case anderson(depth: Int, delay: Int)
    /// `.anderson(depth: 40, delay: 100)`, the depth capped at the number of target bins of
    /// positive mass.
    case automatic

    /// Depth of the automatic policy.
    public static let automaticDepth = 40
    /// Plain iterations a stage runs before the automatic policy extrapolates.
    public static let automaticDelay = 100

    /// Depth and delay, or nil for plain iterations.
    /// - Throws: `OptimalTransportError.invalidParameter` for a depth below 1 or a negative delay.
    func resolved(rows: Int, columns: Int) throws -> (depth: Int, delay: Int)? {
        switch self {
        case .none:
            return nil
        case .automatic:
            return (min(SinkhornAcceleration.automaticDepth, columns), SinkhornAcceleration.automaticDelay)
        case let .anderson(depth, delay):
            guard depth >= 1 else {
                throw OptimalTransportError.invalidParameter(name: "acceleration depth", value: Double(depth), requirement: "must be at least 1")
            }
            guard delay >= 0 else {
                throw OptimalTransportError.invalidParameter(name: "acceleration delay", value: Double(delay), requirement: "must be non-negative")
            }
            return (depth, delay)
        }
    }
}
