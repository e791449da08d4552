import Foundation
import LinearAlgebra
import OptimalTransport
import TestSupport
import XCTest

final class SinkhornNewtonSparseTests: XCTestCase {
    func testAgreesWithPOTAndWithSinkhorn() throws {
        for fc in try sinkhornFixtureCases() {
            let sns = try SinkhornNewtonSparse(regularization: .epsilon(fc.epsilon), tolerance: 1e-12).solve(fc.problem)
            XCTAssertTrue(sns.converged, fc.name)
            XCTAssertLessThan(maxDifference(sns.plan, fc.plan), 1e-10, fc.name)
            XCTAssertEqual(sns.transportCost, fc.transportCost, accuracy: 1e-10, fc.name)
            let sk = try Sinkhorn(regularization: .epsilon(fc.epsilon), tolerance: 1e-12).solve(fc.problem)
            XCTAssertEqual(sns.transportCost, sk.transportCost, accuracy: 1e-9, fc.name)
            XCTAssertEqual(sns.dualValue, sns.entropicObjective, accuracy: 1e-10, fc.name)
        }
    }

    func testNewtonStageConvergesFastOnARandomProblem() throws {
        // Small random problems are hard for plain Sinkhorn: this one needs 37,920 iterations at η = 300
        // (at η = 600 and 1200 several seeds need more than 3 million); SNS needs about 30.
        var g = Xoshiro256StarStar(seed: 12)
        let p = try TransportProblem(source: [Double](repeating: 1.0 / 60, count: 60), target: [Double](repeating: 1.0 / 60, count: 60),
                                     cost: Matrix.randomUniform(rows: 60, columns: 60, using: &g))
        let sk = try Sinkhorn(regularization: .eta(300), tolerance: 1e-12, maxIterations: 100_000, acceleration: .none).solve(p)
        XCTAssertTrue(sk.converged)
        for rule in [SparsityRule.massThreshold(1e-4), .paper] {
            let sns = try SinkhornNewtonSparse(regularization: .eta(300), tolerance: 1e-12, sparsity: rule, interleaveSinkhorn: false).solve(p)
            XCTAssertTrue(sns.converged, "\(rule)")
            XCTAssertEqual(sns.sinkhornIterations, 20)
            XCTAssertEqual(sns.transportCost, sk.transportCost, accuracy: 1e-9)
            XCTAssertLessThan(sns.iterations * 10, sk.iterations, "\(rule): \(sns.iterations) vs Sinkhorn \(sk.iterations)")
            let (rs, cs) = marginals(sns.plan)
            XCTAssertLessThan(zip(rs, p.source).reduce(0) { $0 + abs($1.0 - $1.1) } + zip(cs, p.target).reduce(0) { $0 + abs($1.0 - $1.1) }, 1e-11)
            // History: warm-up first, then Newton steps whose errors end below the tolerance.
            XCTAssertEqual(sns.history.prefix(20).map(\.stage), [IterationRecord.Stage](repeating: .sinkhorn, count: 20))
            XCTAssertTrue(sns.history.dropFirst(20).allSatisfy { $0.stage != .sinkhorn })
            XCTAssertEqual(sns.history.count, sns.iterations)
            XCTAssertGreaterThan(sns.cgIterations, 0)
        }
    }

    /// Interleaving Newton with Sinkhorn is decided by a work model, not a clock: the same problem
    /// gives the same iterates every time. On a W1 grid problem (short damped steps early) the
    /// interleaved schedule runs Sinkhorn stretches and converges to the same cost.
    func testInterleavedScheduleIsDeterministicAndConverges() throws {
        let side = 10
        let a = Matrix(rows: side, columns: side) { i, j in 1 + Foundation.exp(-Double((i - 3) * (i - 3) + (j - 4) * (j - 4)) / 4) }
        let b = Matrix(rows: side, columns: side) { i, j in 1 + Foundation.exp(-Double((i - 6) * (i - 6) + (j - 6) * (j - 6)) / 6) }
        let p = try TransportProblem.grid(source: a, target: b, groundCost: .manhattan)
        let first = try SinkhornNewtonSparse(regularization: .eta(1200), tolerance: 1e-10).solve(p)
        let second = try SinkhornNewtonSparse(regularization: .eta(1200), tolerance: 1e-10).solve(p)
        XCTAssertTrue(first.converged)
        XCTAssertEqual(first.iterations, second.iterations)
        XCTAssertEqual(first.history.map(\.stage), second.history.map(\.stage))
        XCTAssertEqual(first.sourcePotential, second.sourcePotential)
        let paper = try SinkhornNewtonSparse(regularization: .eta(1200), tolerance: 1e-10, interleaveSinkhorn: false).solve(p)
        XCTAssertTrue(paper.converged)
        XCTAssertEqual(first.transportCost, paper.transportCost, accuracy: 1e-9)
        // Sinkhorn iterations after the warm-up are the interleaved stretches.
        XCTAssertGreaterThan(first.sinkhornIterations, 20, "stretches ran")
        let afterWarmUp = first.history.drop { $0.stage == .sinkhorn }
        XCTAssertEqual(afterWarmUp.filter { $0.stage == .sinkhorn }.count, first.sinkhornIterations - 20)
    }

    func testFallbackRunsWhenNewtonCannotStep() throws {
        // Undamped Newton (the paper's step, maxDamping = 0) cannot step from a 20-iteration
        // warm-up on this small, nearly decoupled plan: every attempt stalls, the fallback runs,
        // and after 20 consecutive stalls Sinkhorn finishes the solve. The answer must still be
        // right and honestly flagged.
        var g = Xoshiro256StarStar(seed: 21)
        let p = try randomProblem(40, 30, &g)
        let sns = try SinkhornNewtonSparse(regularization: .eta(1200), tolerance: 1e-9, maxDamping: 0).solve(p)
        // Plain Sinkhorn: the iteration SNS falls back to.
        let sk = try Sinkhorn(regularization: .eta(1200), tolerance: 1e-9, maxIterations: 200_000, acceleration: .none).solve(p)
        XCTAssertTrue(sns.converged)
        XCTAssertGreaterThan(sns.fallbackIterations, 0)
        XCTAssertTrue(sns.history.contains { $0.stage == .fallback })
        XCTAssertEqual(sns.transportCost, sk.transportCost, accuracy: 1e-9)
        XCTAssertTrue(sns.plan.elements.allSatisfy { $0.isFinite })
        // With damping (the default) the same problem converges in Newton steps.
        let damped = try SinkhornNewtonSparse(regularization: .eta(1200), tolerance: 1e-9, interleaveSinkhorn: false).solve(p)
        XCTAssertTrue(damped.converged)
        XCTAssertEqual(damped.fallbackIterations, 0)
        XCTAssertLessThan(damped.iterations, 100)
        // Interleaved with Sinkhorn where that is measured faster (the default): no stall either.
        let interleaved = try SinkhornNewtonSparse(regularization: .eta(1200), tolerance: 1e-9).solve(p)
        XCTAssertTrue(interleaved.converged)
        XCTAssertEqual(interleaved.fallbackIterations, 0)
        XCTAssertEqual(interleaved.events.stalls, 0)
        XCTAssertEqual(interleaved.transportCost, sk.transportCost, accuracy: 1e-9)
        // Zero Newton and fallback budgets leave the Sinkhorn warm-up alone, honestly not converged.
        let none = try SinkhornNewtonSparse(regularization: .eta(1200), tolerance: 1e-12, warmUpIterations: 3, maxNewtonIterations: 0,
                                            maxFallbackIterations: 0).solve(p)
        XCTAssertFalse(none.converged)
        XCTAssertEqual(none.iterations, 3)
        XCTAssertGreaterThan(none.marginalError, 1e-12)
        // With a spent Newton budget Sinkhorn finishes the solve: never worse than Sinkhorn alone.
        // With plain phases, exactly plain Sinkhorn's iterations; by default the finish is
        // accelerated from its first iteration and takes far fewer.
        let finishedPlain = try SinkhornNewtonSparse(regularization: .eta(1200), tolerance: 1e-9, warmUpIterations: 3, maxNewtonIterations: 0,
                                                     acceleration: .none).solve(p)
        XCTAssertTrue(finishedPlain.converged)
        XCTAssertEqual(finishedPlain.iterations, sk.iterations)
        let finished = try SinkhornNewtonSparse(regularization: .eta(1200), tolerance: 1e-9, warmUpIterations: 3, maxNewtonIterations: 0).solve(p)
        XCTAssertTrue(finished.converged)
        XCTAssertLessThan(finished.iterations * 10, sk.iterations)
        XCTAssertGreaterThan(finished.events.andersonRestarts + finished.fallbackIterations, 0)
        XCTAssertEqual(finished.transportCost, sk.transportCost, accuracy: 1e-9)
    }

    func testZeroBinsRectangularAndSingleBin() throws {
        let fc = try sinkhornFixtureCases().first { $0.name == "zero-bins-8x6" }!
        let sns = try SinkhornNewtonSparse(regularization: .epsilon(fc.epsilon), tolerance: 1e-12).solve(fc.problem)
        XCTAssertTrue(sns.converged)
        XCTAssertLessThan(maxDifference(sns.plan, fc.plan), 1e-10)
        XCTAssertEqual(sns.sourcePotential[5], -.infinity)
        let one = try TransportProblem(source: [1], target: [0.5, 0.5], cost: try Matrix(rowsOf: [[0, 1]]))
        let s1 = try SinkhornNewtonSparse(regularization: .eta(1200)).solve(one)
        XCTAssertTrue(s1.converged)
        XCTAssertEqual(s1.transportCost, 0.5, accuracy: 1e-12)
    }

    func testOptionValidation() throws {
        var g = Xoshiro256StarStar(seed: 11)
        let p = try randomProblem(4, 4, &g)
        let base = SinkhornNewtonSparse(regularization: .eta(10))
        var o = base; o.tolerance = -1
        assertThrows(["tolerance"]) { try o.solve(p) }
        o = base; o.warmUpIterations = 0
        assertThrows(["warmUpIterations"]) { try o.solve(p) }
        o = base; o.cgTolerance = 2
        assertThrows(["cgTolerance"]) { try o.solve(p) }
        o = base; o.armijo = 0.7
        assertThrows(["armijo"]) { try o.solve(p) }
        o = base; o.sparsity = .entriesPerRow(-1)
        assertThrows(["entriesPerRow"]) { try o.solve(p) }
        o = base; o.maxCGIterations = 0
        assertThrows(["maxCGIterations"]) { try o.solve(p) }
    }

    func testRandomProblemsProperty() throws {
        forAll(cases: 12) { g, _ in
            let n = g.int(in: 2...30), m = g.int(in: 2...30)
            let p = try randomProblem(n, m, &g)
            let eta = pow(10, g.double(in: 0.5...3))
            let sns = try SinkhornNewtonSparse(regularization: .eta(eta), tolerance: 1e-10).solve(p)
            XCTAssertTrue(sns.converged, "n \(n) m \(m) η \(eta)")
            XCTAssertLessThanOrEqual(sns.marginalError, 1e-10)
            XCTAssertTrue(sns.plan.elements.allSatisfy { $0.isFinite && $0 >= 0 })
            XCTAssertEqual(sns.dualValue, sns.entropicObjective, accuracy: 1e-8)
        }
    }
}
