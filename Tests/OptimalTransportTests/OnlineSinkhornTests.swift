import Foundation
import LinearAlgebra
import OptimalTransport
import TestSupport
import XCTest

/// Sinkhorn on point clouds without a stored cost: the iterates of the dense log-domain Sinkhorn,
/// whatever the block size.
final class OnlineSinkhornTests: XCTestCase {
    func clouds(_ n: Int, _ m: Int, _ d: Int, _ g: inout Xoshiro256StarStar, zeroMass: Bool = false) throws -> (DiscreteMeasure, DiscreteMeasure) {
        var a = (0..<n).map { _ in 0.2 + g.nextUniform() }, b = (0..<m).map { _ in 0.2 + g.nextUniform() }
        if zeroMass { a[3] = 0; b[m - 1] = 0 }
        let sa = a.reduce(0, +), sb = b.reduce(0, +)
        let x = Matrix(rows: n, columns: d) { _, _ in g.nextStandardNormal() }
        let y = Matrix(rows: m, columns: d) { _, k in 0.5 + (k == 0 ? 2 : 1) * g.nextStandardNormal() }
        return (try DiscreteMeasure(weights: a.map { 3 * $0 / sa }, support: x), try DiscreteMeasure(weights: b.map { 3 * $0 / sb }, support: y))
    }

    func testIteratesEqualTheDenseLogDomainSinkhornForEveryBlockSize() throws {
        var g = Xoshiro256StarStar(seed: 41)
        let (mu, nu) = try clouds(70, 55, 3, &g)
        let dense = try Sinkhorn(regularization: .eta(60), tolerance: 1e-9, form: .logDomain)
            .solve(try TransportProblem(source: mu, target: nu, groundCost: .squaredEuclidean, normalizeCost: true))
        XCTAssertTrue(dense.converged)
        let problem = try PointCloudProblem(source: mu, target: nu, groundCost: .squaredEuclidean, normalizeCost: true)
        for rows in [nil, 1, 7, 69, 70, 1000] as [Int?] {
            let s = try OnlineSinkhorn(regularization: .eta(60), tolerance: 1e-9, blockRows: rows).solve(problem)
            XCTAssertTrue(s.converged, "\(String(describing: rows))")
            XCTAssertEqual(s.iterations, dense.iterations, "block \(String(describing: rows))")
            XCTAssertLessThan(maxDifference(s.sourcePotential, dense.sourcePotential), 1e-11)
            XCTAssertLessThan(maxDifference(s.targetPotential, dense.targetPotential), 1e-11)
            XCTAssertEqual(s.transportCost, dense.transportCost, accuracy: 1e-12 * dense.transportCost)
            XCTAssertEqual(s.dualValue, dense.dualValue, accuracy: 1e-10)
            XCTAssertLessThanOrEqual(s.marginalError, 1e-9)
            XCTAssertLessThan(maxDifference(try s.plan(), dense.plan), 1e-13)
            XCTAssertEqual(s.history.count, s.iterations)
        }
    }

    func testOtherGroundCostsZeroMassAndContinuationMatchTheDenseSolver() throws {
        var g = Xoshiro256StarStar(seed: 42)
        let (mu, nu) = try clouds(40, 33, 2, &g, zeroMass: true)
        for (cost, eta) in [(GroundCost.euclidean, 30.0), (.minkowski(3), 30), (.manhattan, 30), (.euclidean, 3000)] {
            do {
                let dense = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9, form: .logDomain)
                    .solve(try TransportProblem(source: mu, target: nu, groundCost: cost, normalizeCost: true))
                let online = try OnlineSinkhorn(regularization: .eta(eta), tolerance: 1e-9, maxIterations: 100_000, blockRows: 9)
                    .solve(try PointCloudProblem(source: mu, target: nu, groundCost: cost, normalizeCost: true))
                XCTAssertTrue(online.converged, "\(cost) η = \(eta)")
                XCTAssertEqual(online.schedule.count, dense.schedule.count, "\(cost) η = \(eta)")
                for (a, b) in zip(online.schedule, dense.schedule) { XCTAssertEqual(a.eta, b.eta, accuracy: 1e-12 * b.eta) }
                XCTAssertEqual(online.transportCost, dense.transportCost, accuracy: 1e-9 * dense.transportCost, "\(cost) η = \(eta)")
                XCTAssertEqual(online.sourcePotential[3], -.infinity)
                XCTAssertEqual(online.targetPotential[32], -.infinity)
                let plan = try online.plan()
                XCTAssertTrue((0..<33).allSatisfy { plan[3, $0] == 0 } && (0..<40).allSatisfy { plan[$0, 32] == 0 })
                if eta > 2000 { XCTAssertGreaterThan(online.schedule.count, 1, "continued") }
            }
        }
    }

    func testBadInputsThrowNamingTheRoutine() throws {
        var g = Xoshiro256StarStar(seed: 43)
        let (mu, nu) = try clouds(10, 8, 2, &g)
        let p = try PointCloudProblem(source: mu, target: nu, groundCost: .squaredEuclidean)
        assertThrows(["OnlineSinkhorn.solve", "tolerance"]) { try OnlineSinkhorn(regularization: .eta(10), tolerance: .nan).solve(p) }
        assertThrows(["OnlineSinkhorn.solve", "maxIterations"]) { try OnlineSinkhorn(regularization: .eta(10), maxIterations: 0).solve(p) }
        assertThrows(["OnlineSinkhorn.solve", "blockRows"]) { try OnlineSinkhorn(regularization: .eta(10), blockRows: 0).solve(p) }
        assertThrows(["OnlineSinkhorn.solve", "eta"]) { try OnlineSinkhorn(regularization: .eta(-1)).solve(p) }
        assertThrows(["PointCloudProblem.init", "support"]) {
            try PointCloudProblem(source: try DiscreteMeasure(weights: [1, 1]), target: nu, groundCost: .euclidean)
        }
        let flat = try DiscreteMeasure(weights: [1, 1], support: Matrix(rows: 2, columns: 3))
        assertThrows(["PointCloudProblem.init", "dimension"]) { try PointCloudProblem(source: flat, target: nu, groundCost: .euclidean) }
        let far = try DiscreteMeasure(weights: [1, 1], support: try Matrix(rows: 2, columns: 2, elements: [1e200, -1e200, 0, 0]))
        let origin = try DiscreteMeasure(weights: [2], support: Matrix(rows: 1, columns: 2))
        assertThrows(["PointCloudProblem.init", "not finite"]) { try PointCloudProblem(source: far, target: origin, groundCost: .squaredEuclidean) }
        assertThrows(["PointCloudProblem.init", "exponent"]) { try PointCloudProblem(source: mu, target: nu, groundCost: .minkowski(0.5)) }
        let s = try OnlineSinkhorn(regularization: .eta(10)).solve(p)
        assertThrows(["OnlineTransportSolution.plan", "maxEntries"]) { try s.plan(maxEntries: 79) }
        XCTAssertEqual(try s.plan(maxEntries: 80).rows, 10)
        // A budget too small to converge is reported, with finite values.
        let capped = try OnlineSinkhorn(regularization: .eta(400), tolerance: 1e-12, maxIterations: 3).solve(p)
        XCTAssertFalse(capped.converged)
        XCTAssertEqual(capped.iterations, 3)
        XCTAssertTrue(capped.transportCost.isFinite && capped.sourcePotential.allSatisfy(\.isFinite))
    }
}
