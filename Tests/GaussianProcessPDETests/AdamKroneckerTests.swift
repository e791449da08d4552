import Foundation
import GaussianProcessPDE
import LinearAlgebra
import TestSupport
import XCTest

/// The Adam solver's log joint on tensor grids: value and U-gradient against the explicit dense
/// formulas, hyperparameter and noise gradients against finite differences, and Adam's progress
/// in 2-D.
final class AdamKroneckerTests: XCTestCase {
    /// Small problems of each operator and dimension, with a uniform grid size.
    func problems() throws -> [(PDEProblem, Int)] {
        [
            (try PDEProblem(name: "allencahn2d", pde: .allenCahn, domain: [0...1, 0...1.5], solution: { sin(2 * $0[0] + $0[1]) }, source: { x in
                let u = sin(2 * x[0] + x[1]); return -5 * u + u * (u * u - 1)
            }), 5),
            (try PDEProblem(name: "advection", pde: .advection(beta: 3), domain: [0...2, 0...1],
                            solution: { sin($0[0] - 3 * $0[1]) }, source: { _ in 0 }), 5),
            (try PDEProblem(name: "poisson3d", pde: .poisson, domain: [0...1, 0...1, 0...1],
                            solution: { sin($0[0]) * sin($0[1]) * sin($0[2]) }, source: { -3 * sin($0[0]) * sin($0[1]) * sin($0[2]) }), 4),
        ]
    }

    /// `L = ½ log|K| + ½ UᵀK⁻¹U − λ(½ N_b log τ₁ − ½ τ₁‖U_b − g‖²) − (½ N log τ₂ − ½ τ₂‖R‖²)` with
    /// `R = A K⁻¹ U + N(U) − f` and `∂L/∂U = α + τ₂ (K⁻¹AᵀR + N'(U) ∘ R) + λτ₁(U_b − g)`, every
    /// matrix formed explicitly (`A = Σ_k c_k ⊗(K_j for j ≠ k, D_k at k)`).
    func testValueAndGradientInUEqualTheDenseFormulas() throws {
        let options = GPPDEOptions(components: 2, jitter: 1e-4, boundaryWeight: 3)
        for (p, size) in try problems() {
            var g = Xoshiro256StarStar(seed: 11)
            let d = p.dimension
            let grids = try p.domain.map { try Grid1D(lower: $0.lowerBound, upper: $0.upperBound, count: size) }
            let kernels = try randomKernels(d, &g)
            let n = Int(pow(Double(size), Double(d)))
            let kj = try (0..<d).map { try kernels[$0].gram(grid: grids[$0], derivative: 0, jitter: options.jitter * kernels[$0].value(0)) }
            let kFull = Kronecker.product(kj)
            // U = K c for random c: values a GP of this kernel could take (moderate K⁻¹U).
            let u = try kFull.multiplied(by: (0..<n).map { _ in g.double(in: -1...1) })
            let (t1, t2) = (g.double(in: -1...1), g.double(in: -1...1))
            let e = try AdamGPSolver(options: options, steps: 1).objective(p, gridSize: size, kernels: kernels, values: u, logTau1: t1, logTau2: t2)

            let chol = try Cholesky(kFull)
            let alpha = try chol.solve(u)
            let aFull = try DenseOperatorOracle.operatorMatrix(p.pde, grids: grids, kernels: kernels, jittered: kj)
            let points = Array(GridPointsForTests(grids))
            let au = try aFull.multiplied(by: alpha)
            let ac = p.pde == .allenCahn
            let r = (0..<n).map { au[$0] + (ac ? u[$0] * (u[$0] * u[$0] - 1) : 0) - p.source(points[$0]) }
            let onBoundary = points.map { x in zip(x, grids).contains { $0 == $1.lower || $0 == $1.upper } }
            let nb = Double(onBoundary.filter { $0 }.count)
            var bsq = 0.0
            for i in 0..<n where onBoundary[i] { bsq += pow(u[i] - p.boundary(points[i]), 2) }
            let lambda = options.boundaryWeight
            let expected = 0.5 * chol.logDeterminant + 0.5 * (try BLAS.dot(u, alpha)) - lambda * (0.5 * nb * t1 - 0.5 * exp(t1) * bsq)
                - (0.5 * Double(n) * t2 - 0.5 * exp(t2) * (try BLAS.dot(r, r)))
            XCTAssertEqual(e.value, expected, accuracy: 1e-9 * max(1, abs(expected)), p.name)
            XCTAssertLessThan(maxDifference(e.alpha, alpha), 1e-8 * (1 + alpha.map(abs).max()!), p.name)

            let atr = try chol.solve(try aFull.transposed.multiplied(by: r))
            var gradU = (0..<n).map { alpha[$0] + exp(t2) * (atr[$0] + (ac ? (3 * u[$0] * u[$0] - 1) : 0) * r[$0]) }
            for i in 0..<n where onBoundary[i] { gradU[i] += lambda * exp(t1) * (u[i] - p.boundary(points[i])) }
            XCTAssertLessThan(maxDifference(e.gradU, gradU), 1e-8 * (1 + gradU.map(abs).max()!), p.name)
            XCTAssertEqual(e.gradLogTau1, -0.5 * lambda * nb + 0.5 * lambda * exp(t1) * bsq, accuracy: 1e-9 * max(1, lambda * exp(t1) * bsq))
            XCTAssertEqual(e.gradLogTau2, -0.5 * Double(n) + 0.5 * exp(t2) * (try BLAS.dot(r, r)), accuracy: 1e-8 * max(1, exp(t2) * (try BLAS.dot(r, r))))
        }
    }

    /// The gradient in every axis's kernel parameters against central differences of the value
    /// (jitters held fixed, as in the solver).
    func testHyperparameterGradientsMatchFiniteDifferences() throws {
        let options = GPPDEOptions(components: 2, jitter: 1e-3, boundaryWeight: 2)
        for (p, size) in try problems() {
            var g = Xoshiro256StarStar(seed: 12)
            let d = p.dimension
            let kernels = try randomKernels(d, &g)
            let jitters = kernels.map { options.jitter * $0.value(0) }
            let n = Int(pow(Double(size), Double(d)))
            let u = (0..<n).map { _ in g.double(in: -1...1) }
            let solver = AdamGPSolver(options: options, steps: 1)
            func value(_ ks: [SpectralKernel]) throws -> Double {
                try solver.objective(p, gridSize: size, kernels: ks, values: u, logTau1: 0.3, logTau2: -0.2, jitters: jitters).value
            }
            let e = try solver.objective(p, gridSize: size, kernels: kernels, values: u, logTau1: 0.3, logTau2: -0.2, jitters: jitters)
            XCTAssertEqual(e.gradTheta.count, kernels.reduce(0) { $0 + $1.parameterCount })
            var offset = 0
            // Central differences at h and h/2, Richardson-extrapolated (error O(h⁴)): values here
            // reach 2e4, so a plain difference with a tiny h is dominated by round-off.
            func central(_ k: Int, _ j: Int, _ h: Double) throws -> Double {
                var kp = kernels, km = kernels
                var t = kernels[k].parameters
                t[j] += h; kp[k].parameters = t
                t[j] -= 2 * h; km[k].parameters = t
                return (try value(kp) - value(km)) / (2 * h)
            }
            for k in 0..<d {
                for j in 0..<kernels[k].parameterCount {
                    let h = 2e-3
                    let fd = (4 * (try central(k, j, h / 2)) - (try central(k, j, h))) / 3
                    XCTAssertEqual(e.gradTheta[offset + j], fd, accuracy: 1e-6 * max(1, abs(fd)), "\(p.name) axis \(k) θ[\(j)]")
                }
                offset += kernels[k].parameterCount
            }
        }
    }

    /// Adam on a small 2-D Poisson problem: the objective and the test error go down.
    func testAdamInTwoDimensionsDecreasesTheObjective() throws {
        let p = try PDEProblem(name: "adam2d", pde: .poisson, domain: [0...2, 0...2],
                               solution: { sin($0[0]) * sin($0[1]) }, source: { -2 * sin($0[0]) * sin($0[1]) })
        let options = GPPDEOptions(components: 3, initialization: .reference, frequencyScale: 1)
        let s = try AdamGPSolver(options: options, steps: 150, recordEvery: 50).solve(p, gridSize: 12)
        XCTAssertEqual(s.history.map(\.iteration), [50, 100, 150])
        XCTAssertEqual(s.kernels.count, 2)
        XCTAssertEqual(s.values.count, 144)
        XCTAssertLessThan(s.history.last!.objective, s.history.first!.objective)
        XCTAssertLessThan(s.history.last!.testError!, s.history.first!.testError!)
    }
}
