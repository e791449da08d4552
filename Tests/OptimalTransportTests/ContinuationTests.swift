import Foundation
import LinearAlgebra
import OptimalTransport
import TestSupport
import XCTest

/// η-continuation: convergence at large η, the schedule as reported, and the entropic cost
/// approaching the exact one (network simplex) from above within log(n m)/η.
final class ContinuationTests: XCTestCase {
    func testSNSConvergesAtAnyEtaAndApproachesTheExactCost() throws {
        var g = Xoshiro256StarStar(seed: 31)
        let p = try randomProblem(60, 50, &g)
        let exact = try NetworkSimplex().solve(p)
        XCTAssertTrue(exact.converged)
        var previousGap = Double.infinity
        for eta in [1e3, 1e4, 1e5, 1e6] {
            let s = try SinkhornNewtonSparse(regularization: .eta(eta), tolerance: 1e-9).solve(p)
            XCTAssertTrue(s.converged, "η = \(eta): error \(s.marginalError)")
            XCTAssertLessThanOrEqual(s.marginalError, 1e-9)
            let gap = s.transportCost - exact.transportCost
            // ⟨C, P_η⟩ ≥ OT up to the marginal error times the cost range, and the entropic
            // excess is at most log(n m)/η.
            XCTAssertGreaterThan(gap, -1e-9, "η = \(eta)")
            XCTAssertLessThan(gap, Foundation.log(60.0 * 50) / eta, "η = \(eta)")
            // The gap shrinks as η grows, down to what the marginal tolerance determines.
            XCTAssertLessThan(gap, previousGap + 1e-9, "η = \(eta): the gap shrinks as η grows")
            previousGap = gap
            // The schedule: decades from 100 / range(C) up to the target, each stage reported.
            XCTAssertEqual(s.schedule.last?.eta, eta)
            XCTAssertEqual(s.schedule.map(\.iterations).reduce(0, +), s.iterations)
            XCTAssertTrue(s.schedule.dropLast().allSatisfy { $0.converged && $0.marginalError <= $0.tolerance })
            if eta * p.cost.elements.max()! > EtaContinuation.automaticThreshold {
                XCTAssertGreaterThan(s.schedule.count, 1)
                XCTAssertEqual(s.schedule.first!.eta * (p.cost.elements.max()! - p.cost.elements.min()!), EtaContinuation.automaticStart,
                               accuracy: 1e-9)
                XCTAssertTrue(zip(s.schedule, s.schedule.dropFirst()).allSatisfy { $1.eta > $0.eta })
            }
            XCTAssertTrue(s.history.allSatisfy { s.schedule.map(\.eta).contains($0.eta) })
        }
    }

    func testSinkhornWithContinuationConvergesWhereTheDirectSolveStalls() throws {
        var g = Xoshiro256StarStar(seed: 32)
        let p = try randomProblem(60, 50, &g)
        let exact = try NetworkSimplex().solve(p)
        let eta = 1e5
        // Plain iterations, to isolate what the continuation does.
        let continued = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9, acceleration: .none).solve(p)
        XCTAssertTrue(continued.converged, "error \(continued.marginalError) \(continued.schedule)")
        XCTAssertGreaterThan(continued.schedule.count, 1)
        XCTAssertLessThan(abs(continued.transportCost - exact.transportCost), Foundation.log(3000.0) / eta)
        let direct = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9, continuation: .none, acceleration: .none).solve(p)
        XCTAssertFalse(direct.converged, "the direct solve needs far more iterations at η = 10⁵")
        XCTAssertEqual(direct.schedule.count, 1)
    }

    func testSchedulesAndTheirValidation() throws {
        var g = Xoshiro256StarStar(seed: 33)
        let p = try randomProblem(12, 10, &g)
        let s = try Sinkhorn(regularization: .eta(500), continuation: .geometric(start: 10, factor: 4)).solve(p)
        XCTAssertEqual(s.schedule.map(\.eta), [10, 40, 160, 500])
        XCTAssertTrue(s.converged)
        let direct = try SinkhornNewtonSparse(regularization: .eta(500), continuation: .none).solve(p)
        XCTAssertEqual(direct.schedule.map(\.eta), [500])
        // A start above the target: the target alone.
        XCTAssertEqual(try Sinkhorn(regularization: .eta(50), continuation: .geometric(start: 100, factor: 10)).solve(p).schedule.count, 1)
        for bad in [EtaContinuation.geometric(start: 0, factor: 10), .geometric(start: .nan, factor: 10), .geometric(start: 1, factor: 1),
                    .geometric(start: 1, factor: .infinity)] {
            assertThrows(["Sinkhorn.solve", "continuation"]) { try Sinkhorn(regularization: .eta(100), continuation: bad).solve(p) }
            assertThrows(["SinkhornNewtonSparse.solve", "continuation"]) { try SinkhornNewtonSparse(regularization: .eta(100), continuation: bad).solve(p) }
        }
        assertThrows(["stageTolerance"]) { try Sinkhorn(regularization: .eta(100), stageTolerance: 0).solve(p) }
        assertThrows(["stageTolerance"]) { try SinkhornNewtonSparse(regularization: .eta(100), stageTolerance: .nan).solve(p) }
    }
}
