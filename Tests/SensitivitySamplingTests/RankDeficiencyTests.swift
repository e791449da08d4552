import LinearAlgebra
import SensitivitySampling
import TestSupport
import XCTest

/// Rank-deficient matrices, which the scores support by definition (`Σ τ = rank A`).
final class RankDeficiencyTests: XCTestCase {
    /// `[a b a]`: three columns, rank 2.
    func repeatedColumn(rows n: Int = 60) -> Matrix {
        var g = Xoshiro256StarStar(seed: 31)
        let a = (0..<n).map { _ in g.nextStandardNormal() }, b = (0..<n).map { _ in g.nextStandardNormal() }
        return Matrix(rows: n, columns: 3) { i, j in j == 1 ? b[i] : a[i] }
    }

    func testLeverageScoresSumToTheRank() throws {
        let tau = try LeverageScores.exact(repeatedColumn())
        XCTAssertEqual(tau.reduce(0, +), 2, accuracy: 1e-9)
        XCTAssertTrue(tau.allSatisfy { $0 >= -1e-12 && $0 <= 1 + 1e-12 })
    }

    func testLewisWeightsOfARankDeficientMatrixSumToTheRank() throws {
        for p in [1.0, 1.5, 3] {
            let r = try LewisWeights(p: p).compute(repeatedColumn())
            XCTAssertTrue(r.converged, "p = \(p): \(r.convergence)")
            XCTAssertEqual(r.weights.reduce(0, +), 2, accuracy: 1e-8, "p = \(p)")
        }
    }

    func testQRLeastSquaresRefusesRankDeficiency() throws {
        let a = repeatedColumn()
        let b = (0..<a.rows).map { Double($0 % 5) }
        assertThrows(["LeastSquares", "rank"]) { try LeastSquares(a, b, method: .qr) }
        // The SVD method handles it: the minimum-norm solution, of modest size.
        let svd = try LeastSquares(a, b)
        XCTAssertEqual(svd.rank, 2)
        XCTAssertLessThan(svd.solution.map(abs).max()!, 10)
    }
}
