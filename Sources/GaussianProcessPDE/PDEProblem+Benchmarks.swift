import Foundation

/// The benchmark problems of GP-HM (Fang et al., ICLR 2024), with sources derived by hand.
public enum PDEBenchmark: String, Sendable, CaseIterable {
    /// Poisson 1-D, u = sin(100x) on [0, 2π], 400 points, F = 20.
    case poisson1dSin100x = "poisson1d-sin100x"
    /// Poisson 1-D, u = x sin(200x) on [0, 2π], 900 points, F = 50.
    case poisson1dXSin200x = "poisson1d-xsin200x"
    /// Poisson 1-D, u = sin(6x) cos(100x) on [0, 2π], 400 points, F = 20.
    case poisson1dSin6xCos100x = "poisson1d-sin6xcos100x"
    /// Poisson 1-D, u = sin x + 0.1 sin 20x + 0.05 cos 100x on [0, 1], 900 points, F = 30.
    case poisson1dMultiscale = "poisson1d-multiscale"
    /// Poisson 1-D, u = sin(500x) − 2(x − 0.5)² on [0, 1], 400 points, F = 100.
    case poisson1dSin500x = "poisson1d-sin500x"
    /// Allen–Cahn 1-D, u = sin(100x) on [0, 2π], 400 points, F = 20.
    case allenCahn1dSin100x = "allencahn1d-sin100x"
    /// Allen–Cahn 1-D, u = sin(6x) cos(100x) on [0, 2π], 400 points, F = 20.
    case allenCahn1dSin6xCos100x = "allencahn1d-sin6xcos100x"
    /// Poisson 2-D, u = sin(100x) sin(100y) on [0, 2π]², 400², F = 20.
    case poisson2dSin100xSin100y = "poisson2d-sin100xsin100y"
    /// Poisson 2-D, u = sin(6x) cos(20x) + sin(6y) cos(20y) on [0, 2π]², 200², F = 20.
    case poisson2dSin6xCos20x = "poisson2d-sin6xcos20x"
    /// Allen–Cahn 2-D, u = v(x) v(y), v = sin x + 0.1 sin 20x + cos 100x, on [0, 1]², 400², F = 30.
    case allenCahn2dMultiscale = "allencahn2d-multiscale"
    /// Advection β u_x + u_t = 0, u = sin(x − 200t), x ∈ [0, 2π], t ∈ [0, 1], 200², F = 40.
    case advectionBeta200 = "advection-beta200"

    /// Collocation points per dimension (the paper's grid).
    public var gridSize: Int {
        switch self {
        case .poisson1dXSin200x, .poisson1dMultiscale: return 900
        case .poisson2dSin6xCos20x, .advectionBeta200: return 200
        default: return 400
        }
    }

    /// The reference code's frequency scale F (initial μ grid on [0, F]).
    public var frequencyScale: Double {
        switch self {
        case .poisson1dXSin200x: return 50
        case .poisson1dMultiscale, .allenCahn2dMultiscale: return 30
        case .advectionBeta200: return 40
        case .poisson1dSin500x: return 100
        default: return 20
        }
    }

    /// The authors' logged error (GP-HM-GM, best checkpoint) as reported by Fang et al. (ICLR 2024).
    public var paperError: Double {
        switch self {
        case .poisson1dSin100x: return 4.0e-7
        case .poisson1dXSin200x: return 1.6e-6
        case .poisson1dSin6xCos100x: return 1.5e-6
        case .poisson1dMultiscale, .poisson1dSin500x: return 4e-4
        case .allenCahn1dSin100x: return 7.7e-7
        case .allenCahn1dSin6xCos100x: return 1.5e-6
        case .poisson2dSin100xSin100y: return 6.5e-5
        case .poisson2dSin6xCos20x: return 1.1e-3
        case .allenCahn2dMultiscale: return 2.6e-3
        case .advectionBeta200: return 1.4e-3
        }
    }

    /// The problem.
    public func problem() throws -> PDEProblem {
        let twoPi = 2 * Double.pi
        switch self {
        case .poisson1dSin100x:
            return try PDEProblem(name: rawValue, pde: .poisson, domain: [0...twoPi],
                                  solution: { sin(100 * $0[0]) }, source: { -10_000 * sin(100 * $0[0]) })
        case .poisson1dXSin200x:
            return try PDEProblem(name: rawValue, pde: .poisson, domain: [0...twoPi],
                                  solution: { $0[0] * sin(200 * $0[0]) },
                                  source: { 400 * cos(200 * $0[0]) - 40_000 * $0[0] * sin(200 * $0[0]) })
        case .poisson1dSin6xCos100x:
            return try PDEProblem(name: rawValue, pde: .poisson, domain: [0...twoPi],
                                  solution: { PDEBenchmark.s6c100($0[0]).0 }, source: { PDEBenchmark.s6c100($0[0]).1 })
        case .poisson1dMultiscale:
            return try PDEProblem(name: rawValue, pde: .poisson, domain: [0...1],
                                  solution: { sin($0[0]) + 0.1 * sin(20 * $0[0]) + 0.05 * cos(100 * $0[0]) },
                                  source: { -sin($0[0]) - 40 * sin(20 * $0[0]) - 500 * cos(100 * $0[0]) })
        case .poisson1dSin500x:
            return try PDEProblem(name: rawValue, pde: .poisson, domain: [0...1],
                                  solution: { sin(500 * $0[0]) - 2 * ($0[0] - 0.5) * ($0[0] - 0.5) },
                                  source: { -250_000 * sin(500 * $0[0]) - 4 })
        case .allenCahn1dSin100x:
            return try PDEProblem(name: rawValue, pde: .allenCahn, domain: [0...twoPi], solution: { sin(100 * $0[0]) }, source: {
                let u = sin(100 * $0[0]); return -10_000 * u + u * (u * u - 1)
            })
        case .allenCahn1dSin6xCos100x:
            return try PDEProblem(name: rawValue, pde: .allenCahn, domain: [0...twoPi], solution: { PDEBenchmark.s6c100($0[0]).0 }, source: {
                let (u, uxx) = PDEBenchmark.s6c100($0[0]); return uxx + u * (u * u - 1)
            })
        case .poisson2dSin100xSin100y:
            return try PDEProblem(name: rawValue, pde: .poisson, domain: [0...twoPi, 0...twoPi],
                                  solution: { sin(100 * $0[0]) * sin(100 * $0[1]) },
                                  source: { -20_000 * sin(100 * $0[0]) * sin(100 * $0[1]) })
        case .poisson2dSin6xCos20x:
            return try PDEProblem(name: rawValue, pde: .poisson, domain: [0...twoPi, 0...twoPi],
                                  solution: { sin(6 * $0[0]) * cos(20 * $0[0]) + sin(6 * $0[1]) * cos(20 * $0[1]) },
                                  source: { PDEBenchmark.s6c20($0[0]) + PDEBenchmark.s6c20($0[1]) })
        case .allenCahn2dMultiscale:
            return try PDEProblem(name: rawValue, pde: .allenCahn, domain: [0...1, 0...1], solution: {
                PDEBenchmark.multiscaleFactor($0[0]).0 * PDEBenchmark.multiscaleFactor($0[1]).0
            }, source: {
                let (a, axx) = PDEBenchmark.multiscaleFactor($0[0]), (b, byy) = PDEBenchmark.multiscaleFactor($0[1])
                let u = a * b
                return axx * b + a * byy + u * (u * u - 1)
            })
        case .advectionBeta200:
            return try PDEProblem(name: rawValue, pde: .advection(beta: 200), domain: [0...twoPi, 0...1],
                                  solution: { sin($0[0] - 200 * $0[1]) }, source: { _ in 0 })
        }
    }

    /// `u''` for `u = sin(6x) cos(20x)`: `−436 sin 6x cos 20x − 240 cos 6x sin 20x`.
    static func s6c20(_ x: Double) -> Double { -436 * sin(6 * x) * cos(20 * x) - 240 * cos(6 * x) * sin(20 * x) }

    /// `(v, v'')` for the 2-D Allen–Cahn factor `v = sin x + 0.1 sin 20x + cos 100x`.
    static func multiscaleFactor(_ x: Double) -> (Double, Double) {
        (sin(x) + 0.1 * sin(20 * x) + cos(100 * x), -sin(x) - 40 * sin(20 * x) - 10_000 * cos(100 * x))
    }

    /// `(u, u'')` for `u = sin(6x) cos(100x)`.
    static func s6c100(_ x: Double) -> (Double, Double) {
        let u = sin(6 * x) * cos(100 * x)
        return (u, -10_036 * sin(6 * x) * cos(100 * x) - 1200 * cos(6 * x) * sin(100 * x))
    }
}
