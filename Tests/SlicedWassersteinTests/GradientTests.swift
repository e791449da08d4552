import LinearAlgebra
import SlicedWasserstein
import TestSupport
import XCTest

final class GradientTests: XCTestCase {
    func testGradientsMatchFiniteDifferences() throws {
        var g = Xoshiro256StarStar(seed: 1)
        let n = 8, d = 3
        let x = Matrix(rows: n, columns: d) { _, _ in g.nextStandardNormal() }
        let y = Matrix(rows: 11, columns: d) { _, _ in 1 + 1.5 * g.nextStandardNormal() }
        let weightsX = (0..<n).map { _ in g.double(in: 0.2...1) }
        let nu = try EmpiricalMeasure(points: y)
        for (cv, p, weighted) in [(ControlVariate.none, 2.0, false), (.lower, 2, false), (.upper, 2, true), (.both, 2, false), (.none, 1.5, true), (.upper, 3, false)] {
            let mu = try EmpiricalMeasure(points: x, weights: weighted ? weightsX : nil)
            let est = SlicedWasserstein(projections: 6, p: p, controlVariate: cv)
            let (e, grad) = try est.gradient(mu, nu, seed: 4)
            let gamma = e.coefficients
            let h = 1e-6
            for i in 0..<n {
                for k in 0..<d {
                    var xp = x, xm = x
                    xp[i, k] += h
                    xm[i, k] -= h
                    let fp = try est.estimate(try EmpiricalMeasure(points: xp, weights: weighted ? weightsX : nil), nu, seed: 4,
                                              fixedCoefficients: cv == .none ? nil : gamma).powered
                    let fm = try est.estimate(try EmpiricalMeasure(points: xm, weights: weighted ? weightsX : nil), nu, seed: 4,
                                              fixedCoefficients: cv == .none ? nil : gamma).powered
                    XCTAssertEqual(grad[i, k], (fp - fm) / (2 * h), accuracy: 1e-6, "\(cv) p \(p) point \(i) coordinate \(k)")
                }
            }
        }
    }

    func testGradientFlowMovesTheCloudTowardTheTarget() throws {
        var g = Xoshiro256StarStar(seed: 2)
        let x = Matrix(rows: 60, columns: 3) { _, _ in g.nextStandardNormal() }
        let y = Matrix(rows: 60, columns: 3) { _, k in 4 + (k == 0 ? 1 : 0.5) * g.nextStandardNormal() }
        let source = try EmpiricalMeasure(points: x), target = try EmpiricalMeasure(points: y)
        for cv in [ControlVariate.none, .upper] {
            let flow = SlicedWassersteinFlow(estimator: SlicedWasserstein(projections: 10, controlVariate: cv),
                                             learningRate: 0.2, steps: 300, checkpoints: [0, 100, 300])
            let r = try flow.run(source: source, target: target, seed: 3)
            XCTAssertEqual(r.checkpoints.map(\.step), [0, 100, 300])
            let check = SlicedWasserstein(projections: 2000)
            let start = try check.estimate(source, target, seed: 99).powered
            let end = try check.estimate(try EmpiricalMeasure(points: r.final), target, seed: 99).powered
            XCTAssertLessThan(end, 0.05 * start, "\(cv)")
        }
        assertThrows(["learningRate"]) { try SlicedWassersteinFlow(estimator: SlicedWasserstein(), learningRate: 0, steps: 1).run(source: source, target: target, seed: 0) }
    }
}
