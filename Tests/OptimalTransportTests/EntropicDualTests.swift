import LinearAlgebra
import OptimalTransport
import TestSupport
import XCTest

final class EntropicDualTests: XCTestCase {
    func testGradientAndHessianMatchFiniteDifferences() throws {
        forAll(cases: 8) { g, _ in
            let n = g.int(in: 1...6), m = g.int(in: 1...6)
            let p = try randomProblem(n, m, &g)
            let dual = try EntropicDual(problem: p, regularization: .eta(g.double(in: 1...20)))
            let x = (0..<n).map { _ in g.double(in: -0.2...0.2) }
            let y = (0..<m).map { _ in g.double(in: -0.2...0.2) }
            let ev = try dual.evaluate(x: x, y: y)
            let h = 1e-6
            let grad = ev.gradientX + ev.gradientY
            let hess = try dual.hessian(x: x, y: y)
            for k in 0..<(n + m) {
                var xp = x, yp = y, xm = x, ym = y
                if k < n { xp[k] += h; xm[k] -= h } else { yp[k - n] += h; ym[k - n] -= h }
                let fp = try dual.evaluate(x: xp, y: yp), fm = try dual.evaluate(x: xm, y: ym)
                XCTAssertEqual((fp.value - fm.value) / (2 * h), grad[k], accuracy: 1e-7)
                let gp = fp.gradientX + fp.gradientY, gm = fm.gradientX + fm.gradientY
                for l in 0..<(n + m) {
                    XCTAssertEqual((gp[l] - gm[l]) / (2 * h), hess[l, k], accuracy: 1e-6 * max(1, abs(hess[l, k])))
                }
            }
            // The null direction (1, −1).
            let null = [Double](repeating: 1, count: n) + [Double](repeating: -1, count: m)
            XCTAssertLessThan(try hess.multiplied(by: null).map(abs).max()!, 1e-12)
            XCTAssertEqual(ev.marginalError, grad.reduce(0) { $0 + abs($1) }, accuracy: 1e-14)
        }
    }

    func testDualEqualsPrimalAtTheOptimum() throws {
        var g = Xoshiro256StarStar(seed: 5)
        let p = try randomProblem(9, 7, &g)
        let s = try Sinkhorn(regularization: .eta(30), tolerance: 1e-14).solve(p)
        let dual = try EntropicDual(problem: p, regularization: .eta(30))
        let ev = try dual.evaluate(x: s.sourcePotential, y: s.targetPotential)
        XCTAssertEqual(ev.value, s.entropicObjective, accuracy: 1e-12)
        XCTAssertLessThan(ev.marginalError, 1e-13)
        // Any other point has a smaller dual value (concavity), e.g. a perturbation.
        let worse = try dual.evaluate(x: s.sourcePotential.map { $0 + 0.01 }, y: s.targetPotential)
        XCTAssertLessThan(worse.value, ev.value)
    }

    func testSparsifiedHessianMatchesDenseWhenNothingIsDropped() throws {
        var g = Xoshiro256StarStar(seed: 6)
        let p = try randomProblem(6, 5, &g)
        let dual = try EntropicDual(problem: p, regularization: .eta(3))
        let x = (0..<6).map { _ in g.double(in: -0.1...0.1) }, y = (0..<5).map { _ in g.double(in: -0.1...0.1) }
        let plan = try dual.plan(x: x, y: y)
        let dense = try dual.hessian(x: x, y: y).scaled(by: -1)
        for rule in [SparsityRule.massThreshold(0), .fixedBudget(lambda: 1)] {
            let sparse = try dual.sparsifiedHessian(plan: plan, rule: rule)
            XCTAssertEqual(sparse.keptEntries, 30)
            XCTAssertEqual(sparse.leftOutFraction, 0, accuracy: 1e-15)
            for k in 0..<11 {
                var e = [Double](repeating: 0, count: 11)
                e[k] = 1
                var out = [Double](repeating: 0, count: 11)
                e.withUnsafeBufferPointer { eb in out.withUnsafeMutableBufferPointer { sparse.apply(eb, into: $0) } }
                assertClose(out, dense.column(k), tolerance: 1e-13)
            }
        }
        // Budget rules keep exactly the requested number of largest entries.
        let two = try dual.sparsifiedHessian(plan: plan, rule: .entriesPerRow(2))
        XCTAssertEqual(two.keptEntries, 10)
        let smallest = two.values.min()!
        let all = plan.elements.sorted(by: >)
        XCTAssertEqual(smallest, all[9])
        // The per-row/column mass rule bounds what each row and column loses.
        let loose = try dual.sparsifiedHessian(plan: plan, rule: .massThreshold(0.3))
        var keptRow = [Double](repeating: 0, count: 6), keptCol = [Double](repeating: 0, count: 5)
        for j in 0..<5 {
            for k in loose.columnStarts[j]..<loose.columnStarts[j + 1] {
                keptRow[Int(loose.rowIndices[k])] += loose.values[k]
                keptCol[j] += loose.values[k]
            }
        }
        for i in 0..<6 { XCTAssertLessThanOrEqual(loose.rowDiagonal[i] - keptRow[i], 0.3 * loose.rowDiagonal[i] + 1e-15) }
        for j in 0..<5 { XCTAssertLessThanOrEqual(loose.columnDiagonal[j] - keptCol[j], 0.3 * loose.columnDiagonal[j] + 1e-15) }
        assertThrows(["lambda"]) { try dual.sparsifiedHessian(plan: plan, rule: .fixedBudget(lambda: 0)) }
        assertThrows(["massThreshold"]) { try dual.sparsifiedHessian(plan: plan, rule: .massThreshold(1)) }
        assertThrows(["plan is 5×6"]) { try dual.sparsifiedHessian(plan: plan.transposed, rule: .paper) }
        assertThrows(["potentials of length 2"]) { try dual.evaluate(x: [0, 0], y: y) }
        assertThrows(["x[1]", "finite"]) { try dual.evaluate(x: [0, .nan, 0, 0, 0, 0], y: y) }
    }
}
