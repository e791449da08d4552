import LinearAlgebra
import TestSupport
import XCTest

final class RandomTests: XCTestCase {
    func testSplitMix64ReferenceOutputs() {
        // Published reference outputs for seed 1234567 (Vigna's splitmix64.c, Rosetta Code).
        var g = SplitMix64(seed: 1_234_567)
        XCTAssertEqual((0..<5).map { _ in g.next() },
                       [6457827717110365317, 3203168211198807973, 9817491932198370423,
                        4593380528125082431, 16408922859458223821])
    }

    func testXoshiro256StarStarReferenceOutputs() throws {
        // php-src ext/random/tests/02_engine/xoshiro256starstar_seed.phpt: state words
        // 0x0807060504030201 ×4, 1000 outputs skipped, the next one is 0xd1cf0093df25a090.
        let w: UInt64 = 0x0807_0605_0403_0201
        var g = try Xoshiro256StarStar(state: (w, w, w, w))
        for _ in 0..<1000 { _ = g.next() }
        XCTAssertEqual(g.next(), 0xD1CF_0093_DF25_A090)
        // xoshiro256starstar_value.phpt: SplitMix64 seeding from 1234, 10000 outputs skipped,
        // jump(), longJump(), then 0x239196a79c7e191f.
        var h = Xoshiro256StarStar(seed: 1234)
        for _ in 0..<10_000 { _ = h.next() }
        h.jump()
        h.longJump()
        XCTAssertEqual(h.next(), 0x2391_96A7_9C7E_191F)
    }

    func testStreamsAreJumpsAndDeterministic() {
        let s = Xoshiro256StarStar.streams(seed: 42, count: 3)
        var manual = Xoshiro256StarStar(seed: 42)
        XCTAssertEqual(s[0], manual)
        manual.jump()
        XCTAssertEqual(s[1], manual)
        XCTAssertEqual(Xoshiro256StarStar(seed: 42, stream: 2), s[2])
        var a = s[0], b = s[1]
        XCTAssertNotEqual(a.next(), b.next())
        assertThrows(["all zero"]) { try Xoshiro256StarStar(state: (0, 0, 0, 0)) }
    }

    func testUniformAndNormalMoments() {
        var g = Xoshiro256StarStar(seed: 7)
        let n = 200_000
        var sum = 0.0, minU = 1.0, maxU = 0.0
        for _ in 0..<n {
            let u = g.nextUniform()
            sum += u
            minU = min(minU, u); maxU = max(maxU, u)
        }
        XCTAssertGreaterThanOrEqual(minU, 0)
        XCTAssertLessThan(maxU, 1)
        XCTAssertEqual(sum / Double(n), 0.5, accuracy: 4 * (1.0 / 12 / Double(n)).squareRoot())
        let z = RandomSampling.standardNormals(count: n, using: &g)
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let fourth = z.reduce(0) { $0 + $1 * $1 * $1 * $1 } / Double(n)
        XCTAssertEqual(mean, 0, accuracy: 4 / Double(n).squareRoot())
        XCTAssertEqual(variance, 1, accuracy: 4 * (2.0 / Double(n)).squareRoot())
        XCTAssertEqual(fourth, 3, accuracy: 4 * (96.0 / Double(n)).squareRoot())
    }

    func testSphereDirectionsHaveUnitNormAndZeroMean() throws {
        var g = Xoshiro256StarStar(seed: 12)
        for d in [1, 2, 3, 20] {
            let count = 20_000
            let dirs = try RandomSampling.uniformDirections(dimension: d, count: count, using: &g)
            var mean = [Double](repeating: 0, count: d)
            var second = 0.0
            for j in 0..<count {
                var norm2 = 0.0
                for i in 0..<d {
                    norm2 += dirs[i, j] * dirs[i, j]
                    mean[i] += dirs[i, j] / Double(count)
                }
                XCTAssertEqual(norm2, 1, accuracy: 1e-14)
                second += dirs[0, j] * dirs[0, j] / Double(count)
            }
            // Each coordinate has mean 0 and E[θ_1²] = 1/d (standard error ≤ 1/sqrt(count)).
            for i in 0..<d { XCTAssertEqual(mean[i], 0, accuracy: 5 / Double(count).squareRoot()) }
            XCTAssertEqual(second, 1 / Double(d), accuracy: 5 / Double(count).squareRoot())
        }
        assertThrows(["dimension", "at least 1"]) { try RandomSampling.uniformDirections(dimension: 0, count: 3, using: &g) }
        assertThrows(["count"]) { try RandomSampling.uniformDirections(dimension: 2, count: -1, using: &g) }
    }

    func testAliasTableFrequencies() throws {
        let weights = [0.5, 0, 3, 1.5, 5]
        let table = try AliasTable(weights: weights)
        var g = Xoshiro256StarStar(seed: 99)
        let n = 200_000
        var counts = [Int](repeating: 0, count: weights.count)
        for _ in 0..<n { counts[table.sample(using: &g)] += 1 }
        let total = weights.reduce(0, +)
        XCTAssertEqual(counts[1], 0)
        for i in 0..<weights.count {
            let p = weights[i] / total
            let sd = (p * (1 - p) / Double(n)).squareRoot()
            XCTAssertEqual(Double(counts[i]) / Double(n), p, accuracy: 5 * sd + 1e-12)
        }
        assertThrows(["AliasTable", "weights is empty"]) { try AliasTable(weights: []) }
        assertThrows(["AliasTable", "weights[1]", "negative"]) { try AliasTable(weights: [1, -1]) }
        assertThrows(["AliasTable", "sum to zero"]) { try AliasTable(weights: [0, 0]) }
        assertThrows(["AliasTable", "non-finite"]) { try AliasTable(weights: [1, .nan]) }
    }

    func testSummationAccuracy() {
        // 1 + 1e-16 added a million times: naive summation loses every increment.
        var values = [1.0]
        values += [Double](repeating: 1e-16, count: 1_000_000)
        XCTAssertEqual(Summation.compensated(values), 1 + 1e-10, accuracy: 1e-15)
        XCTAssertEqual(Summation.pairwise(values), 1 + 1e-10, accuracy: 1e-13)
        XCTAssertEqual(Summation.pairwise([]), 0)
        XCTAssertEqual(Summation.pairwise([1, 2, 3]), 6)
    }
}
