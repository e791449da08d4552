import Foundation
import GaussianProcessPDE
import LinearAlgebra
import TestSupport
import XCTest

/// The d-dimensional Kronecker solver against explicit dense products on small grids.
final class KroneckerSolverTests: XCTestCase {
    /// Small problems of each operator and dimension (manufactured solutions).
    func problems() throws -> [(PDEProblem, [Int])] {
        [
            (try PDEProblem(name: "poisson2d", pde: .poisson, domain: [0...1, 0...2],
                            solution: { sin(2 * $0[0]) * cos($0[1]) }, source: { -5 * sin(2 * $0[0]) * cos($0[1]) }), [5, 4]),
            (try PDEProblem(name: "allencahn2d", pde: .allenCahn, domain: [0...1, 0...1], solution: { sin(2 * $0[0] + $0[1]) }, source: { x in
                let u = sin(2 * x[0] + x[1]); return -5 * u + u * (u * u - 1)
            }), [4, 5]),
            (try PDEProblem(name: "advection", pde: .advection(beta: 3), domain: [0...2, 0...1],
                            solution: { sin($0[0] - 3 * $0[1]) }, source: { _ in 0 }), [5, 4]),
            (try PDEProblem(name: "poisson3d", pde: .poisson, domain: [0...1, 0...1, 0...1],
                            solution: { sin($0[0]) * sin($0[1]) * sin($0[2]) }, source: { -3 * sin($0[0]) * sin($0[1]) * sin($0[2]) }), [4, 3, 4]),
        ]
    }

    /// The model's objective equals the dense formula
    /// `½ log|K| + ½ αᵀKα + ½ ρ‖u_b − g‖² + ½ τ₂ RᵀR`, `R = Aα + N(u) − f`, `u = K_true α`,
    /// evaluated with explicit Kronecker products; and the solver's U satisfies its normal
    /// equations (the gradient vanishes).
    func testObjectiveEqualsTheExplicitProductAndSolutionIsStationary() throws {
        let options = GPPDEOptions(components: 3, jitter: 1e-4, logTauBoundary: 4, logTauEquation: 4, boundaryWeight: 2)
        for (p, sizes) in try problems() {
            var g = Xoshiro256StarStar(seed: 5)
            let (grids, kernels, model) = try randomModel(p, sizes, options, &g)
            let n = model.unknowns
            let c = (0..<n).map { _ in g.double(in: -1...1) }

            // Dense pieces. Jitter: the same relative rule as the model (no escalation needed here).
            let jit = kernels.map { options.jitter * $0.value(0) }
            let kj = try (0..<grids.count).map { try kernels[$0].gram(grid: grids[$0], derivative: 0, jitter: jit[$0]) }
            let kt = try (0..<grids.count).map { try kernels[$0].gram(grid: grids[$0], derivative: 0) }
            let chols = try kj.map { try Cholesky($0) }
            let lFull = Kronecker.product(chols.map(\.factor))
            var alphaM = try Matrix(rows: n, columns: 1, elements: c)
            try BLAS.trsm(lFull, lower: true, transpose: true, &alphaM)
            let alpha = alphaM.elements
            let kFull = Kronecker.product(kj)
            let kTrue = Kronecker.product(kt)
            let aFull = try DenseOperatorOracle.operatorMatrix(p.pde, grids: grids, kernels: kernels, jittered: kj)
            let u = try kTrue.multiplied(by: alpha)
            let points = Array(GridPointsForTests(grids))
            let f = points.map(p.source)
            let au = try aFull.multiplied(by: alpha)
            let r = (0..<n).map { i -> Double in
                let nl = p.pde == .allenCahn ? u[i] * (u[i] * u[i] - 1) : 0
                return au[i] + nl - f[i]
            }
            var boundary = 0.0
            for (i, x) in points.enumerated() where zip(x, grids).contains(where: { $0 == $1.lower || $0 == $1.upper }) {
                boundary += (u[i] - p.boundary(x)) * (u[i] - p.boundary(x))
            }
            let rho = options.boundaryWeight * exp(options.logTauBoundary), tau2 = exp(options.logTauEquation)
            let logDet = try Cholesky(kFull).logDeterminant
            let quad = try BLAS.dot(alpha, try kFull.multiplied(by: alpha))
            let expected = 0.5 * logDet + 0.5 * quad + 0.5 * rho * boundary + 0.5 * tau2 * (try BLAS.dot(r, r))
            XCTAssertEqual(try model.objective(at: c), expected, accuracy: 1e-8 * abs(expected), p.name)

            // Normal equations at the minimizer: the gradient vanishes relative to its size at 0.
            let cStar = try model.minimize()
            let g0 = try model.gradient(at: [Double](repeating: 0, count: n)).map(abs).max()!
            XCTAssertLessThan(try model.gradient(at: cStar).map(abs).max()!, 1e-8 * g0, p.name)
            XCTAssertLessThan(try model.objective(at: cStar), try model.objective(at: c), p.name)
        }
    }

    /// With the spectral residual metric the preconditioner (eigenbasis solve plus the Woodbury
    /// boundary correction, computed from boundary rows only) is the exact inverse of a linear
    /// problem's system: CG stops after one iteration at a stationary point, in 2-D (real and
    /// complex eigenbases) and 3-D.
    func testSpectralMetricIsSolvedExactlyByThePreconditioner() throws {
        var options = GPPDEOptions(components: 3, jitter: 1e-4, logTauBoundary: 4, logTauEquation: 4, boundaryWeight: 2)
        options.residualMetric = .spectral
        for (p, sizes) in try problems() where p.pde != .allenCahn {
            var g = Xoshiro256StarStar(seed: 8)
            let (_, _, model) = try randomModel(p, sizes, options, &g)
            let c = try model.minimize(maxSteps: 1)
            XCTAssertLessThanOrEqual(model.cgIterations, 1, p.name)
            let g0 = try model.gradient(at: [Double](repeating: 0, count: model.unknowns)).map(abs).max()!
            XCTAssertLessThan(try model.gradient(at: c).map(abs).max()!, 1e-9 * g0, p.name)
        }
    }

    /// `coefficients(fitting:ridges:)` solves `(EᵀE + εI)c = Eᵀu` with `E = ⊗K_k L_k⁻ᵀ` formed
    /// explicitly (real and complex-eigenbasis problems alike: the fit does not depend on the PDE).
    func testRidgeFitSolvesItsNormalEquations() throws {
        let options = GPPDEOptions(components: 3, jitter: 1e-4)
        for (p, sizes) in try problems().prefix(3) {
            var g = Xoshiro256StarStar(seed: 9)
            let (grids, kernels, model) = try randomModel(p, sizes, options, &g)
            let n = model.unknowns
            let u = (0..<n).map { _ in g.double(in: -1...1) }
            let ridges = [1e-2, 1e-6]
            let fits = try model.coefficients(fitting: u, ridges: ridges)
            let e = try Kronecker.product((0..<grids.count).map { k in
                let chol = try Cholesky(kernels[k].gram(grid: grids[k], derivative: 0, jitter: options.jitter * kernels[k].value(0)))
                var ek = try kernels[k].gram(grid: grids[k], derivative: 0)
                try BLAS.trsm(chol.factor, lower: true, transpose: true, side: .right, &ek)
                return ek
            })
            let etu = try e.multiplied(by: u, transposed: true)
            for (eps, c) in zip(ridges, fits) {
                let ec = try e.multiplied(by: c)
                let lhs = try e.multiplied(by: ec, transposed: true)
                let residual = (0..<n).map { lhs[$0] + eps * c[$0] - etu[$0] }
                XCTAssertLessThan(residual.map(abs).max()!, 1e-8 * etu.map(abs).max()!, "\(p.name) ε = \(eps)")
                XCTAssertLessThan(maxDifference(try model.values(at: c), ec), 1e-10 * (1 + ec.map(abs).max()!))
            }
            assertThrows(["ridge"]) { try model.coefficients(fitting: u, ridges: [0]) }
            assertThrows(["values for \(n) grid points"]) { try model.coefficients(fitting: [1, 2], ridges: [1]) }
        }
    }

    /// Nested iteration: on a grid where PCG converges, a start from a coarser grid's model reaches
    /// the same minimizer as the start from zero; steps and iterations count both grids.
    func testCoarseStartReachesTheSameMinimizer() throws {
        let p = try problems()[0].0
        // A well-conditioned model (large nugget, small precisions), so that PCG really converges.
        var solver = FastGPSolver(options: GPPDEOptions(components: 3, jitter: 1e-2, logTauBoundary: 2, logTauEquation: 2), recordTestError: false)
        solver.linearIterationCap = 5000
        let direct = try solver.solve(p, gridSize: 16)
        solver.coarseStart = .init(gridSize: 8, linearIterationCap: 5000, gaussNewtonIterations: 1)
        let nested = try solver.solve(p, gridSize: 16)
        XCTAssertEqual(nested.iterations, 2)
        let (a, b) = (direct.history.last!.objective, nested.history.last!.objective)
        XCTAssertEqual(b, a, accuracy: 1e-12 * abs(a))
        XCTAssertLessThan(maxDifference(nested.values, direct.values), 1e-8 * (1 + direct.values.map(abs).max()!))
        solver.coarseStart = .init(gridSize: 16, linearIterationCap: 10, gaussNewtonIterations: 1)
        assertThrows(["coarseStart"]) { try solver.solve(p, gridSize: 16) }
    }

    /// L-BFGS on the hyperparameters in 2-D lowers the profiled objective below the data-driven
    /// start's (a well-conditioned model, so each inner solve converges), and reports its iterations.
    func testKroneckerHyperparameterFitLowersTheObjective() throws {
        for (p, _) in try problems().prefix(3) {
            var solver = FastGPSolver(options: GPPDEOptions(components: 3, jitter: 1e-2, logTauBoundary: 2, logTauEquation: 2), recordTestError: false)
            solver.linearIterationCap = 5000
            let start = try solver.solve(p, gridSize: 12)
            solver.kroneckerHyperparameterIterations = 3
            let fitted = try solver.solve(p, gridSize: 12)
            XCTAssertLessThanOrEqual(fitted.iterations, 3, p.name)
            XCTAssertGreaterThan(fitted.iterations, 0, p.name)
            XCTAssertLessThan(fitted.history.last!.objective, start.history.last!.objective, p.name)
            XCTAssertNotEqual(fitted.kernels.flatMap(\.parameters), start.kernels.flatMap(\.parameters), p.name)
        }
    }

    /// Prediction on a grid (one sweep per axis) equals the explicit product `(⊗K*_k) A` and the
    /// pointwise prediction.
    func testPredictionEqualsTheExplicitProduct() throws {
        let (p, sizes) = try problems()[3]
        let s = try FastGPSolver(options: GPPDEOptions(components: 2), recordTestError: false).solve(p, gridSize: sizes.max()!)
        let axes: [[Double]] = [[0.1, 0.5, 0.93], [0.2, 0.77], [0.05, 0.4, 0.6, 0.99]]
        let cross = try (0..<3).map { try s.kernels[$0].cross(points: axes[$0], grid: s.grids[$0]) }
        let explicit = try Kronecker.product(cross).multiplied(by: s.coefficients)
        let viaGrid = try s.predict(onGrid: axes)
        var pointwise: [[Double]] = []
        for a in axes[0] { for b in axes[1] { for c in axes[2] { pointwise.append([a, b, c]) } } }
        let viaPoints = try s.predict(pointwise)
        for i in 0..<explicit.count {
            XCTAssertEqual(viaGrid[i], explicit[i], accuracy: 1e-10 * max(1, abs(explicit[i])))
            XCTAssertEqual(viaPoints[i], explicit[i], accuracy: 1e-10 * max(1, abs(explicit[i])))
        }
        assertThrows(["2 coordinates for a 3-D solution"]) { try s.predict([[0.1, 0.2]]) }
        assertThrows(["prediction point"]) { try s.predict([[0.1, .nan, 0.2]]) }
    }

    /// A high-frequency 2-D Poisson problem: the Kronecker solver with the periodogram start.
    func testTwoDimensionalHighFrequencyPoisson() throws {
        let p = try PDEProblem(name: "sin40", pde: .poisson, domain: [0...(2 * .pi), 0...(2 * .pi)],
                               solution: { sin(40 * $0[0]) * sin(40 * $0[1]) }, source: { -3200 * sin(40 * $0[0]) * sin(40 * $0[1]) })
        let s = try FastGPSolver().solve(p, gridSize: 160)
        XCTAssertLessThanOrEqual(try s.relativeError(exact: p.solution!, pointsPerDimension: 120), 1e-3)
    }
}

/// Grid points in `vec` order (last axis fastest), for the dense reference computations.
struct GridPointsForTests: Sequence {
    let grids: [Grid1D]
    init(_ grids: [Grid1D]) { self.grids = grids }
    func makeIterator() -> IndexingIterator<[[Double]]> {
        var out: [[Double]] = [[]]
        for g in grids { out = out.flatMap { prefix in g.points.map { prefix + [$0] } } }
        return out.makeIterator()
    }
}

/// Random small problems through the public solvers: finite results, the prediction on the grid
/// equals `U − jitter·A` in 1-D, and the Kronecker solution is stationary.
final class GaussianProcessPDEPropertyTests: XCTestCase {
    func testRandomProblemsGiveStationaryFiniteSolutions() throws {
        forAll(cases: 8) { g, _ in
            let d = g.int(in: 1...2)
            let a = g.double(in: 0.5...3), b = g.double(in: 0.5...3), lo = g.double(in: -1...1)
            let domain = (0..<d).map { _ in lo...(lo + g.double(in: 1...3)) }
            let pdeChoice = g.int(in: 0...(d == 2 ? 2 : 1))
            let pde: PDEOperator = pdeChoice == 0 ? .poisson : pdeChoice == 1 ? .allenCahn : .advection(beta: g.double(in: 0.5...2))
            let p = try PDEProblem(name: "random", pde: pde, domain: domain, source: { x in sin(a * x[0]) + (x.count > 1 ? cos(b * x[1]) : 0) },
                                   boundary: { x in cos(b * x[0]) })
            let n = g.int(in: 5...12)
            let options = GPPDEOptions(components: g.int(in: 1...4), jitter: 1e-4, logTauBoundary: 4, logTauEquation: 4)
            let s = try FastGPSolver(options: options, hyperparameterIterations: d == 1 ? 2 : 0, recordTestError: false).solve(p, gridSize: n)
            XCTAssertTrue(s.values.allSatisfy(\.isFinite) && s.coefficients.allSatisfy(\.isFinite))
            let mid = try s.predict([domain.map { ($0.lowerBound + $0.upperBound) / 2 }])
            XCTAssertTrue(mid[0].isFinite)
            if d == 2 {
                let grids = try domain.map { try Grid1D(lower: $0.lowerBound, upper: $0.upperBound, count: n) }
                let model = try KroneckerModel(problem: p, grids: grids, kernels: s.kernels, options: options)
                let c = try model.minimize()
                let g0 = try model.gradient(at: [Double](repeating: 0, count: model.unknowns)).map(abs).max()!
                XCTAssertLessThan(try model.gradient(at: c).map(abs).max()!, 1e-7 * max(g0, 1))
                XCTAssertLessThan(maxDifference(try model.values(at: c), s.values), 1e-6 * (1 + s.values.map(abs).max()!))
            }
        }
    }
}

/// Two-component Gaussian-mixture kernels with random parameters, one per axis (well-conditioned
/// on the small test grids).
func randomKernels(_ count: Int, _ g: inout Xoshiro256StarStar) throws -> [SpectralKernel] {
    try (0..<count).map { _ in
        try SpectralKernel(family: .gaussianMixture, logWeights: (0..<2).map { _ in g.double(in: -1...0) },
                           logScales: (0..<2).map { _ in g.double(in: -1...0.5) }, frequencies: (0..<2).map { _ in g.double(in: 0...0.6) })
    }
}

/// Grids of the given sizes over the problem's domain, random kernels on them, and the model.
func randomModel(_ p: PDEProblem, _ sizes: [Int], _ options: GPPDEOptions,
                 _ g: inout Xoshiro256StarStar) throws -> ([Grid1D], [SpectralKernel], KroneckerModel) {
    let grids = try zip(p.domain, sizes).map { try Grid1D(lower: $0.lowerBound, upper: $0.upperBound, count: $1) }
    let kernels = try randomKernels(grids.count, &g)
    return (grids, kernels, try KroneckerModel(problem: p, grids: grids, kernels: kernels, options: options))
}
