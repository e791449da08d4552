import Foundation
import LinearAlgebra
import TestSupport
import XCTest

final class FactorizationTests: XCTestCase {
    func randomSPD(_ n: Int, _ g: inout Xoshiro256StarStar) throws -> Matrix {
        let b = Matrix.randomNormal(rows: n, columns: n, using: &g)
        var a = try b.multiplied(by: b, transposeOther: true)
        a.addToDiagonal(Double(n) * 0.1)
        return a
    }

    func testCholeskyReconstructsAndMatchesFixture() throws {
        forAll(cases: 15) { g, _ in
            let n = g.int(in: 1...12)
            let a = try randomSPD(n, &g)
            let c = try Cholesky(a)
            XCTAssertEqual(c.jitter, 0)
            let llt = try c.factor.multiplied(by: c.factor, transposeOther: true)
            XCTAssertLessThan(maxDifference(llt, a), 1e-11 * a.maxAbs)
            for j in 0..<n { for i in 0..<j { XCTAssertEqual(c.factor[i, j], 0) } }
        }
        let f = try Fixture.load("linalg.json").object("cholesky")
        let c = try Cholesky(try f.matrix("matrix"))
        XCTAssertEqual(c.logDeterminant, try f.double("logDeterminant"), accuracy: 1e-12)
        assertClose(try c.solve(try f.vector("rhs")), try f.vector("solution"), tolerance: 1e-12)
        let inv = try c.inverse()
        XCTAssertLessThan(maxDifference(try inv.multiplied(by: try f.matrix("matrix")), .identity(4)), 1e-12)
        let y = try c.solveLower(try f.vector("rhs"))
        let quad = zip(try f.vector("rhs"), try f.vector("solution")).reduce(0) { $0 + $1.0 * $1.1 }
        XCTAssertEqual(y.reduce(0) { $0 + $1 * $1 }, quad, accuracy: 1e-12)
    }

    func testCholeskyErrorsAndJitter() throws {
        let indefinite = try Matrix(rowsOf: [[1, 0, 0], [0, -1, 0], [0, 0, 1]])
        assertThrows(["Cholesky", "not positive definite", "minor 2"]) { try Cholesky(indefinite) }
        assertThrows(["not symmetric"]) { try Cholesky(try Matrix(rowsOf: [[2, 1], [0, 2]])) }
        assertThrows(["non-finite", "row 1, column 0"]) { try Cholesky(try Matrix(rowsOf: [[2, .nan], [.nan, 2]])) }
        assertThrows(["square"]) { try Cholesky(Matrix(rows: 2, columns: 3)) }
        // A rank-one PSD matrix fails plainly but factors with escalating jitter.
        let v = [1.0, 2, 3]
        let psd = Matrix(rows: 3, columns: 3) { v[$0] * v[$1] }
        assertThrows(["not positive definite"]) { try Cholesky(psd) }
        let c = try Cholesky(psd, jitter: .escalating)
        XCTAssertGreaterThan(c.jitter, 0)
        XCTAssertLessThan(c.jitter, 1e-3 * 14 / 3 + 1e-15)
        var shifted = psd
        shifted.addToDiagonal(c.jitter)
        XCTAssertLessThan(maxDifference(try c.factor.multiplied(by: c.factor, transposeOther: true), shifted), 1e-12)
        // Strongly indefinite: jitter gives up and says so.
        assertThrows(["not positive definite"]) { try Cholesky(indefinite.scaled(by: -1), jitter: .escalating) }
        let chol = try Cholesky(.identity(2))
        assertThrows(["dpotrs", "right-hand side has 3 rows"]) { try chol.solve([1, 2, 3]) }
        assertThrows(["non-finite"]) { try chol.solve([1, .infinity]) }
    }

    func testSymmetricEigenReconstructsAndMatchesFixture() throws {
        forAll(cases: 10) { g, _ in
            let n = g.int(in: 1...10)
            let b = Matrix.randomNormal(rows: n, columns: n, using: &g)
            let a = try b.adding(b.transposed)
            let e = try SymmetricEigen(a)
            XCTAssertEqual(e.eigenvalues, e.eigenvalues.sorted())
            let vlvt = try e.applying { $0 }
            XCTAssertLessThan(maxDifference(vlvt, a), 1e-12 * Swift.max(1, a.maxAbs))
            let vtv = try e.eigenvectors.multiplied(by: e.eigenvectors, transposeSelf: true)
            XCTAssertLessThan(maxDifference(vtv, .identity(n)), 1e-12)
        }
        let f = try Fixture.load("linalg.json").object("symmetricEigen")
        let e = try SymmetricEigen(try f.matrix("matrix"), computeVectors: false)
        assertClose(e.eigenvalues, try f.vector("eigenvalues"), tolerance: 1e-12)
        assertThrows(["not computed"]) { try e.applying { $0 } }
        assertThrows(["SymmetricEigen", "not symmetric"]) { try SymmetricEigen(try Matrix(rowsOf: [[1, 2], [3, 4]])) }
    }

    func testQRAndPivotedQR() throws {
        forAll(cases: 12) { g, _ in
            let m = g.int(in: 1...10), n = g.int(in: 1...10)
            let a = Matrix.randomNormal(rows: m, columns: n, using: &g)
            let qr = try QR(a)
            let k = min(m, n)
            XCTAssertEqual(qr.q.rows, m); XCTAssertEqual(qr.q.columns, k)
            XCTAssertEqual(qr.r.rows, k); XCTAssertEqual(qr.r.columns, n)
            XCTAssertLessThan(maxDifference(try qr.q.multiplied(by: qr.r), a), 1e-12)
            XCTAssertLessThan(maxDifference(try qr.q.multiplied(by: qr.q, transposeSelf: true), .identity(k)), 1e-12)
            for j in 0..<n { for i in (j + 1)..<max(k, j + 1) { XCTAssertEqual(qr.r[i, j], 0) } }
        }
        // Rank-deficient: third column = first + second.
        var g = Xoshiro256StarStar(seed: 5)
        var a = Matrix.randomNormal(rows: 8, columns: 3, using: &g)
        for i in 0..<8 { a[i, 2] = a[i, 0] + a[i, 1] }
        let p = try PivotedQR(a)
        XCTAssertEqual(p.rank(), 2)
        XCTAssertEqual(Set(p.permutation), [0, 1, 2])
        let basis = p.basis()
        XCTAssertEqual(basis.columns, 2)
        // Every column of A lies in the span of the basis.
        let proj = try basis.multiplied(by: try basis.multiplied(by: a, transposeSelf: true))
        XCTAssertLessThan(maxDifference(proj, a), 1e-12)
        assertThrows(["QR", "non-finite"]) { try QR(try Matrix(rowsOf: [[1, .nan]])) }
        assertThrows(["PivotedQR", "non-finite"]) { try PivotedQR(try Matrix(rowsOf: [[1, .infinity]])) }
        assertThrows(["SVD", "non-finite", "row 0, column 1"]) { try SVD(try Matrix(rowsOf: [[1, .nan]])) }
    }

    func testSVDReconstructsAndMatchesFixture() throws {
        forAll(cases: 10) { g, _ in
            let m = g.int(in: 1...9), n = g.int(in: 1...9)
            let a = Matrix.randomNormal(rows: m, columns: n, using: &g)
            let svd = try SVD(a)
            var us = svd.u
            for j in 0..<us.columns { for i in 0..<m { us[i, j] *= svd.singularValues[j] } }
            XCTAssertLessThan(maxDifference(try us.multiplied(by: svd.vt), a), 1e-12)
            XCTAssertEqual(svd.singularValues, svd.singularValues.sorted(by: >))
        }
        let f = try Fixture.load("linalg.json").object("singularValues")
        let s = try SVD(try f.matrix("matrix"), computeVectors: false)
        assertClose(s.singularValues, try f.vector("values"), tolerance: 1e-12)
        XCTAssertEqual(s.rank(), 4)
    }

    func testLUSolveAndSingularity() throws {
        let f = try Fixture.load("linalg.json").object("luSolve")
        let lu = try LU(try f.matrix("matrix"))
        assertClose(try lu.solve(try f.vector("rhs")), try f.vector("solution"), tolerance: 1e-12)
        let (logAbs, sign) = lu.logAbsDeterminant
        XCTAssertEqual(sign * Foundation.exp(logAbs), try f.double("determinant"), accuracy: 1e-9 * abs(try f.double("determinant")))
        assertThrows(["LU", "singular"]) { try LU(try Matrix(rowsOf: [[1, 2], [2, 4]])) }
        assertThrows(["LU", "singular"]) { try LU(try Matrix(rowsOf: [[1, 1], [1, 1 + 1e-17]])) }
        assertThrows(["LU", "singular"]) { try LU(try Matrix(rowsOf: [[1, 1, 0], [1, 1 + 3e-16, 0], [0, 0, 1]])) }
        assertThrows(["LU", "square"]) { try LU(Matrix(rows: 2, columns: 1)) }
        // Transposed solve.
        let a = try f.matrix("matrix")
        let xt = try lu.solve(try Matrix(rows: 5, columns: 1, elements: try f.vector("rhs")), transpose: true)
        assertClose(try a.multiplied(by: xt.elements, transposed: true), try f.vector("rhs"), tolerance: 1e-12)
    }

    func testLeastSquaresFullAndRankDeficient() throws {
        let f = try Fixture.load("linalg.json").object("leastSquares")
        let ls = try LeastSquares(try f.matrix("matrix"), try f.vector("rhs"))
        assertClose(ls.solution, try f.vector("solution"), tolerance: 1e-12)
        XCTAssertEqual(ls.rank, 3)
        let d = try LeastSquares(try f.matrix("deficientMatrix"), try f.vector("rhs"))
        XCTAssertEqual(d.rank, try f.int("deficientRank"))
        assertClose(d.solution, try f.vector("deficientSolution"), tolerance: 1e-10)
        let qr = try LeastSquares(try f.matrix("matrix"), try f.vector("rhs"), method: .qr)
        assertClose(qr.solution, try f.vector("solution"), tolerance: 1e-12)
        XCTAssertEqual(qr.residualNorm, ls.residualNorm, accuracy: 1e-12)
        assertThrows(["dgels", "m ≥ n"]) { try LeastSquares(Matrix(rows: 2, columns: 3, repeating: 1), [1, 2], method: .qr) }
        assertThrows(["dgelsd", "b has 2 entries"]) { try LeastSquares(Matrix(rows: 3, columns: 2), [1, 2]) }
        assertThrows(["dgelsd", "A is empty"]) { try LeastSquares(Matrix(rows: 0, columns: 0), []) }
        assertThrows(["non-finite"]) { try LeastSquares(.identity(2), [1, .nan]) }
    }
}
