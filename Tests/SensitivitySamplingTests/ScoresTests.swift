import Foundation
import LinearAlgebra
import SensitivitySampling
import TestSupport
import XCTest

final class ScoresTests: XCTestCase {
    func testLeverageScoresSumToRankAndMatchSVD() throws {
        forAll(cases: 10) { g, _ in
            let n = g.int(in: 5...60), d = g.int(in: 1...min(5, n))
            let a = Matrix.randomNormal(rows: n, columns: d, using: &g)
            let tau = try LeverageScores.exact(a)
            XCTAssertEqual(tau.reduce(0, +), Double(d), accuracy: 1e-10)
            let u = try SVD(a).u
            for i in 0..<n {
                XCTAssertEqual(tau[i], (0..<d).reduce(0.0) { $0 + u[i, $1] * u[i, $1] }, accuracy: 1e-12)
            }
            XCTAssertTrue(tau.allSatisfy { $0 >= -1e-15 && $0 <= 1 + 1e-12 })
        }
        // Rank-deficient: third column = first + second, so Σ τ = 2.
        var g = Xoshiro256StarStar(seed: 3)
        var a = Matrix.randomNormal(rows: 30, columns: 3, using: &g)
        for i in 0..<30 { a[i, 2] = a[i, 0] + a[i, 1] }
        XCTAssertEqual(try LeverageScores.exact(a).reduce(0, +), 2, accuracy: 1e-10)
        // Badly conditioned columns (cond ≈ 1e10) still give Σ τ = d via the QR fallback.
        var b = Matrix.randomNormal(rows: 40, columns: 3, using: &g)
        for i in 0..<40 { b[i, 2] = b[i, 0] + 1e-10 * b[i, 2] }
        XCTAssertEqual(try LeverageScores.exact(b).reduce(0, +), 3, accuracy: 1e-6)
    }

    func testApproximateAndRidgeLeverage() throws {
        var g = Xoshiro256StarStar(seed: 4)
        let a = Matrix.randomNormal(rows: 2000, columns: 10, using: &g)
        let tau = try LeverageScores.exact(a)
        let r = 64
        let approx = try LeverageScores.approximate(a, sketchRows: 400, jlDimension: r, seed: 1)
        // Stated factor: a χ²_r/r factor (relative spread √(2/r)) times the sketch's distortion.
        let ratios = zip(approx, tau).map { $0 / $1 }.sorted()
        let spread = (2.0 / Double(r)).squareRoot()
        XCTAssertGreaterThan(ratios[ratios.count / 100], 1 - 4 * spread - 0.3)
        XCTAssertLessThan(ratios[ratios.count * 99 / 100], 1 + 4 * spread + 0.3)
        XCTAssertEqual(approx.reduce(0, +) / tau.reduce(0, +), 1, accuracy: 0.2)
        let ridge = try LeverageScores.ridge(a, lambda: 50)
        XCTAssertTrue(zip(ridge, tau).allSatisfy { $0 <= $1 + 1e-15 })
        assertThrows(["lambda"]) { try LeverageScores.ridge(a, lambda: -1) }
        assertThrows(["sketchRows"]) { try LeverageScores.approximate(a, sketchRows: 3, seed: 0) }
    }

    func testLewisWeightsFixedPoint() throws {
        let a = try MatrixFamily.studentT.generate(rows: 200, columns: 5, seed: 6)
        for p in [1.0, 1.5, 3, 6] {
            let r = try LewisWeights(p: p).compute(a)
            XCTAssertEqual(r.weights.reduce(0, +), 5, accuracy: 1e-8, "p = \(p)")
            XCTAssertLessThanOrEqual(r.residual, 1e-10, "p = \(p)")
            XCTAssertEqual(r.method, p >= 4 ? .damped : .cohenPeng)
        }
        let two = try LewisWeights(p: 2).compute(a)
        assertClose(two.weights, try LeverageScores.exact(a), tolerance: 1e-12)
        // Force the convex-program fallback with a tiny iteration budget (p ≥ 2).
        let fallback = try LewisWeights(p: 6, tolerance: 1e-9, maxIterations: 2).compute(a)
        XCTAssertEqual(fallback.method, .convexProgram)
        let reference = try LewisWeights(p: 6).compute(a)
        XCTAssertLessThan(maxDifference(fallback.weights, reference.weights), 1e-6)
    }

    func testSensitivitiesAgainstBoundsAndBruteForce() throws {
        let a = try MatrixFamily.spiked.generate(rows: 40, columns: 3, seed: 7)
        let tau = try LeverageScores.exact(a)
        for p in [1.0, 1.5, 2, 3] {
            let scores = try Sensitivities.exact(a, p: p)
            XCTAssertTrue(scores.converged, "every row converges by default: \(scores.convergence)")
            XCTAssertEqual(scores.rowSolves.count, 40)
            XCTAssertEqual(scores.unconvergedRows, [])
            let sigma = scores.values
            let w = try LewisWeights(p: p).compute(a).weights
            if p == 2 { assertClose(sigma, tau, tolerance: 1e-9) }
            let bound = try Sensitivities.lewisUpperBound(lewisWeights: w, p: p, dimension: 3)
            XCTAssertTrue(zip(sigma, bound).allSatisfy { $0 <= $1 * (1 + 1e-6) }, "p = \(p)")
            if p < 2 {
                let root = try Sensitivities.rootLeverageUpperBound(leverage: tau, p: p)
                XCTAssertTrue(zip(sigma, root).allSatisfy { $0 <= $1 * (1 + 1e-6) })
            }
            let total = Sensitivities.total(sigma)
            XCTAssertLessThanOrEqual(total, p <= 2 ? 3 + 1e-6 : pow(3, p / 2) + 1e-6)
            XCTAssertGreaterThanOrEqual(total, 1 - 1e-9)
        }
        // d = 2: brute force over directions on the half circle.
        let b = try MatrixFamily.studentT.generate(rows: 12, columns: 2, seed: 8)
        for p in [1.0, 1.5, 3] {
            let sigma = try Sensitivities.exact(b, p: p).values
            for i in 0..<12 {
                var best = 0.0
                for k in 0..<20_000 {
                    let phi = Double.pi * Double(k) / 20_000
                    let x = [cos(phi), sin(phi)]
                    var total = 0.0
                    for j in 0..<12 { total += pow(abs(b[j, 0] * x[0] + b[j, 1] * x[1]), p) }
                    best = max(best, pow(abs(b[i, 0] * x[0] + b[i, 1] * x[1]), p) / total)
                }
                XCTAssertEqual(sigma[i], best, accuracy: 1e-4 * max(best, 1e-3), "p = \(p), row \(i)")
                XCTAssertGreaterThanOrEqual(sigma[i], best * (1 - 1e-5))
            }
        }
        // The approximation over a sample that keeps every row (expected size n) is the exact value.
        let approx = try Sensitivities.approximate(a, p: 1.5, sampleSize: 40, seed: 1)
        let exact = try Sensitivities.exact(a, p: 1.5)
        assertClose(approx.values, exact.values, tolerance: 1e-9)
    }

    func testBadInputs() throws {
        var g = Xoshiro256StarStar(seed: 9)
        var a = Matrix.randomNormal(rows: 10, columns: 3, using: &g)
        a[4, 1] = .nan
        assertThrows(["row 4, column 1 is not finite"]) { try LeverageScores.exact(a) }
        assertThrows(["row 4, column 1"]) { try LewisWeights(p: 1).compute(a) }
        let wide = Matrix.randomNormal(rows: 2, columns: 3, using: &g)
        assertThrows(["2 rows but 3 columns"]) { try LewisWeights(p: 1).compute(wide) }
        assertThrows(["2 rows but 3 columns"]) { try Sensitivities.exact(wide, p: 1) }
        var zero = Matrix.randomNormal(rows: 10, columns: 3, using: &g)
        for k in 0..<3 { zero[6, k] = 0 }
        assertThrows(["row 6 is zero"]) { try LewisWeights(p: 1.5).compute(zero) }
        assertThrows(["row 6 is zero"]) { try Sensitivities.exact(zero, p: 1) }
        let ok = Matrix.randomNormal(rows: 10, columns: 3, using: &g)
        assertThrows(["p = 0.5"]) { try LewisWeights(p: 0.5).compute(ok) }
        assertThrows(["p = 0.9"]) { try Sensitivities.exact(ok, p: 0.9) }
        assertThrows(["matrix is empty"]) { try LeverageScores.exact(Matrix(rows: 0, columns: 0)) }
        assertThrows(["sampleSize"]) { try Sensitivities.approximate(ok, p: 1, sampleSize: 2, seed: 0) }
        assertThrows(["rowTolerance"]) { try Sensitivities.exact(ok, p: 1, rowTolerance: .nan) }
        assertThrows(["maxRowIterations", "≥ 1"]) { try Sensitivities.exact(ok, p: 1, maxRowIterations: 0) }
    }
}

/// Exact ℓ1 sensitivities against an independent LP reference (HiGHS, vertex polished and certified
/// by its dual multipliers; `Fixtures/generate.py`).
final class L1SensitivityFixtureTests: XCTestCase {
    func testEveryRowMatchesTheLinearProgramsOfHiGHS() throws {
        let f = try Fixture.load("l1_sensitivities.json")
        let a = try f.matrix("a")
        let reference = try f.vector("sensitivities")
        let scores = try Sensitivities.exact(a, p: 1)
        XCTAssertTrue(scores.converged, "\(scores.convergence)")
        XCTAssertEqual(scores.unconvergedRows, [])
        XCTAssertEqual(scores.rowSolves.count, a.rows)
        var worst = 0.0, worstRow = -1
        for (i, (s, r)) in zip(scores.values, reference).enumerated() where abs(s - r) / r > worst {
            worst = abs(s - r) / r
            worstRow = i
        }
        XCTAssertLessThanOrEqual(worst, 1e-9, "worst relative difference at row \(worstRow)")
        // The certified total is a sum of sensitivities, at most d = 8.
        XCTAssertLessThanOrEqual(Sensitivities.total(scores.values), 8 + 1e-9)
    }

    /// A pivot cap too small for some rows: they are listed, not silently wrong.
    func testRowsStoppedAtThePivotCapAreReported() throws {
        let f = try Fixture.load("l1_sensitivities.json")
        let a = try f.matrix("a")
        let head = Matrix(rows: 300, columns: a.columns) { i, j in a[i, j] }
        let capped = try Sensitivities.exact(head, p: 1, maxRowIterations: 1)
        XCTAssertFalse(capped.converged)
        XCTAssertFalse(capped.unconvergedRows.isEmpty)
        XCTAssertEqual(capped.rowSolves.unconverged, capped.unconvergedRows.count)
        assertThrows(["Sensitivities.exact", "did not converge"]) { try capped.requireConverged("Sensitivities.exact") }
    }
}
