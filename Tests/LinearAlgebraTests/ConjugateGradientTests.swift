import Foundation
import LinearAlgebra
import TestSupport
import XCTest

final class ConjugateGradientTests: XCTestCase {
    func testMatchesDirectSolveOnRandomSPDSystems() throws {
        forAll(cases: 20) { g, _ in
            let n = g.int(in: 1...30)
            let b = Matrix.randomNormal(rows: n, columns: n, using: &g)
            var a = try b.multiplied(by: b, transposeOther: true)
            a.addToDiagonal(1)
            let rhs = RandomSampling.standardNormals(count: n, using: &g)
            let direct = try Cholesky(a).solve(rhs)
            let cg = try ConjugateGradient(tolerance: 1e-12).solve(try MatrixOperator(a), rhs)
            XCTAssertTrue(cg.converged)
            XCTAssertLessThanOrEqual(cg.relativeResidual, 1e-11)
            XCTAssertLessThan(maxDifference(cg.solution, direct), 1e-8 * (1 + direct.map(abs).max()!))
            let pcg = try ConjugateGradient(tolerance: 1e-12).solve(
                try MatrixOperator(a), rhs, preconditioner: try JacobiPreconditioner(diagonal: a.diagonal))
            XCTAssertTrue(pcg.converged)
            XCTAssertLessThan(maxDifference(pcg.solution, direct), 1e-8 * (1 + direct.map(abs).max()!))
        }
    }

    func testJacobiHelpsBadlyScaledDiagonal() throws {
        let n = 200
        let d = (0..<n).map { pow(10.0, Double($0 % 7)) }
        let op = ClosureOperator(dimension: n) { x, y in
            for i in 0..<n { y[i] = d[i] * x[i] + (i > 0 ? 0.1 * x[i - 1] : 0) + (i < n - 1 ? 0.1 * x[i + 1] : 0) }
        }
        let rhs = [Double](repeating: 1, count: n)
        let plain = try ConjugateGradient(tolerance: 1e-10).solve(op, rhs)
        let jacobi = try ConjugateGradient(tolerance: 1e-10).solve(op, rhs, preconditioner: try JacobiPreconditioner(diagonal: d))
        XCTAssertTrue(jacobi.converged)
        XCTAssertLessThan(jacobi.iterations, plain.iterations)
    }

    func testWarmStartAndZeroRightHandSide() throws {
        let a = try Matrix(rowsOf: [[4, 1], [1, 3]])
        let exact = try Cholesky(a).solve([1, 2])
        let warm = try ConjugateGradient().solve(try MatrixOperator(a), [1, 2], initialGuess: exact)
        XCTAssertEqual(warm.iterations, 0)
        let zero = try ConjugateGradient().solve(try MatrixOperator(a), [0, 0])
        XCTAssertEqual(zero.solution, [0, 0])
    }

    func testErrors() throws {
        let indefinite = try MatrixOperator(try Matrix(rowsOf: [[1, 0], [0, -1]]))
        assertThrows(["ConjugateGradient", "not positive definite"]) { try ConjugateGradient().solve(indefinite, [0, 1]) }
        let spd = try MatrixOperator(.identity(2))
        assertThrows(["ConjugateGradient", "b 3"]) { try ConjugateGradient().solve(spd, [1, 2, 3]) }
        assertThrows(["tolerance"]) { try ConjugateGradient(tolerance: 0).solve(spd, [1, 2]) }
        assertThrows(["maxIterations"]) { try ConjugateGradient(maxIterations: 0).solve(spd, [1, 2]) }
        assertThrows(["non-finite", "right-hand side"]) { try ConjugateGradient().solve(spd, [1, .nan]) }
        assertThrows(["JacobiPreconditioner", "diagonal[1]"]) { try JacobiPreconditioner(diagonal: [1, 0]) }
        let nanOp = ClosureOperator(dimension: 2) { _, y in y[0] = .nan; y[1] = .nan }
        assertThrows(["non-finite"]) { try ConjugateGradient().solve(nanOp, [1, 1]) }
        assertThrows(["MatrixOperator", "square"]) { try MatrixOperator(Matrix(rows: 2, columns: 3)) }
    }
}
