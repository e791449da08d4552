import Foundation
import LinearAlgebra
import OptimalTransport
import TestSupport
import XCTest

/// Exact transport against POT's `ot.emd` (Fixtures/exact_transport.json), with the optimality
/// certificate checked on every problem.
final class NetworkSimplexTests: XCTestCase {
    func problem(_ f: [String: Any], weights a: [Double]? = nil, _ b: [Double]? = nil) throws -> TransportProblem {
        let x = try f.matrix("x"), y = try f.matrix("y")
        let r = try a ?? f.vector("a"), c = try b ?? f.vector("b")
        return try TransportProblem(source: try DiscreteMeasure(weights: r, support: x), target: try DiscreteMeasure(weights: c, support: y),
                                    groundCost: .squaredEuclidean)
    }

    /// The certificate of an optimal basic solution, within round-off of the problem's scale.
    func assertCertified(_ s: ExactTransportSolution, _ p: TransportProblem, _ name: String,
                         file: StaticString = #filePath, line: UInt = #line) {
        let scale = p.mass * max(p.cost.elements.max() ?? 1, 1e-300)
        XCTAssertTrue(s.converged, name, file: file, line: line)
        XCTAssertLessThan(s.certificate.primalResidual, 1e-12 * p.mass, name, file: file, line: line)
        XCTAssertLessThan(s.certificate.dualViolation, 1e-12 * scale / p.mass, name, file: file, line: line)
        XCTAssertLessThan(abs(s.certificate.complementaryGap), 1e-12 * scale, name, file: file, line: line)
        XCTAssertEqual(s.dualValue, s.transportCost, accuracy: 1e-12 * scale, name, file: file, line: line)
        XCTAssertLessThanOrEqual(s.plan.count, p.rows + p.columns - 1, "a basic solution", file: file, line: line)
        XCTAssertTrue(s.plan.allSatisfy { $0.mass > 0 }, name, file: file, line: line)
        XCTAssertTrue(s.sourcePotential.allSatisfy(\.isFinite) && s.targetPotential.allSatisfy(\.isFinite), name, file: file, line: line)
        XCTAssertEqual(s.convergence.iterations, s.pivots, file: file, line: line)
    }

    func testWeightedCloudsWithDifferentSizesMatchPOTCostAndPotentials() throws {
        let f = try Fixture.load("exact_transport.json").object("weighted")
        let p = try problem(f)
        let s = try NetworkSimplex().solve(p)
        assertCertified(s, p, "weighted")
        XCTAssertEqual(s.transportCost, try f.double("cost"), accuracy: 1e-13 * (try f.double("cost")))
        // Generic weights: the dual is unique up to the shift, which both centre the same way.
        XCTAssertLessThan(maxDifference(s.sourcePotential, try f.vector("u")), 1e-11)
        XCTAssertLessThan(maxDifference(s.targetPotential, try f.vector("v")), 1e-11)
        XCTAssertEqual(s.plan.count, try f.int("nonzeros"))
    }

    func testZeroMassBinsGetEmptyRowsAndFeasiblePotentials() throws {
        let f = try Fixture.load("exact_transport.json").object("zeroMass")
        let p = try problem(f)
        let s = try NetworkSimplex().solve(p)
        assertCertified(s, p, "zero mass")
        XCTAssertEqual(s.transportCost, try f.double("cost"), accuracy: 1e-13)
        let a = try f.vector("a"), b = try f.vector("b")
        XCTAssertTrue(s.plan.allSatisfy { a[$0.row] > 0 && b[$0.column] > 0 })
        // Unnormalized equal masses: the same plan scaled.
        let scaled = try NetworkSimplex().solve(try problem(f, weights: a.map { 7 * $0 }, b.map { 7 * $0 }))
        XCTAssertEqual(scaled.transportCost, 7 * s.transportCost, accuracy: 1e-12)
        assertCertified(scaled, try problem(f, weights: a.map { 7 * $0 }, b.map { 7 * $0 }), "scaled")
    }

    func testDegenerateIntegerCostsAndIdenticalClouds() throws {
        let fixture = try Fixture.load("exact_transport.json")
        let f = try fixture.object("integer")
        let c = try f.matrix("cost_matrix")
        let u = [Double](repeating: 1.0 / 40, count: 40)
        let p = try TransportProblem(source: u, target: u, cost: c)
        let s = try NetworkSimplex().solve(p)
        assertCertified(s, p, "integer")
        XCTAssertEqual(s.transportCost, try f.double("cost"), accuracy: 1e-14)
        XCTAssertGreaterThan(s.degeneratePivots, 0, "uniform weights make degenerate pivots")
        // Identical clouds: the identity is optimal at cost 0; all-zero costs: any plan, cost 0.
        let x = try fixture.object("identical").matrix("x")
        let w = [Double](repeating: 0.02, count: 50)
        let same = try TransportProblem(source: try DiscreteMeasure(weights: w, support: x), target: try DiscreteMeasure(weights: w, support: x),
                                        groundCost: .squaredEuclidean)
        let t = try NetworkSimplex().solve(same)
        assertCertified(t, same, "identical")
        XCTAssertEqual(t.transportCost, 0, accuracy: 1e-15)
        let zero = try TransportProblem(source: w, target: w, cost: Matrix(rows: 50, columns: 50))
        let z = try NetworkSimplex().solve(zero)
        assertCertified(z, zero, "zero costs")
        XCTAssertEqual(z.transportCost, 0)
    }

    /// A permutation cost has the permutation as its unique optimum; one bin against many.
    func testClosedForms() throws {
        var g = Xoshiro256StarStar(seed: 4)
        let n = 60
        var perm = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { perm.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        let c = Matrix(rows: n, columns: n) { i, j in j == perm[i] ? 0 : 1 + g.nextUniform() }
        let w = [Double](repeating: 1, count: n)
        let p = try TransportProblem(source: w, target: w, cost: c)
        let s = try NetworkSimplex().solve(p)
        assertCertified(s, p, "permutation")
        XCTAssertEqual(s.transportCost, 0)
        XCTAssertEqual(Set(s.plan.map { [$0.row, $0.column] }), Set((0..<n).map { [$0, perm[$0]] }))
        let one = try TransportProblem(source: [3], target: [1, 1, 1], cost: try Matrix(rows: 1, columns: 3, elements: [2, 5, 7]))
        let o = try NetworkSimplex().solve(one)
        XCTAssertEqual(o.transportCost, 14, accuracy: 1e-13)
        assertCertified(o, one, "one source")
    }

    func testPivotCapIsReportedAndBadOptionsThrow() throws {
        let f = try Fixture.load("exact_transport.json").object("weighted")
        let s = try NetworkSimplex(maxPivots: 5).solve(try problem(f))
        XCTAssertFalse(s.converged)
        XCTAssertEqual(s.pivots, 5)
        XCTAssertThrowsError(try s.requireConverged("exact"))
        assertThrows(["NetworkSimplex.solve", "maxPivots"]) { try NetworkSimplex(maxPivots: -1).solve(try self.problem(f)) }
        assertThrows(["NetworkSimplex.solve", "blockSize"]) { try NetworkSimplex(blockSize: 0).solve(try self.problem(f)) }
        assertThrows(["NetworkSimplex.solve", "tolerance"]) { try NetworkSimplex(tolerance: .nan).solve(try self.problem(f)) }
        // Every block size gives the optimum.
        for block in [1, 7, 10_000] {
            let b = try NetworkSimplex(blockSize: block).solve(try problem(f))
            XCTAssertEqual(b.transportCost, try f.double("cost"), accuracy: 1e-13, "block \(block)")
        }
    }

    /// Costs near the ends of the double range: the same plan, the cost and potentials scaled.
    func testCostsNearTheEndsOfTheRangeScale() throws {
        let f = try Fixture.load("exact_transport.json").object("weighted")
        let p = try problem(f)
        let base = try NetworkSimplex().solve(p)
        for factor in [1e300, 1e-300] {
            let scaled = try TransportProblem(source: p.source, target: p.target, cost: p.cost.scaled(by: factor))
            let s = try NetworkSimplex().solve(scaled)
            XCTAssertTrue(s.converged)
            XCTAssertEqual(s.transportCost / (factor * base.transportCost), 1, accuracy: 1e-12, "\(factor)")
            XCTAssertEqual(s.plan.count, base.plan.count)
            XCTAssertLessThan(maxDifference(s.sourcePotential.map { $0 / factor }, base.sourcePotential), 1e-11)
            XCTAssertLessThan(s.certificate.dualViolation / factor, 1e-12)
        }
    }

    func testBenchmarkCloudsMatchPOT() throws {
        let f = try Fixture.load("exact_transport.json").object("clouds1000")
        let x = try f.matrix("x"), y = try f.matrix("y")
        let w = [Double](repeating: 1.0 / 1000, count: 1000)
        let p = try TransportProblem(source: try DiscreteMeasure(weights: w, support: x), target: try DiscreteMeasure(weights: w, support: y),
                                     groundCost: .squaredEuclidean)
        let s = try NetworkSimplex().solve(p)
        assertCertified(s, p, "clouds1000")
        XCTAssertEqual(s.transportCost / (try f.double("cost")), 1, accuracy: 1e-12)
    }
}
