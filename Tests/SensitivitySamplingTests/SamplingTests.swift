import Foundation
import LinearAlgebra
import SensitivitySampling
import TestSupport
import XCTest

final class SamplingTests: XCTestCase {
    func testRegressionMatchesSciPyAndLP() throws {
        let f = try Fixture.load("sensitivity.json")
        for c in f["regression"] as! [[String: Any]] {
            let p = try c.double("p")
            let r = try LpRegression(p: p).solve(try c.matrix("a"), try c.vector("b"))
            let reference = try c.double("objective")
            XCTAssertEqual(r.objective, reference, accuracy: 1e-7 * reference, "p = \(p)")
            XCTAssertLessThanOrEqual(r.objective, reference * (1 + 1e-7))
            if p != 1 { assertClose(r.solution, try c.vector("solution"), tolerance: 1e-5) }
        }
        // Weighted rows equal repeated rows (weight 2 = the row twice).
        var g = Xoshiro256StarStar(seed: 1)
        let a = Matrix.randomNormal(rows: 20, columns: 3, using: &g)
        let b = (0..<20).map { _ in g.nextStandardNormal() }
        let doubled = Matrix(rows: 21, columns: 3) { i, k in a[i == 20 ? 0 : i, k] }
        for p in [1.0, 1.5, 3] {
            let weighted = try LpRegression(p: p).solve(a, b, rowWeights: [2] + [Double](repeating: 1, count: 19))
            let repeated = try LpRegression(p: p).solve(doubled, b + [b[0]])
            XCTAssertEqual(weighted.objective, repeated.objective, accuracy: 1e-8 * repeated.objective)
        }
        assertThrows(["A has 20 rows, b has 3"]) { try LpRegression(p: 1).solve(a, [1, 2, 3]) }
        assertThrows(["rowWeights[2]"]) { try LpRegression(p: 1).solve(a, b, rowWeights: [1, 1, -1] + [Double](repeating: 1, count: 17)) }
    }

    func testBernoulliSizesHitTheirTargets() throws {
        let a = try MatrixFamily.spiked.generate(rows: 500, columns: 4, seed: 2)
        for scheme in [SamplingScheme.uniform, .leverage, .lewis] {
            let sampler = SensitivitySampler(scheme: scheme, p: 1.5)
            let sizes = try (0..<60 as Range<UInt64>).map { try sampler.sample(a, expectedSize: 80, seed: $0).count }
            let scores = try sampler.scores(a)
            let q = try Sampler.probabilities(scores: scores, expectedSize: 80)
            XCTAssertEqual(q.reduce(0, +), 80, accuracy: 1e-8)
            let sd = q.reduce(0) { $0 + $1 * (1 - $1) }.squareRoot()
            let mean = Double(sizes.reduce(0, +)) / 60
            XCTAssertEqual(mean, 80, accuracy: 3 * sd / 60.0.squareRoot() + 1e-9, "\(scheme)")
        }
        let recursive = try SensitivitySampler(scheme: .rootLeverage, p: 1).sample(a, expectedSize: 60, seed: 3)
        XCTAssertGreaterThan(recursive.count, 30)
        XCTAssertLessThan(recursive.count, 110)
        // With replacement: row i drawn c_i times has power weight c_i / (m π_i), π = τ / Σ τ; the
        // multiplicities are positive integers that add up to the number of draws.
        let tau = try LeverageScores.exact(a)
        let draws = try Sampler.withReplacement(scores: tau, draws: 50, p: 1, seed: 4)
        XCTAssertLessThanOrEqual(draws.count, 50)
        let totalTau = tau.reduce(0, +)
        var multiplicities = 0
        for (k, i) in draws.indices.enumerated() {
            let c = draws.powerWeights[k] * 50 * tau[i] / totalTau
            XCTAssertEqual(c, c.rounded(), accuracy: 1e-9, "row \(i)")
            XCTAssertGreaterThanOrEqual(c.rounded(), 1)
            multiplicities += Int(c.rounded())
        }
        XCTAssertEqual(multiplicities, 50)
        // Bernoulli: every kept row is scaled by exactly q_i^(−1/p).
        for p in [1.0, 1.5, 3] {
            let sampler = SensitivitySampler(scheme: .leverage, p: p)
            let q = try Sampler.probabilities(scores: try sampler.scores(a), expectedSize: 80)
            let sample = try sampler.sample(a, expectedSize: 80, seed: 9)
            XCTAssertEqual(sample.indices, sample.indices.sorted())
            for (k, i) in sample.indices.enumerated() {
                XCTAssertEqual(sample.probabilities[k], q[i], accuracy: 1e-15)
                XCTAssertEqual(sample.weights[k], pow(q[i], -1 / p), accuracy: 1e-12 * sample.weights[k])
            }
        }
    }

    func testUnbiasedness() throws {
        let a = try MatrixFamily.studentT.generate(rows: 300, columns: 3, seed: 5)
        var g = Xoshiro256StarStar(seed: 6)
        let x = (0..<3).map { _ in g.nextStandardNormal() }
        let ax = try a.multiplied(by: x)
        for (scheme, p) in [(SamplingScheme.lewis, 1.0), (.sensitivity, 1.5), (.leverage, 3)] {
            let sampler = SensitivitySampler(scheme: scheme, p: p)
            let scores = try sampler.scores(a)
            let truth = ax.reduce(0) { $0 + pow(abs($1), p) }
            let values = try (0..<300 as Range<UInt64>).map { seed -> Double in
                let s = try Sampler.bernoulli(scores: scores, expectedSize: 40, p: p, seed: seed)
                return zip(s.indices, s.powerWeights).reduce(0) { $0 + $1.1 * pow(abs(ax[$1.0]), p) }
            }
            let mean = values.reduce(0, +) / 300
            let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 299).squareRoot()
            XCTAssertEqual(mean / truth, 1, accuracy: 4 * sd / truth / 300.0.squareRoot() + 1e-12, "\(scheme) p \(p)")
        }
    }

    func testIdentityBlocksKeepEveryBlockUnderSensitivitySampling() throws {
        let d = 8
        let a = try MatrixFamily.identityBlocks.generate(rows: 600, columns: d, seed: 7)
        func blocksCovered(_ s: RowSample) -> Int {
            Set(s.indices.map { i in (0..<d).first { a[i, $0] != 0 }! }).count
        }
        var uniformMissed = 0
        let scores = try SensitivitySampler(scheme: .sensitivity, p: 1).scores(a)
        for seed in 0..<20 as Range<UInt64> {
            let s = try Sampler.bernoulli(scores: scores, expectedSize: 40, p: 1, seed: seed)
            XCTAssertEqual(blocksCovered(s), d)
            let u = try SensitivitySampler(scheme: .uniform, p: 1).sample(a, expectedSize: 40, seed: seed)
            if blocksCovered(u) < d { uniformMissed += 1 }
        }
        XCTAssertGreaterThan(uniformMissed, 15)
        XCTAssertEqual(scores.reduce(0, +) - 1, Double(d), accuracy: 1e-8)   // σ + 1/n per row
    }

    func testDistortionMeasures() throws {
        let a = try MatrixFamily.gaussian.generate(rows: 400, columns: 4, seed: 8)
        let s = try SensitivitySampler(scheme: .leverage, p: 2).sample(a, expectedSize: 120, seed: 1)
        let exact = try Distortion.exactL2(a, s)
        let lower = try Distortion.lowerBound(a, s, seed: 3)
        XCTAssertLessThanOrEqual(lower, exact + 1e-9)
        XCTAssertGreaterThan(lower, 0.9 * exact)
        // d = 2: the planar exact value bounds the probe-based lower bound.
        let b = try MatrixFamily.studentT.generate(rows: 300, columns: 2, seed: 9)
        for p in [1.0, 1.5, 3] {
            let sample = try SensitivitySampler(scheme: .lewis, p: p).sample(b, expectedSize: 60, seed: 2)
            let planar = try Distortion.planar(b, sample)
            let probe = try Distortion.lowerBound(b, sample, seed: 4)
            XCTAssertLessThanOrEqual(probe, planar + 1e-9, "p = \(p)")
            XCTAssertGreaterThan(probe, 0.8 * planar, "p = \(p)")
        }
        let y = (0..<400).map { i in a[i, 0] - 2 * a[i, 2] + 0.3 * sin(Double(i)) }
        let ratio = try Distortion.regressionRatio(a, y, try SensitivitySampler(scheme: .lewis, p: 1).sample(a, expectedSize: 100, seed: 3))
        XCTAssertGreaterThanOrEqual(ratio, 1 - 1e-9)
        XCTAssertLessThan(ratio, 1.5)
        assertThrows(["d = 2"]) { try Distortion.planar(a, s) }
    }

    func testSamplerBadInputs() throws {
        let a = try MatrixFamily.gaussian.generate(rows: 50, columns: 3, seed: 10)
        assertThrows(["target size", "(0, n]"]) { try SensitivitySampler(scheme: .leverage, p: 1).sample(a, expectedSize: 0, seed: 1) }
        assertThrows(["target size"]) { try SensitivitySampler(scheme: .leverage, p: 1).sample(a, expectedSize: 51, seed: 1) }
        assertThrows(["scores[1]"]) { try Sampler.probabilities(scores: [1, -1, 1], expectedSize: 1) }
        assertThrows(["must not all be zero"]) { try Sampler.probabilities(scores: [0, 0], expectedSize: 1) }
        assertThrows(["exceeds the 1 rows"]) { try Sampler.probabilities(scores: [0, 1], expectedSize: 2) }
        assertThrows(["draws"]) { try Sampler.withReplacement(scores: [1, 1], draws: 0, p: 1, seed: 1) }
        assertThrows(["p = 0.2"]) { try Sampler.bernoulli(scores: [1, 1], expectedSize: 1, p: 0.2, seed: 1) }
        assertThrows(["n ≥ d"]) { try MatrixFamily.gaussian.generate(rows: 2, columns: 3, seed: 1) }
        assertThrows(["n ≥ 2d"]) { try MatrixFamily.identityBlocks.generate(rows: 5, columns: 3, seed: 1) }
    }
}
