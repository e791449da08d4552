import XCTest
@testable import GaussianProcessPDE
import LinearAlgebra

/// The coarse space of the two-dimensional Euclidean preconditioner.
final class OutlierDeflationTests: XCTestCase {
    /// The Poisson sum case on 95² with the periodogram start: the grid is fine enough for the
    /// per-axis outliers to appear (five per axis; the spectral preconditioner alone needed about
    /// 11,000 CG iterations here).
    func model() throws -> KroneckerModel {
        let problem = try PDEBenchmark.poisson2dSin6xCos20x.problem()
        let options = GPPDEOptions(frequencyScale: PDEBenchmark.poisson2dSin6xCos20x.frequencyScale)
        let grids = try problem.domain.map { try Grid1D(lower: $0.lowerBound, upper: $0.upperBound, count: 95) }
        let data = try GridData(problem, grids)
        let kernels = try options.startingKernels(grids: grids, data: data)
        return try KroneckerModel(problem: problem, grids: grids, kernels: kernels, options: options, source: data.source, boundaryData: data.boundaryData)
    }

    /// `sᵀ(ZᵀAZ)s`, from the structured assembly's Cholesky factor, equals `(Zs)ᵀA(Zs)` with `A`
    /// applied as the Gauss–Newton operator itself.
    func testCoarseMatrixIsTheSystemOnTheCoarseSpace() throws {
        let m = try model()
        let deflation = try XCTUnwrap(m.deflation)
        // Five outliers per axis (the figure the solver-design article quotes), and the coarse
        // space of size r₀n₁ + (n₀ − r₀)r₁.
        XCTAssertEqual(deflation.u0.columns, 5)
        XCTAssertEqual(deflation.u1.columns, 5)
        XCTAssertEqual(deflation.dimension, 5 * 95 + 90 * 5)
        var generator = SplitMix64(seed: 7)
        for _ in 0..<3 {
            let s = (0..<deflation.dimension).map { _ in Double.random(in: -1...1, using: &generator) }
            var z = [Double](repeating: 0, count: m.unknowns)
            deflation.prolong(s, into: &z)
            let c = m.transform(z, nil, inverse: true).0
            let exact = zip(c, m.applySystem(c, nil)).reduce(0) { $0 + $1.0 * $1.1 }
            let lts = try deflation.coarse.factor.multiplied(by: s, transposed: true)
            let assembled = lts.reduce(0) { $0 + $1 * $1 }
            XCTAssertEqual(assembled, exact, accuracy: 1e-9 * exact)
        }
    }

    /// With the coarse space, the Euclidean Gauss–Newton system meets its 1e-12 tolerance in a few
    /// dozen iterations, and the solution zeroes the objective's gradient.
    func testDeflatedSolveConverges() throws {
        let m = try model()
        m.maxCGIterations = 200
        let (c, _) = try m.solve(maxSteps: 1)
        let report = try XCTUnwrap(m.lastSolve)
        XCTAssertTrue(report.converged, "\(report)")
        XCTAssertLessThan(m.linearSolves.iterations, 100)
        let g0 = try m.gradient(at: [Double](repeating: 0, count: m.unknowns))
        let g = try m.gradient(at: c)
        let norm = { (v: [Double]) in v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        XCTAssertLessThan(norm(g) / norm(g0), 1e-8)
    }

    /// u = sin(20x) sin(20y) on [0, 2π]², 100² (the quick bench's 2-D case): eigenvalue sums come
    /// close to zero here, which must not switch the coarse space off.
    func testProductCaseKeepsItsCoarseSpace() throws {
        let problem = try PDEProblem(name: "product", pde: .poisson, domain: [0...(2 * .pi), 0...(2 * .pi)],
                                     solution: { sin(20 * $0[0]) * sin(20 * $0[1]) }, source: { -800 * sin(20 * $0[0]) * sin(20 * $0[1]) })
        var solver = FastGPSolver(options: GPPDEOptions(frequencyScale: 5))
        solver.linearIterationCap = 1000
        let s = try solver.solve(problem, gridSize: 100)
        XCTAssertTrue(s.converged)
        XCTAssertEqual(s.linearSolves.unconverged, 0)
        XCTAssertLessThan(s.linearSolves.iterations, 300)
    }
}
