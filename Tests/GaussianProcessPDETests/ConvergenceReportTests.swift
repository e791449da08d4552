import Foundation
import GaussianProcessPDE
import LinearAlgebra
import TestSupport
import XCTest

/// The GP solvers say whether their solve for U converged and report every linear solve.
final class ConvergenceReportTests: XCTestCase {
    func smooth2D() throws -> PDEProblem {
        try PDEProblem(name: "smooth", pde: .poisson, domain: [0...1, 0...1],
                       source: { x in -2 * Double.pi * Double.pi * sin(Double.pi * x[0]) * sin(Double.pi * x[1]) },
                       boundary: { x in sin(Double.pi * x[0]) * sin(Double.pi * x[1]) })
    }

    func testOneDimensionalSolvesAreExactAndConverged() throws {
        let problem = try PDEProblem(name: "sin", pde: .poisson, domain: [0...1],
                                     source: { x in -4 * Double.pi * Double.pi * sin(2 * Double.pi * x[0]) },
                                     boundary: { x in sin(2 * Double.pi * x[0]) })
        let s = try FastGPSolver(hyperparameterIterations: 3).solve(problem, gridSize: 40)
        XCTAssertTrue(s.converged, "\(s.convergence)")
        XCTAssertGreaterThan(s.linearSolves.count, 0)
        XCTAssertTrue(s.linearSolves.converged)
        XCTAssertNotNil(s.hyperparameterFit)
        XCTAssertEqual(s.hyperparameterFit?.iterations, s.iterations)
    }

    /// A PCG cap far too small for the Gauss–Newton system: the solution says so, and
    /// `requireConverged` turns it into an error naming the routine.
    func testAKroneckerSolveStoppedAtItsCapIsReportedNotConverged() throws {
        var solver = FastGPSolver(options: GPPDEOptions(components: 3), hyperparameterIterations: 0)
        solver.linearIterationCap = 2
        let s = try solver.solve(try smooth2D(), gridSize: 16)
        XCTAssertFalse(s.converged)
        XCTAssertGreaterThan(s.linearSolves.unconverged, 0)
        XCTAssertGreaterThan(s.convergence.criterion, s.convergence.tolerance)
        assertThrows(["FastGPSolver.solve", "did not converge"]) { try s.requireConverged("FastGPSolver.solve") }
        // With the spectral metric the preconditioner is the exact inverse: the system converges
        // at once and the solution reports success.
        var exact = solver
        exact.options.residualMetric = .spectral
        exact.linearIterationCap = 50
        let ok = try exact.solve(try smooth2D(), gridSize: 16)
        XCTAssertTrue(ok.converged, "\(ok.convergence)")
        XCTAssertEqual(ok.linearSolves.unconverged, 0)
        XCTAssertLessThanOrEqual(ok.convergence.criterion, ok.convergence.tolerance * 10)
        XCTAssertNoThrow(try ok.requireConverged("FastGPSolver.solve"))
    }

    func testAdamRunsABudgetAndNeverClaimsConvergence() throws {
        let s = try AdamGPSolver(options: GPPDEOptions(components: 3), steps: 5).solve(try smooth2D(), gridSize: 8)
        XCTAssertFalse(s.converged)
        XCTAssertEqual(s.convergence.iterations, 5)
        XCTAssertEqual(s.linearSolves.count, 0)
    }
}
