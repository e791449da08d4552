/// Strength of the entropic regularization, stated unambiguously in either convention.
///
/// The problem solved is `min <C, P> + ε Σ P_ij log P_ij` over plans with the given marginals.
/// `ε` is POT's and OTT's `reg`; Tang et al. (ICLR 2024) write `η = 1/ε` (large η = weak
/// regularization). Results report both.
public enum Regularization: Sendable, Equatable, CustomStringConvertible {
    /// `ε` (POT's `reg`), must be positive and finite.
    case epsilon(Double)
    /// `η = 1/ε` (the paper's convention), must be positive and finite.
    case eta(Double)

    /// The value as `ε`.
    public var epsilon: Double {
        switch self {
        case .epsilon(let e): return e
        case .eta(let h): return 1 / h
        }
    }

    /// The value as `η = 1/ε`.
    public var eta: Double {
        switch self {
        case .epsilon(let e): return 1 / e
        case .eta(let h): return h
        }
    }

    /// A readable description.
    public var description: String {
        switch self {
        case .epsilon(let e): return "ε = \(e) (η = \(1 / e))"
        case .eta(let h): return "η = \(h) (ε = \(1 / h))"
        }
    }

    func validate() throws {
        let (name, value) = {
            switch self {
            case .epsilon(let e): return ("epsilon", e)
            case .eta(let h): return ("eta", h)
            }
        }()
        guard value > 0, value.isFinite, (1 / value).isFinite, 1 / value > 0 else {
            throw OptimalTransportError.invalidParameter(name: name, value: value, requirement: "must be positive and finite (with a finite reciprocal)")
        }
    }
}
