import LinearAlgebra
import TestSupport
import XCTest

/// Inputs that used to hang or crash: each must now give a typed error naming the routine.
final class HostileInputTests: XCTestCase {
    func testCholeskyJitterPoliciesThatCouldNeverEndAreRejected() {
        let indefinite = Matrix(rows: 2, columns: 2) { i, j in i == j ? -1 : 0 }
        assertThrows(["Cholesky", "jitter.initial"]) {
            try Cholesky(indefinite, jitter: CholeskyJitter(initial: 0, growth: 10, maxAttempts: .max))
        }
        assertThrows(["Cholesky", "jitter.growth"]) {
            try Cholesky(indefinite, jitter: CholeskyJitter(initial: 1e-3, growth: 1, maxAttempts: 5))
        }
        assertThrows(["Cholesky", "jitter.maxAttempts"]) {
            try Cholesky(indefinite, jitter: CholeskyJitter(initial: 1e-3, growth: 10, maxAttempts: -1))
        }
        assertThrows(["Cholesky", "jitter.initial"]) {
            try Cholesky(indefinite, jitter: CholeskyJitter(initial: .nan, growth: 10, maxAttempts: 3))
        }
    }

    /// With an unlimited attempt count the retries still stop: a shift above 2 n max|a_ij| makes any
    /// symmetric matrix positive definite, so `-I` factors after a bounded number of attempts.
    func testUnlimitedJitterAttemptsStopOnceTheShiftSuffices() throws {
        let indefinite = Matrix(rows: 3, columns: 3) { i, j in i == j ? -1 : 0 }
        let c = try Cholesky(indefinite, jitter: CholeskyJitter(initial: 1e-12, growth: 10, maxAttempts: .max))
        XCTAssertGreaterThan(c.jitter, 1)
        XCTAssertLessThanOrEqual(c.jitter, 60)
    }

    func testKroneckerRejectsNegativeAndOverflowingDimensions() {
        let a = Matrix.identity(2)
        assertThrows(["Kronecker.apply", "dimensions[0]", "negative"]) {
            try Kronecker.apply(a, alongAxis: 1, dimensions: [-2, 2], to: [1, 2, 3, 4])
        }
        assertThrows(["Kronecker.apply", "more entries than Int"]) {
            try Kronecker.apply(a, alongAxis: 0, dimensions: [2, Int.max / 2, 4], to: [1, 2])
        }
        assertThrows(["Kronecker.solveTriangular", "negative"]) {
            try Kronecker.solveTriangular(a, lower: true, alongAxis: 0, dimensions: [2, -1], to: [])
        }
        assertThrows(["Kronecker.unfoldedProduct", "negative"]) {
            try Kronecker.unfoldedProduct([], [], alongAxis: 0, dimensions: [-3])
        }
        assertThrows(["Kronecker.logDeterminant", "orders"]) {
            try Kronecker.logDeterminant(factorLogDeterminants: [0, 0], orders: [Int.max, 3])
        }
    }
}
