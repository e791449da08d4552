import LinearAlgebra
import OptimalTransport
import TestSupport
import XCTest

final class SinkhornAccelerationTests: XCTestCase {
    /// 100 × 100 random cost in [0, 1], uniform weights.
    func randomSquare(seed: UInt64) throws -> TransportProblem {
        var g = Xoshiro256StarStar(seed: seed)
        let w = [Double](repeating: 0.01, count: 100)
        return try TransportProblem(source: w, target: w, cost: Matrix.randomUniform(rows: 100, columns: 100, using: &g))
    }

    func testConvergesWherePlainSinkhornIsSublinear() throws {
        // At η = 10³ (solved directly) and 10⁴ (through the continuation) plain Sinkhorn is still
        // at 1e-6 after 100,000 iterations on these problems; the default converges to 1e-9.
        for seed in [UInt64(1), 2] {
            let p = try randomSquare(seed: seed)
            let exact = try NetworkSimplex().solve(p)
            for eta in [1e3, 1e4] {
                let s = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9).solve(p)
                XCTAssertTrue(s.converged, "seed \(seed) η \(eta): \(s.marginalError)")
                XCTAssertLessThanOrEqual(s.marginalError, 1e-9)
                XCTAssertLessThan(s.iterations, 20_000)
                XCTAssertGreaterThan(s.transportCost, exact.transportCost - 1e-12)
                XCTAssertLessThan(s.transportCost - exact.transportCost, 2 * Foundation.log(100.0) / eta)
                XCTAssertEqual(s.dualValue, s.entropicObjective, accuracy: 1e-9)
                let plain = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9, maxIterations: 20_000, acceleration: .none).solve(p)
                XCTAssertFalse(plain.converged, "plain Sinkhorn needs far more than 20,000 iterations here")
                // The first 100 iterations of the stage are the plain ones.
                let direct = eta * 1 <= EtaContinuation.automaticThreshold
                if direct {
                    XCTAssertEqual(s.history.prefix(100).map(\.marginalError), plain.history.prefix(100).map(\.marginalError))
                }
            }
        }
    }

    func testBudgetEndsOnAPlainStep() throws {
        // Cut short while extrapolating, the solve still returns the last plain step: exact column
        // sums, the error it reports, and no claim of convergence.
        let p = try randomSquare(seed: 3)
        for budget in [150, 151, 157] {
            let s = try Sinkhorn(regularization: .eta(1e3), tolerance: 1e-9, maxIterations: budget).solve(p)
            XCTAssertFalse(s.converged)
            XCTAssertEqual(s.iterations, budget)
            let (rows, columns) = marginals(s.plan)
            XCTAssertLessThan(zip(columns, p.target).reduce(0) { $0 + abs($1.0 - $1.1) }, 1e-12, "the column update ran last")
            let error = zip(rows, p.source).reduce(0) { $0 + abs($1.0 - $1.1) } + zip(columns, p.target).reduce(0) { $0 + abs($1.0 - $1.1) }
            XCTAssertEqual(s.marginalError, error, accuracy: 1e-12)
            XCTAssertTrue(s.plan.elements.allSatisfy { $0.isFinite && $0 >= 0 })
        }
    }

    func testRandomProblemsWithZeroBins() throws {
        // Random shapes of 30–90 bins a side, random weights with zero bins, η from 10² to 10³: converged, with the plan's certificate.
        forAll(cases: 12, seed: 0xACCE1) { g, _ in
            let n = g.int(in: 30...90), m = g.int(in: 30...90)
            var r = (0..<n).map { _ in g.nextUniform() < 0.1 ? 0 : g.nextUniform() }
            var c = (0..<m).map { _ in g.nextUniform() < 0.1 ? 0 : g.nextUniform() }
            r[0] = 1
            c[0] = 1
            let rs = r.reduce(0, +), cs = c.reduce(0, +)
            r = r.map { $0 / rs }
            c = c.map { $0 / cs }
            let p = try TransportProblem(source: r, target: c, cost: Matrix.randomUniform(rows: n, columns: m, using: &g))
            let eta = pow(10, g.double(in: 2...3))
            let s = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9, maxIterations: 200_000).solve(p)
            XCTAssertTrue(s.converged, "n \(n) m \(m) η \(eta): \(s.marginalError)")
            let (pr, pc) = marginals(s.plan)
            XCTAssertLessThan(zip(pr, r).reduce(0) { $0 + abs($1.0 - $1.1) } + zip(pc, c).reduce(0) { $0 + abs($1.0 - $1.1) }, 1e-8)
            XCTAssertEqual(s.dualValue, s.entropicObjective, accuracy: 1e-7 * max(1, abs(s.dualValue)))
            XCTAssertTrue((0..<n).allSatisfy { i in r[i] > 0 || (0..<m).allSatisfy { j in s.plan[i, j] == 0 } })
        }
    }

    func testSmallRandomProblemsNeverFallBehindPlainSinkhorn() throws {
        // Problems of 1–25 bins a side with random weights (some zero) and η from 10² to 10^3.5,
        // accelerated from the start of the stage: each converges, in no more iterations than
        // plain Sinkhorn (up to the 10 iterations of one undone extrapolation's plain steps).
        // Before extrapolations were capped at a plan change of e^20, some of these jumped to
        // potentials from which the remaining drift took hundreds of times longer.
        forAll(cases: 40, seed: 0x5A11) { g, k in
            let n = g.int(in: 1...25), m = g.int(in: 1...25)
            var r = (0..<n).map { _ in g.nextUniform() < 0.15 ? 0 : g.nextUniform() }
            var c = (0..<m).map { _ in g.nextUniform() < 0.15 ? 0 : g.nextUniform() }
            r[0] += 0.01
            c[0] += 0.01
            let rs = r.reduce(0, +), cs = c.reduce(0, +)
            r = r.map { $0 / rs }
            c = c.map { $0 / cs }
            let p = try TransportProblem(source: r, target: c, cost: Matrix.randomUniform(rows: n, columns: m, using: &g))
            let eta = pow(10, g.double(in: 2...3.5))
            let plain = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9, maxIterations: 200_000, acceleration: .none).solve(p)
            let fast = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9, maxIterations: 200_000,
                                    acceleration: .anderson(depth: 40, delay: 0)).solve(p)
            XCTAssertTrue(fast.converged, "case \(k): n \(n) m \(m) η \(eta)")
            if plain.converged {
                XCTAssertLessThanOrEqual(fast.iterations, plain.iterations + 10, "case \(k): n \(n) m \(m) η \(eta)")
                XCTAssertEqual(fast.transportCost, plain.transportCost, accuracy: 1e-6)
            }
        }
    }

    func testOptionsAreValidated() throws {
        var g = Xoshiro256StarStar(seed: 9)
        let w = [Double](repeating: 1.0 / 20, count: 20)
        let p = try TransportProblem(source: w, target: w, cost: Matrix.randomUniform(rows: 20, columns: 20, using: &g))
        // The first `delay` iterations are the plain ones.
        let plain = try Sinkhorn(regularization: .eta(500), tolerance: 1e-9, acceleration: .none).solve(p)
        let delayed = try Sinkhorn(regularization: .eta(500), tolerance: 1e-9, acceleration: .anderson(depth: 5, delay: 30)).solve(p)
        XCTAssertEqual(delayed.history.prefix(31).map(\.marginalError), plain.history.prefix(31).map(\.marginalError))
        XCTAssertNotEqual(delayed.history.prefix(40).map(\.marginalError), plain.history.prefix(40).map(\.marginalError))
        assertThrows(["Sinkhorn.solve", "acceleration depth"]) {
            try Sinkhorn(regularization: .eta(500), acceleration: .anderson(depth: 0, delay: 0)).solve(p)
        }
        assertThrows(["Sinkhorn.solve", "acceleration delay"]) {
            try Sinkhorn(regularization: .eta(500), acceleration: .anderson(depth: 3, delay: -1)).solve(p)
        }
        assertThrows(["SinkhornNewtonSparse.solve", "acceleration depth"]) {
            try SinkhornNewtonSparse(regularization: .eta(500), acceleration: .anderson(depth: 0, delay: 0)).solve(p)
        }
    }
}
