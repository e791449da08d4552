import Foundation
import LinearAlgebra
@testable import SlicedWasserstein
import TestSupport
import XCTest

final class SlicedWassersteinTests: XCTestCase {
    func cloud(_ n: Int, _ d: Int, _ g: inout Xoshiro256StarStar, mean: Double = 0, scale: Double = 1) -> Matrix {
        Matrix(rows: n, columns: d) { _, _ in mean + scale * g.nextStandardNormal() }
    }

    func testOneDimensionEqualsExactValue() throws {
        var g = Xoshiro256StarStar(seed: 1)
        let x = cloud(40, 1, &g), y = cloud(30, 1, &g, mean: 1, scale: 2)
        let mu = try EmpiricalMeasure(points: x), nu = try EmpiricalMeasure(points: y)
        let exact = try Wasserstein1D.powered(x.elements, y.elements, p: 2)
        for cv in ControlVariate.allCases {
            for rule in CoefficientRule.allCases {
                let e = try SlicedWasserstein(projections: 12, controlVariate: cv, coefficientRule: rule).estimate(mu, nu, seed: 3)
                XCTAssertEqual(e.powered, exact, accuracy: 1e-12, "\(cv) \(rule)")
                XCTAssertEqual(e.distance!, exact.squareRoot(), accuracy: 1e-12)
            }
        }
    }

    func testTranslationLeastSquaresLowerIsExact() throws {
        var g = Xoshiro256StarStar(seed: 2)
        let d = 10
        let x = cloud(300, d, &g)
        let c = (0..<d).map { Double($0) * 0.1 - 0.3 }
        let y = Matrix(rows: 300, columns: d) { i, k in x[i, k] + c[k] }
        let truth = c.reduce(0) { $0 + $1 * $1 } / Double(d)
        let mu = try EmpiricalMeasure(points: x), nu = try EmpiricalMeasure(points: y)
        for seed in 0..<5 as Range<UInt64> {
            let ls = try SlicedWasserstein(projections: 10, controlVariate: .lower).estimate(mu, nu, seed: seed)
            XCTAssertEqual(ls.powered, truth, accuracy: 1e-10)
            XCTAssertLessThan(ls.standardError, 1e-10)
            let both = try SlicedWasserstein(projections: 10, controlVariate: .both).estimate(mu, nu, seed: seed)
            XCTAssertEqual(both.powered, truth, accuracy: 1e-10)
            // The reference code's known-mean rule is not exact here, and plain MC is not either.
            let known = try SlicedWasserstein(projections: 10, controlVariate: .lower, coefficientRule: .knownMean).estimate(mu, nu, seed: seed)
            XCTAssertEqual(known.monteCarlo, ls.monteCarlo)
            XCTAssertGreaterThan(abs(known.powered - truth) + abs(known.monteCarlo - truth), 1e-6)
        }
    }

    func testScalingLeastSquaresUpperIsExact() throws {
        var g = Xoshiro256StarStar(seed: 4)
        let d = 6, n = 200
        var x = cloud(n, d, &g)
        let m = (0..<d).map { _ in g.nextStandardNormal() }
        // Centre x on m exactly so that Y = a(X − m) + m shares its mean.
        let mean = (0..<d).map { k in (0..<n).reduce(0.0) { $0 + x[$1, k] } / Double(n) }
        x = Matrix(rows: n, columns: d) { i, k in x[i, k] - mean[k] + m[k] }
        let a = 1.7
        let y = Matrix(rows: n, columns: d) { i, k in a * (x[i, k] - m[k]) + m[k] }
        let mu = try EmpiricalMeasure(points: x), nu = try EmpiricalMeasure(points: y)
        let truth = (a - 1) * (a - 1) * mu.covarianceTrace / Double(d)
        let ucv = try SlicedWasserstein(projections: 10, controlVariate: .upper).estimate(mu, nu, seed: 9)
        XCTAssertEqual(ucv.powered, truth, accuracy: 1e-10)
        let mc = try SlicedWasserstein(projections: 10).estimate(mu, nu, seed: 9)
        XCTAssertGreaterThan(abs(mc.powered - truth), 1e-6)
    }

    func testControlVariateMeansMatchDirectionAverages() throws {
        var g = Xoshiro256StarStar(seed: 5)
        let d = 4
        let x = cloud(30, d, &g), y = cloud(25, d, &g, mean: 0.7, scale: 1.3)
        let mu = try EmpiricalMeasure(points: x), nu = try EmpiricalMeasure(points: y)
        let e = try SlicedWasserstein(projections: 3, controlVariate: .both).estimate(mu, nu, seed: 1)
        let dm = zip(mu.mean, nu.mean).map { $0 - $1 }
        // Σ_μ as a d × d matrix (tests only) to evaluate θᵀΣθ directly.
        func covariance(_ m: EmpiricalMeasure) -> Matrix {
            let mean = m.mean
            return Matrix(rows: d, columns: d) { r, c in
                (0..<m.count).reduce(0.0) { $0 + m.weights[$1] * (m.points[$1, r] - mean[r]) * (m.points[$1, c] - mean[c]) }
            }
        }
        let sx = covariance(mu), sy = covariance(nu)
        let count = 1_000_000
        var sumLow = 0.0, sumUp = 0.0, sumLow2 = 0.0, sumUp2 = 0.0
        var theta = [Double](repeating: 0, count: d)
        for _ in 0..<count {
            var norm = 0.0
            for k in 0..<d { theta[k] = g.nextStandardNormal(); norm += theta[k] * theta[k] }
            norm = norm.squareRoot()
            var proj = 0.0
            for k in 0..<d { theta[k] /= norm; proj += theta[k] * dm[k] }
            var qx = 0.0, qy = 0.0
            for r in 0..<d { for c in 0..<d { qx += theta[r] * sx[r, c] * theta[c]; qy += theta[r] * sy[r, c] * theta[c] } }
            let low = proj * proj, up = low + qx + qy
            sumLow += low; sumUp += up; sumLow2 += low * low; sumUp2 += up * up
        }
        let n = Double(count)
        let seLow = ((sumLow2 / n - (sumLow / n) * (sumLow / n)) / n).squareRoot()
        let seUp = ((sumUp2 / n - (sumUp / n) * (sumUp / n)) / n).squareRoot()
        XCTAssertEqual(e.controlMeans[0], sumLow / n, accuracy: 4 * seLow)
        XCTAssertEqual(e.controlMeans[1], sumUp / n, accuracy: 4 * seUp)
        // The control values per direction are the bounds' definitions.
        XCTAssertTrue(zip(e.controls[0], e.controls[1]).allSatisfy { $0 <= $1 })
    }

    func testMatchesPOTOnGivenDirectionsWithWeightsAndDifferentSizes() throws {
        let f = try Fixture.load("sliced.json")
        for c in f["slicedCases"] as! [[String: Any]] {
            let mu = try EmpiricalMeasure(points: try c.matrix("x"), weights: try c.vector("a"))
            let nu = try EmpiricalMeasure(points: try c.matrix("y"), weights: try c.vector("b"))
            let dirs = try c.matrix("directions")
            let e = try SlicedWasserstein(projections: dirs.columns, p: try c.double("p"), directions: .given(dirs)).estimate(mu, nu, seed: 0)
            XCTAssertEqual(e.distance!, try c.double("distance"), accuracy: 1e-12)
        }
    }

    func testMonteCarloIsUnbiasedOverSeeds() throws {
        var g = Xoshiro256StarStar(seed: 6)
        let d = 5
        let x = cloud(50, d, &g)
        let c = [1.0, -2, 0.5, 0, 1]
        let y = Matrix(rows: 50, columns: d) { i, k in x[i, k] + c[k] }
        let truth = c.reduce(0) { $0 + $1 * $1 } / Double(d)
        let mu = try EmpiricalMeasure(points: x), nu = try EmpiricalMeasure(points: y)
        let estimates = try (0..<400 as Range<UInt64>).map { try SlicedWasserstein(projections: 5).estimate(mu, nu, seed: $0).powered }
        let mean = estimates.reduce(0, +) / 400
        let sd = (estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 399).squareRoot()
        XCTAssertEqual(mean, truth, accuracy: 4 * sd / 20)
    }

    func testThreadCountDoesNotChangeTheResultAndDirectionKinds() throws {
        var g = Xoshiro256StarStar(seed: 7)
        let mu = try EmpiricalMeasure(points: cloud(120, 7, &g)), nu = try EmpiricalMeasure(points: cloud(90, 7, &g, mean: 1))
        for kind in [DirectionSampling.uniform, .orthogonal] {
            let one = try SlicedWasserstein(projections: 150, controlVariate: .upper, directions: kind, threads: 1).estimate(mu, nu, seed: 11)
            let three = try SlicedWasserstein(projections: 150, controlVariate: .upper, directions: kind, threads: 3).estimate(mu, nu, seed: 11)
            XCTAssertEqual(one.powered, three.powered)
            XCTAssertEqual(one.values, three.values)
        }
        // Uniform directions have unit norm; orthogonal ones come in orthonormal blocks of d.
        let d = 7, L = 17
        let uniform = try DirectionSampling.uniform.directions(dimension: d, count: L, seed: 5)
        let orthogonal = try DirectionSampling.orthogonal.directions(dimension: d, count: L, seed: 5)
        for (name, theta) in [("uniform", uniform), ("orthogonal", orthogonal)] {
            XCTAssertEqual(theta.rows, d)
            XCTAssertEqual(theta.columns, L)
            for l in 0..<L {
                let norm = (0..<d).reduce(0.0) { $0 + theta[$1, l] * theta[$1, l] }
                XCTAssertEqual(norm, 1, accuracy: 1e-12, "\(name) direction \(l)")
            }
        }
        for block in stride(from: 0, to: L, by: d) {
            for l in block..<min(block + d, L) {
                for k in (l + 1)..<min(block + d, L) {
                    let dot = (0..<d).reduce(0.0) { $0 + orthogonal[$1, l] * orthogonal[$1, k] }
                    XCTAssertEqual(dot, 0, accuracy: 1e-12, "directions \(l) and \(k)")
                }
            }
        }
        // A partial orthogonal block (L = 7 < d) is allowed.
        let e = try SlicedWasserstein(projections: 7, directions: .orthogonal).estimate(mu, nu, seed: 2)
        XCTAssertEqual(e.values.count, 7)
    }

    func testNegativeControlledEstimateIsFlaggedNotNaN() throws {
        var g = Xoshiro256StarStar(seed: 8)
        let x = cloud(20, 3, &g)
        let y = Matrix(rows: 20, columns: 3) { i, k in x[i, k] + (k == 0 ? 0.01 : 0) + 0.001 * g.nextStandardNormal() }
        let mu = try EmpiricalMeasure(points: x), nu = try EmpiricalMeasure(points: y)
        let e = try SlicedWasserstein(projections: 4, controlVariate: .upper).estimate(mu, nu, seed: 1, fixedCoefficients: [1e4])
        XCTAssertTrue(e.powered.isFinite)
        if e.powered < 0 {
            XCTAssertTrue(e.isNegative)
            XCTAssertNil(e.distance)
        } else {
            XCTAssertNotNil(e.distance)
        }
        let forced = try SlicedWasserstein(projections: 4, controlVariate: .lower).estimate(mu, nu, seed: 1, fixedCoefficients: [-1e6])
        let flipped = try SlicedWasserstein(projections: 4, controlVariate: .lower).estimate(mu, nu, seed: 1, fixedCoefficients: [1e6])
        XCTAssertTrue(forced.isNegative || flipped.isNegative)
        for r in [forced, flipped] where r.isNegative { XCTAssertNil(r.distance); XCTAssertFalse(r.powered.isNaN) }
    }

    func testBadInputs() throws {
        var g = Xoshiro256StarStar(seed: 9)
        let mu = try EmpiricalMeasure(points: cloud(5, 3, &g)), nu = try EmpiricalMeasure(points: cloud(5, 2, &g))
        assertThrows(["dimension 3 and 2"]) { try SlicedWasserstein(projections: 5).estimate(mu, nu, seed: 0) }
        assertThrows(["p = 0.9"]) { try SlicedWasserstein(projections: 5, p: 0.9).estimate(mu, mu, seed: 0) }
        assertThrows(["projections", "at least 1"]) { try SlicedWasserstein(projections: 0).estimate(mu, mu, seed: 0) }
        assertThrows(["lower control variate needs at least 2"]) { try SlicedWasserstein(projections: 1, controlVariate: .lower).estimate(mu, mu, seed: 0) }
        assertThrows(["both control variate needs at least 3"]) { try SlicedWasserstein(projections: 2, controlVariate: .both).estimate(mu, mu, seed: 0) }
        assertThrows(["fixedCoefficients"]) { try SlicedWasserstein(projections: 5, controlVariate: .both).estimate(mu, mu, seed: 0, fixedCoefficients: [1]) }
        assertThrows(["source point set is empty"]) { try EmpiricalMeasure(points: Matrix(rows: 0, columns: 3), name: "source") }
        var bad = cloud(4, 2, &g)
        bad[2, 1] = .infinity
        assertThrows(["point 2 has a non-finite coordinate 1"]) { try EmpiricalMeasure(points: bad) }
        assertThrows(["weight 1 is invalid"]) { try EmpiricalMeasure(points: cloud(3, 2, &g), weights: [1, -1, 1]) }
        assertThrows(["weights sum to zero"]) { try EmpiricalMeasure(points: cloud(3, 2, &g), weights: [0, 0, 0]) }
        assertThrows(["directions have dimension 2, points 3"]) {
            try SlicedWasserstein(directions: .given(Matrix(rows: 2, columns: 4, repeating: 1))).estimate(mu, mu, seed: 0)
        }
        assertThrows(["direction 1", "non-zero"]) {
            try SlicedWasserstein(directions: .given(try Matrix(rowsOf: [[1, 0], [0, 0], [0, 0]]))).estimate(mu, mu, seed: 0)
        }
    }
}
