import LinearAlgebra
import TestSupport
import XCTest

final class KroneckerTests: XCTestCase {
    func testMultiplyMatchesExplicitProduct() throws {
        forAll(cases: 25) { g, _ in
            let k = g.int(in: 1...4)
            let factors = (0..<k).map { _ in
                Matrix.randomNormal(rows: g.int(in: 1...4), columns: g.int(in: 1...4), using: &g)
            }
            let x = RandomSampling.standardNormals(count: factors.reduce(1) { $0 * $1.columns }, using: &g)
            let explicit = try Kronecker.product(factors).multiplied(by: x)
            let fast = try Kronecker.multiply(factors, x)
            XCTAssertLessThan(maxDifference(fast, explicit), 1e-11)
        }
    }

    func testVecIdentity() throws {
        // (A ⊗ B) vec(X) = vec(B X Aᵀ)
        var g = Xoshiro256StarStar(seed: 8)
        let a = Matrix.randomNormal(rows: 3, columns: 4, using: &g)
        let b = Matrix.randomNormal(rows: 2, columns: 5, using: &g)
        let x = Matrix.randomNormal(rows: 5, columns: 4, using: &g)
        let bxat = try b.multiplied(by: try x.multiplied(by: a, transposeOther: true))
        assertClose(try Kronecker.multiply([a, b], x.elements), bxat.elements, tolerance: 1e-12)
    }

    func testLogDeterminant() throws {
        var g = Xoshiro256StarStar(seed: 9)
        let factors = try [3, 2, 4].map { n -> Matrix in
            let b = Matrix.randomNormal(rows: n, columns: n, using: &g)
            var a = try b.multiplied(by: b, transposeOther: true)
            a.addToDiagonal(1)
            return a
        }
        let explicit = try Cholesky(Kronecker.product(factors)).logDeterminant
        XCTAssertEqual(try Kronecker.logDeterminant(ofPositiveDefinite: factors), explicit, accuracy: 1e-10 * abs(explicit))
        assertThrows(["Kronecker.logDeterminant", "2 log-determinants for 3 factors"]) {
            try Kronecker.logDeterminant(factorLogDeterminants: [1, 2], orders: [1, 2, 3])
        }
    }

    func testKroneckerSumSolverMatchesFixtureAndResidual() throws {
        let f = try Fixture.load("linalg.json").object("kroneckerSum")
        let a = try f.matrix("a"), b = try f.matrix("b")
        let solver = try KroneckerSumSolver(factors: [a, b])
        let x = try solver.solve(try f.vector("rhs"))
        assertClose(x, try f.vector("solution"), tolerance: 1e-12)
        // Three factors with a shift: residual of the explicit operator.
        var g = Xoshiro256StarStar(seed: 10)
        let fs = try [2, 3, 4].map { n -> Matrix in
            let m = Matrix.randomNormal(rows: n, columns: n, using: &g)
            return try m.adding(m.transposed)
        }
        let shift = 25.0
        let s3 = try KroneckerSumSolver(factors: fs, shift: shift)
        var op = Matrix.identity(24).scaled(by: shift)
        let ids = fs.map { Matrix.identity($0.rows) }
        for t in 0..<3 {
            var parts = ids
            parts[t] = fs[t]
            op = try op.adding(Kronecker.product(parts))
        }
        let c = RandomSampling.standardNormals(count: 24, using: &g)
        let y = try s3.solve(c)
        XCTAssertLessThan(maxDifference(try op.multiplied(by: y), c), 1e-10)
    }

    func testKroneckerErrors() throws {
        assertThrows(["Kronecker.multiply", "factors is empty"]) { try Kronecker.multiply([], [1]) }
        assertThrows(["Kronecker.multiply", "take a vector of 6 entries", "got 5"]) {
            try Kronecker.multiply([Matrix(rows: 2, columns: 2), Matrix(rows: 3, columns: 3)], [1, 2, 3, 4, 5])
        }
        // A ⊗ I + I ⊗ B with A = -B is singular.
        let a = try Matrix(rowsOf: [[1, 0], [0, 2]])
        assertThrows(["KroneckerSumSolver", "singular"]) { try KroneckerSumSolver(factors: [a, a.scaled(by: -1)]) }
        assertThrows(["KroneckerSumSolver", "not symmetric"]) { try KroneckerSumSolver(factors: [try Matrix(rowsOf: [[1, 2], [0, 1]])]) }
        assertThrows(["shift"]) { try KroneckerSumSolver(factors: [a], shift: .nan) }
        let s = try KroneckerSumSolver(factors: [a, a])
        assertThrows(["order 4", "right-hand side 3"]) { try s.solve([1, 2, 3]) }
    }
}
