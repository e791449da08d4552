import Foundation
import LinearAlgebra

/// Ground costs between support points.
public enum GroundCost: Sendable, Equatable {
    /// `‖x − y‖²` (gives W₂² as the transport cost).
    case squaredEuclidean
    /// `‖x − y‖` (gives W₁).
    case euclidean
    /// `Σ_k |x_k − y_k|` (ℓ1 / Manhattan distance; the "L1 cost" of Tang et al.'s image experiments).
    case manhattan
    /// `(Σ_k |x_k − y_k|^p)^{1/p}` for `p ≥ 1`.
    case minkowski(Double)

    /// The `n × m` cost matrix between the rows of `x` (`n × d`) and of `y` (`m × d`).
    /// Squared Euclidean uses one GEMM (`‖x‖² + ‖y‖² − 2 xᵀy`, clamped at 0).
    /// - Throws: `OptimalTransportError.supportMismatch` for different dimensions, empty point
    ///   sets or non-finite coordinates; `.invalidParameter` for `p < 1`.
    /// - Complexity: O(n m d).
    public func matrix(_ x: Matrix, _ y: Matrix) throws -> Matrix {
        guard x.columns == y.columns else {
            throw OptimalTransportError.supportMismatch("points of dimension \(x.columns) and \(y.columns)")
        }
        guard x.rows > 0, y.rows > 0 else { throw OptimalTransportError.supportMismatch("a point set is empty") }
        if let bad = Validate.firstNonFiniteIndex(x) {
            throw OptimalTransportError.supportMismatch("source point \(bad.row) has a non-finite coordinate")
        }
        if let bad = Validate.firstNonFiniteIndex(y) {
            throw OptimalTransportError.supportMismatch("target point \(bad.row) has a non-finite coordinate")
        }
        let n = x.rows, m = y.rows, d = x.columns
        switch self {
        case .squaredEuclidean:
            var c = try x.multiplied(by: y, transposeOther: true).scaled(by: -2)
            let xn = (0..<n).map { i in (0..<d).reduce(0.0) { $0 + x[i, $1] * x[i, $1] } }
            let yn = (0..<m).map { j in (0..<d).reduce(0.0) { $0 + y[j, $1] * y[j, $1] } }
            c.withUnsafeMutableBufferPointer { b in
                for j in 0..<m { for i in 0..<n { b[i + j * n] = Swift.max(0, b[i + j * n] + xn[i] + yn[j]) } }
            }
            // Identical points must cost exactly zero (the expansion leaves round-off).
            for j in 0..<m { for i in 0..<n where c[i, j] < 1e-14 * (xn[i] + yn[j]) { c[i, j] = exactSquared(x, i, y, j) } }
            return c
        case .euclidean:
            return try GroundCost.squaredEuclidean.matrix(x, y).map { $0.squareRoot() }
        case .manhattan:
            return Matrix(rows: n, columns: m) { i, j in (0..<d).reduce(0.0) { $0 + abs(x[i, $1] - y[j, $1]) } }
        case .minkowski(let p):
            guard p >= 1, p.isFinite else {
                throw OptimalTransportError.invalidParameter(name: "p", value: p, requirement: "Minkowski exponent must be ≥ 1")
            }
            return Matrix(rows: n, columns: m) { i, j in
                pow((0..<d).reduce(0.0) { $0 + pow(abs(x[i, $1] - y[j, $1]), p) }, 1 / p)
            }
        }
    }

    private func exactSquared(_ x: Matrix, _ i: Int, _ y: Matrix, _ j: Int) -> Double {
        var s = 0.0
        for k in 0..<x.columns { s += (x[i, k] - y[j, k]) * (x[i, k] - y[j, k]) }
        return s
    }
}
