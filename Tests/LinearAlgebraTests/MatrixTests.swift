import LinearAlgebra
import TestSupport
import XCTest

final class MatrixTests: XCTestCase {
    func testColumnMajorLayoutAndAccessors() throws {
        let m = try Matrix(rowsOf: [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.rows, 2)
        XCTAssertEqual(m.columns, 3)
        XCTAssertEqual(m.elements, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(m[1, 2], 6)
        XCTAssertEqual(m.column(1), [2, 5])
        XCTAssertEqual(m.row(1), [4, 5, 6])
        XCTAssertEqual(m.transposed, try Matrix(rowsOf: [[1, 4], [2, 5], [3, 6]]))
        XCTAssertEqual(m.submatrix(rows: 0..<2, columns: 1..<3), try Matrix(rowsOf: [[2, 3], [5, 6]]))
        XCTAssertEqual(Matrix.identity(3).diagonal, [1, 1, 1])
        XCTAssertEqual(m.maxAbs, 6)
        XCTAssertEqual(m.oneNorm, 9)
        XCTAssertEqual(m.infinityNorm, 15)
        XCTAssertEqual(m.frobeniusNorm, (91.0).squareRoot(), accuracy: 1e-14)
    }

    func testValueSemantics() throws {
        var a = try Matrix(rowsOf: [[1, 2], [3, 4]])
        let b = a
        a[0, 0] = 10
        XCTAssertEqual(b[0, 0], 1)
        XCTAssertEqual(a[0, 0], 10)
    }

    func testLargeTransposeMatchesDefinition() {
        var g = Xoshiro256StarStar(seed: 3)
        let m = Matrix.randomNormal(rows: 70, columns: 45, using: &g)
        let t = m.transposed
        for i in 0..<70 { for j in 0..<45 { XCTAssertEqual(m[i, j], t[j, i]) } }
    }

    func testShapeErrors() throws {
        assertThrows(["Matrix.init", "5 elements for a 2×3 matrix"]) { try Matrix(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5]) }
        assertThrows(["Matrix.init", "negative dimension"]) { try Matrix(rows: -1, columns: 3, elements: []) }
        assertThrows(["row 1 has 1 entries"]) { try Matrix(rowsOf: [[1, 2], [3]]) }
        let a = Matrix(rows: 2, columns: 3)
        let b = Matrix(rows: 2, columns: 3)
        assertThrows(["BLAS.gemm", "op(A) is 2×3, op(B) is 2×3"]) { try a.multiplied(by: b) }
        assertThrows(["Matrix.adding", "2×3 and 3×2"]) { try a.adding(b.transposed) }
        assertThrows(["BLAS.gemv", "x has 2 entries"]) { try a.multiplied(by: [1, 2]) }
        assertThrows(["BLAS.dot", "length 2 and 3"]) { try BLAS.dot([1, 2], [1, 2, 3]) }
        var y = [1.0, 2]
        assertThrows(["BLAS.axpy"]) { try BLAS.axpy(2, [1, 2, 3], &y) }
        assertThrows(["Matrix.trace", "square"]) { try a.trace() }
    }

    func testGemmAgainstNaiveProductWithTransposes() throws {
        forAll(cases: 20) { g, _ in
            let m = g.int(in: 1...9), n = g.int(in: 1...9), k = g.int(in: 1...9)
            let a = Matrix.randomNormal(rows: m, columns: k, using: &g)
            let b = Matrix.randomNormal(rows: k, columns: n, using: &g)
            var naive = Matrix(rows: m, columns: n)
            for i in 0..<m { for j in 0..<n { for l in 0..<k { naive[i, j] += a[i, l] * b[l, j] } } }
            XCTAssertLessThan(maxDifference(try a.multiplied(by: b), naive), 1e-12)
            XCTAssertLessThan(maxDifference(try a.transposed.multiplied(by: b, transposeSelf: true), naive), 1e-12)
            XCTAssertLessThan(maxDifference(try a.multiplied(by: b.transposed, transposeOther: true), naive), 1e-12)
            var c = Matrix(rows: m, columns: n, repeating: 1)
            try BLAS.gemm(a, b, alpha: 2, beta: 3, into: &c)
            XCTAssertLessThan(maxDifference(c, try naive.scaled(by: 2).adding(Matrix(rows: m, columns: n, repeating: 3))), 1e-12)
        }
    }

    func testGemvSyrkTrsmAndLevelOne() throws {
        var g = Xoshiro256StarStar(seed: 11)
        let a = Matrix.randomNormal(rows: 6, columns: 4, using: &g)
        let x = RandomSampling.standardNormals(count: 4, using: &g)
        let ax = try a.multiplied(by: x)
        for i in 0..<6 {
            XCTAssertEqual(ax[i], (0..<4).reduce(0) { $0 + a[i, $1] * x[$1] }, accuracy: 1e-13)
        }
        let z = RandomSampling.standardNormals(count: 6, using: &g)
        let atz = try a.multiplied(by: z, transposed: true)
        assertClose(atz, try a.transposed.multiplied(by: z), tolerance: 1e-14)

        var gram = Matrix(rows: 4, columns: 4)
        try BLAS.syrk(a, transpose: true, into: &gram)
        XCTAssertLessThan(maxDifference(gram, try a.multiplied(by: a, transposeSelf: true)), 1e-12)

        // trsm: solve L X = B with L lower triangular, check L X = B.
        var l = Matrix.randomNormal(rows: 4, columns: 4, using: &g)
        for j in 0..<4 { for i in 0..<j { l[i, j] = 0 }; l[j, j] = 2 + abs(l[j, j]) }
        let bm = Matrix.randomNormal(rows: 4, columns: 3, using: &g)
        var xm = bm
        try BLAS.trsm(l, lower: true, &xm)
        XCTAssertLessThan(maxDifference(try l.multiplied(by: xm), bm), 1e-12)
        var singular = l
        singular[2, 2] = 0
        assertThrows(["BLAS.trsm", "singular", "pivot 3"]) { var t = bm; try BLAS.trsm(singular, lower: true, &t) }

        XCTAssertEqual(try BLAS.dot([1, 2, 3], [4, 5, 6]), 32)
        var y = [1.0, 1, 1]
        try BLAS.axpy(2, [1, 2, 3], &y)
        XCTAssertEqual(y, [3, 5, 7])
        BLAS.scal(0.5, &y)
        XCTAssertEqual(y, [1.5, 2.5, 3.5])
        XCTAssertEqual(BLAS.nrm2([3, 4]), 5)
        XCTAssertEqual(BLAS.nrm2([1e200, 1e200]), 1e200 * 2.0.squareRoot(), accuracy: 1e186)
    }

    func testEmptyOperandsAreHarmless() throws {
        let a = Matrix(rows: 0, columns: 3)
        XCTAssertEqual(try a.multiplied(by: [1, 2, 3]), [])
        let b = Matrix(rows: 3, columns: 0)
        XCTAssertEqual(try b.multiplied(by: []), [0, 0, 0])
        XCTAssertEqual(try a.multiplied(by: Matrix(rows: 3, columns: 2)).rows, 0)
    }

    func testValidateFiniteFindsPosition() throws {
        var m = Matrix(rows: 3, columns: 4, repeating: 1)
        m[2, 3] = .nan
        assertThrows(["X", "row 2, column 3"]) { try Validate.finite(m, routine: "X", argument: "m") }
        var v = [Double](repeating: 0, count: 37)
        v[33] = -.infinity
        assertThrows(["row 33"]) { try Validate.finite(v, routine: "Y", argument: "v") }
        XCTAssertNoThrow(try Validate.finite([Double](repeating: 1e308, count: 19), routine: "Z", argument: "w"))
    }
}

final class BLASSemanticsTests: XCTestCase {
    /// As in reference BLAS, `beta = 0` means the output is not read, even when the inner
    /// dimension is zero: NaN or ∞ already in it must not survive.
    func testBetaZeroDoesNotReadTheOutputWithAnEmptyInnerDimension() throws {
        var c = Matrix(rows: 2, columns: 3) { _, _ in .nan }
        try BLAS.gemm(Matrix(rows: 2, columns: 0), Matrix(rows: 0, columns: 3), beta: 0, into: &c)
        XCTAssertEqual(c, Matrix(rows: 2, columns: 3))
        var s = Matrix(rows: 2, columns: 2) { _, _ in .infinity }
        try BLAS.syrk(Matrix(rows: 2, columns: 0), beta: 0, into: &s)
        XCTAssertEqual(s[1, 0], 0)
        var y: [Double] = [.nan, -.infinity]
        try BLAS.gemv(Matrix(rows: 2, columns: 0), [], beta: 0, into: &y)
        XCTAssertEqual(y, [0, 0])
        var z: [Double] = [1, 2]
        try BLAS.gemv(Matrix(rows: 2, columns: 0), [], beta: 3, into: &z)
        XCTAssertEqual(z, [3, 6])
    }
}
