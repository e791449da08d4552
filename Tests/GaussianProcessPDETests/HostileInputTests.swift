import GaussianProcessPDE
import LinearAlgebra
import TestSupport
import XCTest

/// Derivative orders the kernels do not implement are a thrown error, not a trap.
final class HostileInputTests: XCTestCase {
    func testDerivativeOrdersOutsideZeroToFourThrow() throws {
        let kernel = try SpectralKernel(family: .gaussianMixture, logWeights: [0], logScales: [0], frequencies: [1])
        let grid = try Grid1D(lower: 0, upper: 1, count: 5)
        for n in [-1, 5, Int.max] {
            assertThrows(["derivative", "0 to 4"]) { try kernel.value(0.3, derivative: n) }
            assertThrows(["derivative", "0 to 4"]) { try kernel.gram(grid: grid, derivative: n) }
            assertThrows(["derivative", "0 to 4"]) { try kernel.parameterGradient(0.3, derivative: n) }
            assertThrows(["derivative", "0 to 4"]) { try kernel.cross(points: [0.5], grid: grid, derivative: n) }
        }
        assertThrows(["order", "non-negative"]) { try kernel.covariance(0, 1, orderX: -1, orderY: 1) }
        assertThrows(["derivative", "0 to 4"]) { try kernel.covariance(0, 1, orderX: 3, orderY: 2) }
        XCTAssertEqual(try kernel.value(0.3, derivative: 4).isFinite, true)
    }
}

/// The model's public evaluations read exactly `unknowns` coefficients: another length, a NaN or a
/// non-positive step count is a thrown error naming the routine, never an out-of-bounds read.
final class KroneckerModelInputTests: XCTestCase {
    func testCoefficientVectorsOfTheWrongLengthOrNonFiniteAreRefused() throws {
        var g = Xoshiro256StarStar(seed: 3)
        let (_, _, model) = try randomModel(try PDEBenchmark.poisson2dSin6xCos20x.problem(), [6, 7], GPPDEOptions(), &g)
        XCTAssertEqual(model.unknowns, 42)
        for bad in [[Double](), [Double](repeating: 0, count: 41), [Double](repeating: 0, count: 43)] {
            assertThrows(["KroneckerModel.objective", "\(bad.count) coefficients for 42"]) { try model.objective(at: bad) }
            assertThrows(["KroneckerModel.gradient", "\(bad.count) coefficients"]) { try model.gradient(at: bad) }
            assertThrows(["KroneckerModel.values", "\(bad.count) coefficients"]) { try model.values(at: bad) }
        }
        var nan = [Double](repeating: 0, count: 42)
        nan[5] = .nan
        assertThrows(["KroneckerModel.objective", "not finite"]) { try model.objective(at: nan) }
        for steps in [0, -1, Int.min] {
            assertThrows(["KroneckerModel.minimize", "maxSteps"]) { try model.minimize(maxSteps: steps) }
        }
        XCTAssertTrue(try model.objective(at: [Double](repeating: 0.1, count: 42)).isFinite)
    }
}
