import Foundation
import GaussianProcessPDE
import LinearAlgebra
import TestSupport
import XCTest

final class KernelTests: XCTestCase {
    func kernels() throws -> [SpectralKernel] {
        var g = Xoshiro256StarStar(seed: 1)
        return try KernelFamily.allCases.map { family in
            let q = 3
            let learns = family == .gaussianMixture || family == .studentTMixture
            return try SpectralKernel(family: family, logWeights: (0..<q).map { _ in g.double(in: -1...0.5) },
                                      logScales: (0..<q).map { _ in g.double(in: -1...1) },
                                      frequencies: (0..<q).map { _ in learns ? g.double(in: 0...2) : 0 })
        }
    }

    func testInputDerivativesMatchFiniteDifferences() throws {
        for k in try kernels() {
            for r in [-1.3, -0.4, 0.2, 0.7, 1.9] {
                for n in 1...4 {
                    let h = 1e-5
                    let fd = try (k.value(r + h, derivative: n - 1) - k.value(r - h, derivative: n - 1)) / (2 * h)
                    XCTAssertEqual(try k.value(r, derivative: n), fd, accuracy: 1e-6 * max(1, abs(fd)), "\(k.family) order \(n) at r = \(r)")
                }
            }
            // Mixed derivatives: ∂_x ∂_x' k(x − x') = −k''(x − x'), checked directly.
            let h = 1e-4, x = 0.3, y = -0.5
            let mixed = try (k.covariance(x + h, y + h) - k.covariance(x + h, y - h) - k.covariance(x - h, y + h) + k.covariance(x - h, y - h)) / (4 * h * h)
            XCTAssertEqual(try k.covariance(x, y, orderX: 1, orderY: 1), mixed, accuracy: 1e-5 * max(1, abs(mixed)))
            XCTAssertEqual(try k.covariance(x, y, orderX: 2, orderY: 2), try k.value(x - y, derivative: 4), accuracy: 1e-12)
            XCTAssertEqual(k.value(0.4), k.value(-0.4), accuracy: 1e-15)   // even
        }
    }

    func testParameterGradientsMatchFiniteDifferences() throws {
        for k in try kernels() {
            for n in 0...2 {
                for r in [0.0, 0.35, -1.1] {
                    let g = try k.parameterGradient(r, derivative: n)
                    XCTAssertEqual(g.count, k.parameterCount)
                    for p in 0..<k.parameterCount {
                        var kp = k, km = k
                        var theta = k.parameters
                        theta[p] += 1e-6; kp.parameters = theta
                        theta[p] -= 2e-6; km.parameters = theta
                        let fd = try (kp.value(r, derivative: n) - km.value(r, derivative: n)) / 2e-6
                        XCTAssertEqual(g[p], fd, accuracy: 1e-6 * max(1, abs(fd)), "\(k.family) order \(n) parameter \(p) r \(r)")
                    }
                }
            }
        }
    }

    func testToeplitzGramEqualsDirectEvaluation() throws {
        let grid = try Grid1D(lower: -1, upper: 2, count: 17)
        for k in try kernels() {
            for n in 0...2 {
                let t = try k.gram(grid: grid, derivative: n, jitter: 0)
                let direct = try Matrix(rows: 17, columns: 17, elements: (0..<17).flatMap { j in try (0..<17).map { i in try k.value(grid.point(i) - grid.point(j), derivative: n) } })
                XCTAssertLessThan(maxDifference(t, direct), 1e-12, "\(k.family) order \(n)")
                let cross = try k.cross(points: grid.points, grid: grid, derivative: n)
                XCTAssertLessThan(maxDifference(cross, direct), 1e-12)
            }
        }
    }

    func testKernelValidation() throws {
        assertThrows(["at least one component", "Q = 0"]) { try SpectralKernel(family: .gaussianMixture, logWeights: [], logScales: [], frequencies: []) }
        assertThrows(["log scale of component 1"]) {
            try SpectralKernel(family: .gaussianMixture, logWeights: [0, 0], logScales: [0, .nan], frequencies: [0, 1])
        }
        assertThrows(["has no frequencies"]) { try SpectralKernel(family: .squaredExponential, logWeights: [0], logScales: [0], frequencies: [1]) }
        assertThrows(["Q = 0"]) { try SpectralKernel.reference(.studentTMixture, components: 0, maxFrequency: 5) }
        assertThrows(["at least 3 points"]) { try Grid1D(lower: 0, upper: 1, count: 2) }
        assertThrows(["empty or not finite"]) { try Grid1D(lower: 1, upper: 1, count: 5) }
        let reference = try SpectralKernel.reference(.gaussianMixture, components: 30, maxFrequency: 20)
        XCTAssertEqual(reference.frequencies.first, 0)
        XCTAssertEqual(reference.frequencies.last!, 20, accuracy: 1e-12)
        XCTAssertEqual(reference.value(0), 1, accuracy: 1e-12)   // Σ w = 1
    }
}

/// Kernel values and second derivatives against closed forms written out independently here
/// (not through the package's Hermite or Leibniz tables).
final class KernelClosedFormTests: XCTestCase {
    func testGaussianComponentAndItsSecondDerivative() throws {
        let logW = -0.3, logRho = 0.7, mu = 1.3
        let k = try SpectralKernel(family: .gaussianMixture, logWeights: [logW], logScales: [logRho], frequencies: [mu])
        let w = exp(logW), rho = exp(logRho), omega = 2 * Double.pi * mu
        for r in [-1.1, -0.25, 0, 0.4, 0.9] {
            let e = exp(-rho * r * r), c = cos(omega * r), s = sin(omega * r)
            XCTAssertEqual(k.value(r), w * e * c, accuracy: 1e-15)
            let second = w * e * ((4 * rho * rho * r * r - 2 * rho - omega * omega) * c + 4 * rho * r * omega * s)
            XCTAssertEqual(try k.value(r, derivative: 2), second, accuracy: 1e-13 * max(1, abs(second)))
        }
    }

    func testMaternAndStudentTComponents() throws {
        let logW = 0.2, logA = -0.4, mu = 0.8
        let a = exp(logA), w = exp(logW), omega = 2 * Double.pi * mu
        let matern = try SpectralKernel(family: .matern52, logWeights: [logW], logScales: [logA], frequencies: [0])
        let studentT = try SpectralKernel(family: .studentTMixture, logWeights: [logW], logScales: [logA], frequencies: [mu])
        for r in [-1.7, -0.3, 0.05, 0.6, 2.2] {
            let z = 5.0.squareRoot() * a * abs(r)
            let envelope = (1 + z + z * z / 3) * exp(-z)
            XCTAssertEqual(matern.value(r), w * envelope, accuracy: 1e-15)
            XCTAssertEqual(studentT.value(r), w * envelope * cos(omega * r), accuracy: 1e-15)
            // Matérn-5/2: k'' = w (5a²/3)(z² − z − 1) e^{−z}.
            let second = w * (5 * a * a / 3) * (z * z - z - 1) * exp(-z)
            XCTAssertEqual(try matern.value(r, derivative: 2), second, accuracy: 1e-14)
        }
    }
}
