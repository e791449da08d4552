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
