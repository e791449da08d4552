import Foundation
import LinearAlgebra
import SlicedWasserstein
import TestSupport
import XCTest

/// `SW_p` stays exact when its p-th power leaves the double range: the per-direction values are
/// carried in units of `powerUnit^p` and `distance` is computed from them.
final class ExtremePowerTests: XCTestCase {
    /// In one dimension every direction is ±1, so `SW_p` of a cloud and its translate is the 1-D
    /// `W_p` of the matched (sorted) differences `d_k`, `(mean d_k^p)^{1/p}` — about the shift `t`
    /// for every `p`, however large or small `t^p` is.
    func testTranslateInOneDimensionIsTheShiftForAnyPower() throws {
        var g = Xoshiro256StarStar(seed: 5)
        let a = (0..<50).map { _ in 100 * g.nextUniform() }
        for (shift, p) in [(7.0, 400.0), (3e150, 3.0), (2.5, 2000.0), (3e-200, 2.0), (1e-10, 400.0)] {
            let mu = try EmpiricalMeasure(points: try Matrix(rows: 50, columns: 1, elements: a.map { $0 * (shift < 1e-100 ? 1e-198 : 1) }))
            let nu = try EmpiricalMeasure(points: try Matrix(rows: 50, columns: 1, elements: mu.points.elements.map { $0 + shift }))
            for cv in ControlVariate.allCases {
                let e = try SlicedWasserstein(projections: 8, p: p, controlVariate: cv).estimate(mu, nu, seed: 1)
                let distance = try XCTUnwrap(e.distance, "\(shift) \(p) \(cv)")
                let d = zip(mu.points.elements.sorted(), nu.points.elements.sorted()).map { abs($1 - $0) }
                let top = d.max()!
                let expected = top * pow(d.reduce(0) { $0 + pow($1 / top, p) } / Double(d.count), 1 / p)
                XCTAssertEqual(expected / shift, 1, accuracy: 1e-3, "the test's own cloud: shift \(shift)")
                XCTAssertEqual(distance / expected, 1, accuracy: 1e-9, "shift \(shift), p = \(p), \(cv)")
                XCTAssertTrue(e.powered.isFinite && e.standardError.isFinite && e.values.allSatisfy { $0.isFinite })
            }
        }
    }

    /// `SW_p(sX, sY) = s · SW_p(X, Y)` on the same directions: a scale that pushes `W^p` past the
    /// double range changes the distance by exactly `s`, controlled or not.
    func testHomogeneityAcrossTheOverflowThreshold() throws {
        var g = Xoshiro256StarStar(seed: 6)
        let x = Matrix(rows: 60, columns: 3) { _, _ in g.nextStandardNormal() }
        let y = Matrix(rows: 60, columns: 3) { _, _ in 1 + 2 * g.nextStandardNormal() }
        for cv in ControlVariate.allCases {
            let sw = SlicedWasserstein(projections: 40, p: 100, controlVariate: cv)
            let base = try sw.estimate(try EmpiricalMeasure(points: x), try EmpiricalMeasure(points: y), seed: 9)
            XCTAssertEqual(base.powerUnit, 1, "\(cv): representable without scaling")
            for s in [1e3, 1e-3] {
                let scaled = try sw.estimate(try EmpiricalMeasure(points: x.scaled(by: s)), try EmpiricalMeasure(points: y.scaled(by: s)), seed: 9)
                XCTAssertNotEqual(scaled.powerUnit, 1, "\(cv), s = \(s): scaled")
                XCTAssertEqual(try XCTUnwrap(scaled.distance) / (s * (try XCTUnwrap(base.distance))), 1, accuracy: 1e-9, "\(cv), s = \(s)")
            }
        }
    }
}
