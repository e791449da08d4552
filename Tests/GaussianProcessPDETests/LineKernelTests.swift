import XCTest
@testable import GaussianProcessPDE
import LinearAlgebra
import TestSupport

/// Axis kernels learned on 1-D line problems.
final class LineKernelTests: XCTestCase {
    /// u = sin(3x) · sin(2y) on [0, π]²: the source's most energetic line along x is the grid row
    /// nearest y = π/4 (where |sin 2y| peaks). Each axis's learned kernel is the 1-D solver's on
    /// the line problem built by hand from that row.
    func testLineKernelsAreTheOneDimensionalFitsOnTheMostEnergeticLines() throws {
        let n = 25
        let problem = try PDEProblem(name: "product", pde: .poisson, domain: [0...Double.pi, 0...Double.pi],
                                     solution: { sin(3 * $0[0]) * sin(2 * $0[1]) }, source: { -13 * sin(3 * $0[0]) * sin(2 * $0[1]) })
        var solver = FastGPSolver(options: GPPDEOptions(components: 4))
        solver.lineHyperparameterIterations = 5
        let grid = try Grid1D(lower: 0, upper: .pi, count: n)
        let grids = [grid, grid]
        let kernels = try XCTUnwrap(try solver.lineKernels(problem, grids, try GridData(problem, grids)))
        // Along x the best line fixes y at the grid point maximizing sin²(2y), and along y the one
        // maximizing sin²(3x).
        let yStar = grid.points.max { pow(sin(2 * $0), 2) < pow(sin(2 * $1), 2) }!
        let xStar = grid.points.max { pow(sin(3 * $0), 2) < pow(sin(3 * $1), 2) }!
        for (axis, fixed) in [(0, yStar), (1, xStar)] {
            let line = try PDEProblem(name: "line", pde: .poisson, domain: [0...Double.pi], source: { x in
                var p = [fixed, fixed]; p[axis] = x[0]; return problem.source(p)
            }, boundary: { x in var p = [fixed, fixed]; p[axis] = x[0]; return problem.boundary(p) })
            let expected = try FastGPSolver(options: solver.options, hyperparameterIterations: 5, recordTestError: false).solve(line, gridSize: n)
            assertClose(kernels[axis].parameters, expected.kernels[0].parameters, tolerance: 1e-12)
        }
        // A first-order operator has no line problem: the periodogram start is kept.
        let advection = try PDEProblem(name: "advection", pde: .advection(beta: 2), domain: [0...1, 0...1],
                                       solution: { sin($0[0] - 2 * $0[1]) }, source: { _ in 0 })
        XCTAssertNil(try solver.lineKernels(advection, grids, try GridData(advection, grids)))
    }

    func testNegativeLineIterationsThrow() throws {
        var solver = FastGPSolver()
        solver.lineHyperparameterIterations = -1
        let problem = try PDEBenchmark.poisson2dSin6xCos20x.problem()
        assertThrows(["FastGPSolver.solve", "lineHyperparameterIterations"]) { _ = try solver.solve(problem, gridSize: 10) }
    }
}
