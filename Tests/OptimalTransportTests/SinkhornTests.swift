import LinearAlgebra
import OptimalTransport
import TestSupport
import XCTest

final class SinkhornTests: XCTestCase {
    func testMatchesPOTSinkhornLog() throws {
        for fc in try sinkhornFixtureCases() {
            for form in [Sinkhorn.Form.automatic, .logDomain] {
                let s = try Sinkhorn(regularization: .epsilon(fc.epsilon), tolerance: 1e-12, form: form).solve(fc.problem)
                XCTAssertTrue(s.converged, fc.name)
                XCTAssertLessThan(maxDifference(s.plan, fc.plan), 1e-10, "\(fc.name) plan, \(form)")
                XCTAssertEqual(s.transportCost, fc.transportCost, accuracy: 1e-10, fc.name)
                let (rs, cs) = marginals(s.plan)
                XCTAssertLessThan(maxDifference(rs, fc.problem.source) + maxDifference(cs, fc.problem.target), 1e-12, fc.name)
                XCTAssertEqual(s.dualValue, s.entropicObjective, accuracy: 1e-10, fc.name)
            }
        }
    }

    func testZeroMassBinsGetZeroRowsAndInfinitePotentials() throws {
        let fc = try sinkhornFixtureCases().first { $0.name == "zero-bins-8x6" }!
        let s = try Sinkhorn(regularization: .epsilon(fc.epsilon), tolerance: 1e-12).solve(fc.problem)
        XCTAssertEqual(s.sourcePotential[1], -.infinity)
        XCTAssertEqual(s.targetPotential[2], -.infinity)
        for j in 0..<6 { XCTAssertEqual(s.plan[1, j], 0); XCTAssertEqual(s.plan[5, j], 0) }
        for i in 0..<8 { XCTAssertEqual(s.plan[i, 2], 0) }
        XCTAssertFalse(s.plan.elements.contains { $0.isNaN })
    }

    func testSameIteratesAsIndependentNumPyImplementation() throws {
        let f = try Fixture.load("optimal_transport.json").object("iterationCounts")
        let cost = try f.matrix("cost")
        let n = cost.rows
        let w = [Double](repeating: 1 / Double(n), count: n)
        let problem = try TransportProblem(source: w, target: w, cost: cost)
        let counts = f["iterations"] as! [Int]
        let tolerances = try f.vector("tolerances")
        for (k, (tol, expected)) in zip(tolerances, counts).enumerated() {
            // The log-domain form is slow in a debug build: check it on the first tolerance only.
            for form in k == 0 ? [Sinkhorn.Form.automatic, .logDomain] : [.automatic] {
                let s = try Sinkhorn(regularization: .eta(try f.double("eta")), tolerance: tol, form: form, acceleration: .none).solve(problem)
                XCTAssertTrue(s.converged)
                XCTAssertEqual(Double(s.iterations), Double(expected), accuracy: 1, "tolerance \(tol), \(form)")
            }
        }
    }

    func testEntropicCostApproachesEMD() throws {
        let f = try Fixture.load("optimal_transport.json").object("emdLimit")
        let p = try TransportProblem(source: try f.vector("source"), target: try f.vector("target"), cost: try f.matrix("cost"))
        let emd = try f.double("emd2")
        let potCosts = try f.object("sinkhornCosts")
        var gaps: [Double] = []
        for eta in [10.0, 100, 1000] {
            let s = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-12, maxIterations: 200_000).solve(p)
            XCTAssertTrue(s.converged)
            // Every η has a POT reference; a missing one is a broken fixture, not a skipped check.
            XCTAssertEqual(s.transportCost, try potCosts.double(String(Int(eta))), accuracy: 1e-9)
            gaps.append(s.transportCost - emd)
        }
        // η = 10⁴: Sinkhorn needs ~10⁵ iterations here; SNS converges in a few dozen.
        let sns = try SinkhornNewtonSparse(regularization: .eta(10_000), tolerance: 1e-11).solve(p)
        XCTAssertTrue(sns.converged)
        gaps.append(sns.transportCost - emd)
        XCTAssertTrue(gaps.allSatisfy { $0 >= -1e-12 })
        XCTAssertEqual(gaps, gaps.sorted(by: >))
        XCTAssertLessThan(gaps.last!, 1e-4)
    }

    func testLargeEtaStaysFinite() throws {
        var g = Xoshiro256StarStar(seed: 21)
        let p = try randomProblem(40, 30, &g)
        for eta in [1200.0, 10_000] {
            // Sinkhorn for a bounded number of iterations (it needs O(η) of them), SNS to convergence.
            for form in [Sinkhorn.Form.automatic, .logDomain] {
                let s = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9, maxIterations: form == .logDomain ? 300 : 3000, form: form, continuation: .none).solve(p)
                XCTAssertLessThan(s.marginalError, s.history[0].marginalError)
                XCTAssertTrue(s.history.allSatisfy { $0.marginalError.isFinite && $0.dualValue.isFinite })
                XCTAssertTrue(s.plan.elements.allSatisfy { $0.isFinite && $0 >= 0 })
                XCTAssertTrue((s.sourcePotential + s.targetPotential).allSatisfy { $0.isFinite })
                XCTAssertTrue(s.transportCost.isFinite && s.dualValue.isFinite && s.entropicObjective.isFinite)
                let (rs, _) = marginals(s.plan)
                XCTAssertFalse(rs.contains(0), "no underflowed rows")
            }
            // From a cold start at η = 10⁴ this instance needs 649,000 Sinkhorn iterations; SNS
            // converges with a longer warm-up (its Newton steps are capped at a factor e^20 per entry).
            let sns = try SinkhornNewtonSparse(regularization: .eta(eta), tolerance: 1e-9, warmUpIterations: eta > 5000 ? 1000 : 20,
                                               maxNewtonIterations: 400).solve(p)
            XCTAssertTrue(sns.converged, "SNS at η = \(eta)")
            XCTAssertTrue(sns.plan.elements.allSatisfy { $0.isFinite && $0 >= 0 })
            XCTAssertTrue((sns.sourcePotential + sns.targetPotential).allSatisfy { $0.isFinite })
        }
    }

    func testRectangularSingleBinAndMassScaling() throws {
        // n = 1: the plan is the target itself.
        let one = try TransportProblem(source: [1], target: [0.25, 0.75], cost: try Matrix(rowsOf: [[0.3, 0.9]]))
        let s1 = try Sinkhorn(regularization: .eta(100), tolerance: 1e-14).solve(one)
        XCTAssertEqual(s1.plan[0, 0], 0.25, accuracy: 1e-14)
        XCTAssertEqual(s1.transportCost, 0.25 * 0.3 + 0.75 * 0.9, accuracy: 1e-14)
        // Mass 3: plan scales, potentials shift, objectives transform consistently.
        var g = Xoshiro256StarStar(seed: 2)
        let unit = try randomProblem(5, 7, &g)
        let heavy = try TransportProblem(source: unit.source.map { 3 * $0 }, target: unit.target.map { 3 * $0 }, cost: unit.cost)
        let a = try Sinkhorn(regularization: .epsilon(0.1), tolerance: 1e-13).solve(unit)
        let b = try Sinkhorn(regularization: .epsilon(0.1), tolerance: 1e-13).solve(heavy)
        XCTAssertLessThan(maxDifference(b.plan, a.plan.scaled(by: 3)), 1e-12)
        XCTAssertEqual(b.transportCost, 3 * a.transportCost, accuracy: 1e-12)
        XCTAssertEqual(b.dualValue, b.entropicObjective, accuracy: 1e-11)
        let (rs, cs) = marginals(b.plan)
        XCTAssertLessThan(maxDifference(rs, heavy.source) + maxDifference(cs, heavy.target), 1e-12)
    }

    func testConvergedFlagIsHonestAndHistoryIsComplete() throws {
        var g = Xoshiro256StarStar(seed: 3)
        let p = try randomProblem(30, 30, &g)
        let s = try Sinkhorn(regularization: .eta(1200), tolerance: 1e-12, maxIterations: 5).solve(p)
        XCTAssertFalse(s.converged)
        XCTAssertEqual(s.iterations, 5)
        XCTAssertEqual(s.history.count, 5)
        XCTAssertGreaterThan(s.marginalError, 1e-12)
        XCTAssertEqual(s.history.map(\.iteration), Array(1...5))
        XCTAssertEqual(s.history.last!.marginalError, s.marginalError, accuracy: 1e-12)
        // An unreachable tolerance does not hang and does not claim convergence.
        let t = try Sinkhorn(regularization: .eta(10), tolerance: 1e-30, maxIterations: 2000).solve(p)
        XCTAssertFalse(t.converged)
        XCTAssertLessThan(t.marginalError, 1e-13)
        assertThrows(["tolerance"]) { try Sinkhorn(regularization: .eta(10), tolerance: 0).solve(p) }
        assertThrows(["maxIterations"]) { try Sinkhorn(regularization: .eta(10), maxIterations: 0).solve(p) }
    }

    func testRandomProblemsProperty() throws {
        // Random shapes, weights (with some zero bins) and regularizations: always finite, plan
        // marginals within tolerance, dual value equal to the primal objective.
        forAll(cases: 25) { g, _ in
            let n = g.int(in: 1...25), m = g.int(in: 1...25)
            var r = (0..<n).map { _ in g.nextUniform() < 0.15 ? 0 : g.nextUniform() }
            var c = (0..<m).map { _ in g.nextUniform() < 0.15 ? 0 : g.nextUniform() }
            if r.allSatisfy({ $0 == 0 }) { r[0] = 1 }
            if c.allSatisfy({ $0 == 0 }) { c[0] = 1 }
            let rs = r.reduce(0, +), cs = c.reduce(0, +)
            r = r.map { $0 / rs }
            c = c.map { $0 / cs }
            let p = try TransportProblem(source: r, target: c, cost: Matrix.randomUniform(rows: n, columns: m, using: &g))
            let eta = pow(10, g.double(in: 0...3.5))
            let s = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9, maxIterations: 200_000).solve(p)
            XCTAssertTrue(s.converged, "n \(n) m \(m) η \(eta)")
            XCTAssertLessThanOrEqual(s.marginalError, 1e-9, "a converged flag must hold for the returned plan")
            XCTAssertTrue(s.plan.elements.allSatisfy { $0.isFinite && $0 >= 0 })
            let (pr, pc) = marginals(s.plan)
            XCTAssertLessThan(zip(pr, r).reduce(0) { $0 + abs($1.0 - $1.1) } + zip(pc, c).reduce(0) { $0 + abs($1.0 - $1.1) }, 1e-8)
            XCTAssertEqual(s.dualValue, s.entropicObjective, accuracy: 1e-7 * max(1, abs(s.dualValue)))
        }
    }
}
