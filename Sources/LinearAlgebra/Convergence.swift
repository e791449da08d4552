/// How an iterative computation ended: the one vocabulary of every iterative result in Kantorovich.
///
/// Every iterative routine returns a result that conforms to ``IterativeResult``: it says whether
/// it converged, how many iterations its outer loop took, the final value of the stopping
/// criterion and the tolerance it was compared against. Not converging is never an error by
/// itself: the routine returns its best iterate with `converged == false`, and the caller decides
/// (``IterativeResult/requireConverged(_:)`` turns it into a thrown ``NotConvergedError``).
public struct Convergence: Sendable, Equatable, CustomStringConvertible {
    /// Whether the stopping criterion met its tolerance (and every nested solve that the result
    /// depends on converged, where the routine says so).
    public var converged: Bool
    /// Iterations of the routine's outer loop (all stages together).
    public var iterations: Int
    /// The final value of the stopping criterion.
    public var criterion: Double
    /// The tolerance the criterion was compared against.
    public var tolerance: Double
    /// What the criterion measures, e.g. "L1 marginal error" or "relative residual".
    public var criterionName: String

    /// A report.
    public init(converged: Bool, iterations: Int, criterion: Double, tolerance: Double, criterionName: String) {
        self.converged = converged
        self.iterations = iterations
        self.criterion = criterion
        self.tolerance = tolerance
        self.criterionName = criterionName
    }

    /// For example "converged after 31 iterations: L1 marginal error 8.1e-11 ≤ 1e-10".
    public var description: String {
        let verdict = converged ? "converged after" : "did not converge in"
        let relation = converged ? "≤" : (criterion <= tolerance ? "≤ (nested solves failed)" : ">")
        return "\(verdict) \(iterations) iterations: \(criterionName) \(criterion) \(relation) \(tolerance)"
    }
}

/// The nested solves inside an iterative routine (conjugate gradient inside a Newton step, the
/// per-row problems of exact sensitivities, PCG inside Gauss–Newton), summarized for the caller.
public struct NestedSolves: Sendable, Equatable, CustomStringConvertible {
    /// Solves performed.
    public var count: Int
    /// Iterations summed over every solve.
    public var iterations: Int
    /// Solves that stopped at their cap (or failed) before meeting their tolerance.
    public var unconverged: Int
    /// The largest final criterion over the solves (their own measure, e.g. a relative residual).
    public var worstCriterion: Double

    /// No solves yet.
    public init() {
        count = 0
        iterations = 0
        unconverged = 0
        worstCriterion = 0
    }

    /// Whether every solve converged.
    public var converged: Bool { unconverged == 0 }

    /// Adds one solve.
    public mutating func record(iterations: Int, converged: Bool, criterion: Double) {
        count += 1
        self.iterations += iterations
        if !converged { unconverged += 1 }
        if criterion.isNaN || criterion > worstCriterion { worstCriterion = criterion }
    }

    /// Adds another summary.
    public mutating func merge(_ other: NestedSolves) {
        count += other.count
        iterations += other.iterations
        unconverged += other.unconverged
        if other.worstCriterion.isNaN || other.worstCriterion > worstCriterion { worstCriterion = other.worstCriterion }
    }

    /// For example "412 solves, 3390 iterations, all converged".
    public var description: String {
        "\(count) solves, \(iterations) iterations, " + (unconverged == 0 ? "all converged" : "\(unconverged) unconverged (worst \(worstCriterion))")
    }
}

/// The result of an iterative routine (see ``Convergence``).
public protocol IterativeResult: Sendable {
    /// How the routine ended.
    var convergence: Convergence { get }
    /// Wall-clock seconds the routine took.
    var seconds: Double { get }
}

extension IterativeResult {
    /// Whether the routine converged (`convergence.converged`).
    public var converged: Bool { convergence.converged }

    /// The result itself when it converged.
    /// - Parameter routine: the name to put in the error, e.g. "LewisWeights.compute".
    /// - Throws: ``NotConvergedError`` with the convergence report otherwise.
    public func requireConverged(_ routine: String) throws -> Self {
        guard convergence.converged else { throw NotConvergedError(routine: routine, convergence: convergence) }
        return self
    }
}

/// Thrown by ``IterativeResult/requireConverged(_:)``: a routine that the caller required to
/// converge did not.
public struct NotConvergedError: Error, Equatable, CustomStringConvertible {
    /// The routine that did not converge.
    public let routine: String
    /// Its report.
    public let convergence: Convergence

    /// "LewisWeights.compute: did not converge in 500 iterations: …".
    public var description: String { "\(routine): \(convergence)" }
}
