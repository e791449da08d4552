import LinearAlgebra
import SensitivitySampling
import TestSupport
import XCTest

/// Inputs that used to crash or read out of bounds: each must now give a typed error.
final class HostileInputTests: XCTestCase {
    /// A sample drawn from a 600 × 4 matrix and applied to a 10 × 4 one.
    func testASampleFromAnotherMatrixIsRejected() throws {
        let big = try MatrixFamily.gaussian.generate(rows: 600, columns: 4, seed: 3)
        let small = try MatrixFamily.gaussian.generate(rows: 10, columns: 4, seed: 4)
        let sample = try SensitivitySampler(scheme: .leverage, p: 2).sample(big, expectedSize: 200, seed: 1)
        XCTAssertTrue(sample.indices.contains { $0 >= 10 })
        assertThrows(["row", "10 rows"]) { try sample.apply(to: small) }
        assertThrows(["row", "10 rows"]) { try Distortion.regressionRatio(small, [Double](repeating: 1, count: 10), sample) }
        assertThrows(["row", "10 rows"]) { try Distortion.lowerBound(small, sample, seed: 0) }
        assertThrows(["row", "10 rows"]) { try Distortion.exactL2(small, sample) }
        assertThrows(["b has 3 entries"]) { try Distortion.regressionRatio(big, [1, 2, 3], sample) }
    }

    func testNegativeCountsAreRejected() throws {
        let a = try MatrixFamily.gaussian.generate(rows: 50, columns: 3, seed: 5)
        let sample = try SensitivitySampler(scheme: .leverage, p: 1).sample(a, expectedSize: 20, seed: 2)
        assertThrows(["ascentSteps", "≥ 0"]) { try Distortion.lowerBound(a, sample, ascentSteps: -1, seed: 0) }
        assertThrows(["probes", "≥ 0"]) { try Distortion.lowerBound(a, sample, probes: -5, seed: 0) }
    }
}
