import Foundation
import LinearAlgebra
import OptimalTransport
import TestSupport
import XCTest

final class ProblemTests: XCTestCase {
    func testBadInputsThrowClearErrors() throws {
        let c = Matrix(rows: 2, columns: 3, repeating: 0.5)
        let r = [0.5, 0.5], t = [0.2, 0.3, 0.5]
        XCTAssertNoThrow(try TransportProblem(source: r, target: t, cost: c))
        assertThrows(["source measure is empty"]) { try TransportProblem(source: [], target: t, cost: c) }
        assertThrows(["target weight at index 1 is not finite"]) { try TransportProblem(source: r, target: [0.2, .nan, 0.5], cost: c) }
        assertThrows(["source weight at index 0 is negative"]) { try TransportProblem(source: [-0.5, 1.5], target: t, cost: c) }
        assertThrows(["target measure has zero total mass"]) { try TransportProblem(source: r, target: [0, 0, 0], cost: c) }
        assertThrows(["source mass 1", "target mass 1.1", "tolerance"]) { try TransportProblem(source: r, target: [0.3, 0.3, 0.5], cost: c) }
        assertThrows(["cost matrix is 3×2, expected 2×3"]) { try TransportProblem(source: r, target: t, cost: c.transposed) }
        var bad = c
        bad[1, 2] = .infinity
        assertThrows(["cost entry at row 1, column 2 is not finite"]) { try TransportProblem(source: r, target: t, cost: bad) }
        bad[1, 2] = .nan
        assertThrows(["row 1, column 2"]) { try TransportProblem(source: r, target: t, cost: bad) }
        bad[1, 2] = -0.1
        assertThrows(["cost entry at row 1, column 2 is negative"]) { try TransportProblem(source: r, target: t, cost: bad) }
        assertThrows(["massTolerance"]) { try TransportProblem(source: r, target: t, cost: c, massTolerance: -1) }
        // Masses that agree within the tolerance but are not 1 are accepted.
        let p = try TransportProblem(source: [1, 1], target: [0.5, 0.5, 1], cost: c)
        XCTAssertEqual(p.mass, 2)
    }

    func testRegularizationBothSpellings() throws {
        XCTAssertEqual(Regularization.eta(1200).epsilon, 1.0 / 1200)
        XCTAssertEqual(Regularization.epsilon(0.01).eta, 100, accuracy: 1e-12)
        XCTAssertTrue(Regularization.eta(4).description.contains("ε = 0.25"))
        var g = Xoshiro256StarStar(seed: 1)
        let p = try randomProblem(3, 3, &g)
        for bad in [Regularization.epsilon(0), .epsilon(-1), .eta(.nan), .eta(.infinity), .epsilon(1e-320)] {
            assertThrows(["invalid", "positive"]) { try Sinkhorn(regularization: bad).solve(p) }
            assertThrows(["invalid", "positive"]) { try SinkhornNewtonSparse(regularization: bad).solve(p) }
        }
    }

    func testGroundCosts() throws {
        let x = try Matrix(rowsOf: [[0, 0], [1, 2]])
        let y = try Matrix(rowsOf: [[3, 4], [0, 0], [1, 1]])
        let sq = try GroundCost.squaredEuclidean.matrix(x, y)
        XCTAssertEqual(sq[0, 0], 25, accuracy: 1e-12)
        XCTAssertEqual(sq[0, 1], 0)
        XCTAssertEqual(sq[1, 2], 1, accuracy: 1e-12)
        XCTAssertEqual(try GroundCost.euclidean.matrix(x, y)[0, 0], 5, accuracy: 1e-12)
        XCTAssertEqual(try GroundCost.manhattan.matrix(x, y)[0, 0], 7)
        XCTAssertEqual(try GroundCost.minkowski(3).matrix(x, y)[0, 0], pow(27.0 + 64.0, 1.0 / 3), accuracy: 1e-12)
        assertThrows(["dimension 2 and 3"]) { try GroundCost.euclidean.matrix(x, Matrix(rows: 2, columns: 3)) }
        assertThrows(["Minkowski exponent"]) { try GroundCost.minkowski(0.5).matrix(x, y) }
        assertThrows(["non-finite"]) { try GroundCost.manhattan.matrix(try Matrix(rowsOf: [[.nan, 0]]), y) }
        // Measures with support.
        let mu = try DiscreteMeasure.uniform(support: x)
        let nu = try DiscreteMeasure.uniform(support: y)
        let p = try TransportProblem(source: mu, target: nu, groundCost: .squaredEuclidean, normalizeCost: true)
        XCTAssertEqual(p.costScale, 25, accuracy: 1e-12)
        XCTAssertEqual(p.cost.maxAbs, 1, accuracy: 1e-15)
        assertThrows(["support", "3 weights but 2 support points"]) { try DiscreteMeasure(weights: [1, 1, 1], support: x) }
        assertThrows(["needs support points"]) {
            try TransportProblem(source: try DiscreteMeasure(weights: [1, 1]), target: nu, groundCost: .euclidean)
        }
    }

    func testGridProblem() throws {
        let a = try Matrix(rowsOf: [[1, 0, 0], [0, 0, 0]])
        let b = try Matrix(rowsOf: [[0, 0, 0], [0, 0, 2]])
        let p = try TransportProblem.grid(source: a, target: b, groundCost: .manhattan, normalizeCost: false)
        XCTAssertEqual(p.rows, 6)
        XCTAssertEqual(p.source[0], 1)
        XCTAssertEqual(p.target[5], 1)
        XCTAssertEqual(p.cost[0, 5], 3)   // from (0,0) to (1,2)
        let s = try Sinkhorn(regularization: .eta(50), tolerance: 1e-12).solve(p)
        XCTAssertEqual(s.transportCost, 3, accuracy: 1e-12)
        assertThrows(["images of shape"]) { try TransportProblem.grid(source: a, target: Matrix(rows: 3, columns: 2)) }
        assertThrows(["negative"]) { try TransportProblem.grid(source: a.scaled(by: -1), target: b) }
    }
}

/// Constructors name themselves too, with the chain down to the typed cause.
final class ConstructorErrorTests: XCTestCase {
    func testProblemConstructorsNameTheRoutine() throws {
        do {
            _ = try TransportProblem(source: [0.5, .nan], target: [0.5, 0.5], cost: Matrix(rows: 2, columns: 2))
            XCTFail("expected an error")
        } catch let error as RoutineError {
            XCTAssertEqual(error.routine, "TransportProblem.init")
            XCTAssertTrue(String(describing: error).hasPrefix("TransportProblem.init: DiscreteMeasure.init: source weight at index 1"), "\(error)")
            XCTAssertEqual(error.rootCause as? OptimalTransportError, .nonFiniteWeight(measure: "source", index: 1))
        }
    }
}
