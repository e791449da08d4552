import Foundation
import LinearAlgebra
import TestSupport
import XCTest

final class AxisApplyAndAntisymmetricTests: XCTestCase {
    func testApplyAlongAxisEqualsTheExplicitKroneckerProduct() throws {
        forAll(cases: 25) { g, _ in
            let d = g.int(in: 1...3)
            let dims = (0..<d).map { _ in g.int(in: 1...4) }
            let axis = g.int(in: 0...(d - 1))
            let transposed = g.int(in: 0...1) == 1
            let m = g.int(in: 1...5)
            let a = transposed ? Matrix.randomNormal(rows: dims[axis], columns: m, using: &g)
                               : Matrix.randomNormal(rows: m, columns: dims[axis], using: &g)
            let x = RandomSampling.standardNormals(count: dims.reduce(1, *), using: &g)
            let factors = (0..<d).map { $0 == axis ? (transposed ? a.transposed : a) : Matrix.identity(dims[$0]) }
            let explicit = try Kronecker.product(factors).multiplied(by: x)
            let viaAxis = try Kronecker.apply(a, transposed: transposed, alongAxis: axis, dimensions: dims, to: x)
            XCTAssertLessThan(maxDifference(viaAxis, explicit), 1e-12 * (1 + explicit.map(abs).max()!))
        }
        assertThrows(["axis 2 of a 2-axis tensor"]) { try Kronecker.apply(Matrix.identity(2), alongAxis: 2, dimensions: [2, 2], to: [0, 0, 0, 0]) }
        assertThrows(["has 4 entries, got 3"]) { try Kronecker.apply(Matrix.identity(2), alongAxis: 0, dimensions: [2, 2], to: [0, 0, 0]) }
        assertThrows(["along an axis of length 2"]) { try Kronecker.apply(Matrix.identity(3), alongAxis: 0, dimensions: [2, 2], to: [0, 0, 0, 0]) }
    }

    func testTriangularSolveAlongAxisInvertsTheAxisApplication() throws {
        forAll(cases: 25) { g, _ in
            let d = g.int(in: 1...3)
            let dims = (0..<d).map { _ in g.int(in: 1...5) }
            let axis = g.int(in: 0...(d - 1))
            let lower = g.int(in: 0...1) == 1, transposed = g.int(in: 0...1) == 1
            let n = dims[axis]
            // A well-conditioned triangular factor.
            let t = Matrix(rows: n, columns: n) { i, j in i == j ? 2 + g.double(in: 0...1) : ((i > j) == lower ? g.double(in: -0.3...0.3) : 0) }
            let x = RandomSampling.standardNormals(count: dims.reduce(1, *), using: &g)
            let y = try Kronecker.solveTriangular(t, lower: lower, transposed: transposed, alongAxis: axis, dimensions: dims, to: x)
            let back = try Kronecker.apply(t, transposed: transposed, alongAxis: axis, dimensions: dims, to: y)
            XCTAssertLessThan(maxDifference(back, x), 1e-12 * (1 + x.map(abs).max()!))
        }
        assertThrows(["singular"]) {
            try Kronecker.solveTriangular(Matrix(rows: 2, columns: 2), lower: true, alongAxis: 0, dimensions: [2], to: [1, 1])
        }
        assertThrows(["along an axis of length 3"]) {
            try Kronecker.solveTriangular(Matrix.identity(2), lower: true, alongAxis: 0, dimensions: [3], to: [1, 1, 1])
        }
    }

    func testUnfoldedProductIsTheDerivativeOfTheKroneckerForm() throws {
        // M_ij = xᵀ (I ⊗ … ⊗ e_i e_jᵀ ⊗ … ⊗ I) y, from the explicit product.
        forAll(cases: 25) { g, _ in
            let d = g.int(in: 1...3)
            let dims = (0..<d).map { _ in g.int(in: 1...4) }
            let axis = g.int(in: 0...(d - 1))
            let x = RandomSampling.standardNormals(count: dims.reduce(1, *), using: &g)
            let y = RandomSampling.standardNormals(count: dims.reduce(1, *), using: &g)
            let m = try Kronecker.unfoldedProduct(x, y, alongAxis: axis, dimensions: dims)
            XCTAssertEqual(m.rows, dims[axis])
            for i in 0..<dims[axis] {
                for j in 0..<dims[axis] {
                    var e = Matrix(rows: dims[axis], columns: dims[axis])
                    e[i, j] = 1
                    let factors = (0..<d).map { $0 == axis ? e : Matrix.identity(dims[$0]) }
                    let ey = try Kronecker.product(factors).multiplied(by: y)
                    let expected = zip(x, ey).reduce(0) { $0 + $1.0 * $1.1 }
                    XCTAssertEqual(m[i, j], expected, accuracy: 1e-12 * (1 + abs(expected)))
                }
            }
        }
        assertThrows(["axis 1 of a 1-axis tensor"]) { try Kronecker.unfoldedProduct([0, 0], [0, 0], alongAxis: 1, dimensions: [2]) }
        assertThrows(["has 4 entries, got 4 and 3"]) { try Kronecker.unfoldedProduct([0, 0, 0, 0], [0, 0, 0], alongAxis: 0, dimensions: [2, 2]) }
    }

    func testAntisymmetricEigenIsAUnitaryDiagonalization() throws {
        forAll(cases: 20) { g, _ in
            let n = g.int(in: 1...12)
            let b = Matrix.randomNormal(rows: n, columns: n, using: &g)
            let s = try b.subtracting(b.transposed)
            let e = try AntisymmetricEigen(s)
            let ur = e.vectorsReal, ui = e.vectorsImaginary
            // S u = −iθ u  ⇔  S ur = θ ui,  S ui = −θ ur.
            let sur = try s.multiplied(by: ur), sui = try s.multiplied(by: ui)
            let scale = 1 + e.theta.map(abs).max()!
            for k in 0..<n {
                for i in 0..<n {
                    XCTAssertEqual(sur[i, k], e.theta[k] * ui[i, k], accuracy: 1e-12 * scale)
                    XCTAssertEqual(sui[i, k], -e.theta[k] * ur[i, k], accuracy: 1e-12 * scale)
                }
            }
            // Uᴴ U = I:  Re = urᵀur + uiᵀui,  Im = urᵀui − uiᵀur.
            let re = try ur.multiplied(by: ur, transposeSelf: true).adding(ui.multiplied(by: ui, transposeSelf: true))
            let im = try ur.multiplied(by: ui, transposeSelf: true).subtracting(ui.multiplied(by: ur, transposeSelf: true))
            XCTAssertLessThan(maxDifference(re, Matrix.identity(n)), 1e-12)
            XCTAssertLessThan(maxDifference(im, Matrix(rows: n, columns: n)), 1e-12)
            // Eigenvalues come in ± pairs.
            let sorted = e.theta.sorted()
            for k in 0..<n { XCTAssertEqual(sorted[k], -sorted[n - 1 - k], accuracy: 1e-12 * scale) }
        }
        assertThrows(["S + Sᵀ ≠ 0"]) { try AntisymmetricEigen(Matrix.identity(3)) }
        assertThrows(["not square"]) { try AntisymmetricEigen(Matrix(rows: 2, columns: 3)) }
        assertThrows(["non-finite"]) { try AntisymmetricEigen(try Matrix(rowsOf: [[0, .nan], [.nan, 0]])) }
    }
}
