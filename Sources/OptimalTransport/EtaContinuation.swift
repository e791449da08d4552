import Foundation

/// How an entropic solver reaches its regularization: directly, or through a geometric sequence of
/// weaker regularizations, each stage warm-started from the previous stage's potentials
/// (ε-scaling; Schmitzer 2019, Feydy's GeomLoss).
///
/// At large `η` Sinkhorn's contraction rate degrades like `1 − e^{−η range(C)}` and Newton's basin
/// shrinks; from the potentials of `η/10` both start close to the answer. Potentials are in cost
/// units, so they carry over between stages unchanged.
public enum EtaContinuation: Sendable, Equatable {
    /// Solve at the target `η` directly.
    case none
    /// Stages `η₀, η₀ f, η₀ f², …`, then the target itself (each intermediate stage below it).
    case geometric(start: Double, factor: Double)
    /// `geometric(start: automaticStart / range(C), factor: 10)` when `η · range(C)` exceeds
    /// `automaticThreshold`, otherwise `none` (the default).
    case automatic

    /// `η · range(C)` above which `.automatic` continues.
    public static let automaticThreshold = 2000.0
    /// `η₀ · range(C)` of the first automatic stage.
    public static let automaticStart = 100.0

    /// The stages' `η`, the target last.
    /// - Throws: `OptimalTransportError.invalidParameter` for a start that is not positive and
    ///   finite or a factor that is not above 1.
    func stages(target: Double, costRange: Double) throws -> [Double] {
        let start: Double, factor: Double
        switch self {
        case .none:
            return [target]
        case let .geometric(s, f):
            guard s > 0, s.isFinite else {
                throw OptimalTransportError.invalidParameter(name: "continuation start", value: s, requirement: "must be positive and finite")
            }
            guard f > 1, f.isFinite else {
                throw OptimalTransportError.invalidParameter(name: "continuation factor", value: f, requirement: "must be finite and above 1")
            }
            (start, factor) = (s, f)
        case .automatic:
            guard costRange > 0, target * costRange > EtaContinuation.automaticThreshold else { return [target] }
            (start, factor) = (EtaContinuation.automaticStart / costRange, 10)
        }
        var etas: [Double] = []
        var eta = start
        while eta < target {
            etas.append(eta)
            eta *= factor
        }
        return etas + [target]
    }
}

/// One stage of an η-continuation, as it ran.
public struct ContinuationStage: Sendable, Equatable {
    /// The stage's `η`.
    public let eta: Double
    /// Iterations of every kind run in this stage (Sinkhorn, Newton and fallback).
    public let iterations: Int
    /// L1 marginal error at the end of the stage.
    public let marginalError: Double
    /// The tolerance the stage ran to (the solver's own on the last stage).
    public let tolerance: Double
    /// Whether the stage met its tolerance.
    public let converged: Bool
}
