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

/// Failures name the public routine the caller called, with the typed cause inside.
final class RoutineErrorTests: XCTestCase {
    func testErrorsNameTheRoutineAndKeepTheTypedCause() throws {
        var g = Xoshiro256StarStar(seed: 9)
        var a = Matrix.randomNormal(rows: 10, columns: 3, using: &g)
        a[4, 1] = .nan
        do {
            _ = try LewisWeights(p: 1).compute(a)
            XCTFail("expected an error")
        } catch let error as RoutineError {
            XCTAssertEqual(error.routine, "LewisWeights.compute")
            XCTAssertEqual(error.rootCause as? SensitivitySamplingError, .nonFiniteEntry(row: 4, column: 1))
            XCTAssertTrue(String(describing: error).hasPrefix("LewisWeights.compute: "))
        }
        // A nested public routine: the chain reads from the caller's routine down.
        do {
            _ = try SensitivitySampler(scheme: .lewis, p: 1).sample(a, expectedSize: 5, seed: 1)
            XCTFail("expected an error")
        } catch let error as RoutineError {
            XCTAssertEqual(error.routine, "SensitivitySampler.sample")
            XCTAssertTrue(String(describing: error).hasPrefix("SensitivitySampler.sample: SensitivitySampler.scores: "), "\(error)")
            XCTAssertEqual(error.rootCause as? SensitivitySamplingError, .nonFiniteEntry(row: 4, column: 1))
        }
    }
}
