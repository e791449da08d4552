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
    /// Squared Euclidean uses one GEMM (`‖x‖² + ‖y‖² − 2 xᵀy`, clamped at 0) on points scaled by
    /// their largest coordinate, so that no intermediate overflows or underflows where the cost
    /// itself is representable; Minkowski sums `(|Δ_k| / max|Δ|)^p` for the same reason, so large
    /// `p` (e.g. 2000) is exact.
    /// - Throws: `OptimalTransportError.supportMismatch` for different dimensions, empty point
    ///   sets or non-finite coordinates; `.invalidParameter` for `p < 1`; `.nonFiniteCost` when
    ///   a cost exceeds the double range (squared distances of points beyond about 1e154).
    /// - Complexity: O(n m d).
    public func matrix(_ x: Matrix, _ y: Matrix) throws -> Matrix {
        try RoutineError.naming("GroundCost.matrix") { try unnamedMatrix(x, y) }
    }

    /// `matrix` without the routine name on its errors.
    func unnamedMatrix(_ x: Matrix, _ y: Matrix) throws -> Matrix {
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
        let cost = try unscaledOrScaled(x, y, n, m, d)
        if let bad = Validate.firstNonFiniteIndex(cost) {
            throw OptimalTransportError.nonFiniteCost(row: bad.row, column: bad.column)
        }
        return cost
    }

    /// The cost matrix, with the Euclidean family computed on points scaled to coordinates ≤ 1.
    private func unscaledOrScaled(_ x: Matrix, _ y: Matrix, _ n: Int, _ m: Int, _ d: Int) throws -> Matrix {
        switch self {
        case .squaredEuclidean, .euclidean:
            let largest = Swift.max(x.elements.map(abs).max() ?? 0, y.elements.map(abs).max() ?? 0)
            guard largest > 0 else { return Matrix(rows: n, columns: m) }
            // A power of two, so that scaling is exact and costs are unchanged where nothing overflows.
            let s = Double(sign: .plus, exponent: largest.exponent + 1, significand: 1)
            let unit = try GroundCost.squaredUnitScaled(x.scaled(by: 1 / s), y.scaled(by: 1 / s), n, m, d)
            return self == .euclidean ? unit.map { $0.squareRoot() * s } : unit.map { $0 * s * s }
        case .manhattan:
            return Matrix(rows: n, columns: m) { i, j in (0..<d).reduce(0.0) { $0 + abs(x[i, $1] - y[j, $1]) } }
        case .minkowski(let p):
            guard p >= 1, p.isFinite else {
                throw OptimalTransportError.invalidParameter(name: "p", value: p, requirement: "Minkowski exponent must be ≥ 1")
            }
            return Matrix(rows: n, columns: m) { i, j in
                let largest = (0..<d).reduce(0.0) { Swift.max($0, abs(x[i, $1] - y[j, $1])) }
                guard largest > 0 else { return 0 }
                return largest * pow((0..<d).reduce(0.0) { $0 + pow(abs(x[i, $1] - y[j, $1]) / largest, p) }, 1 / p)
            }
        }
    }

    /// Squared Euclidean costs of points whose coordinates are at most 1 in magnitude.
    private static func squaredUnitScaled(_ x: Matrix, _ y: Matrix, _ n: Int, _ m: Int, _ d: Int) throws -> Matrix {
        var c = try x.multiplied(by: y, transposeOther: true).scaled(by: -2)
        let xn = (0..<n).map { i in (0..<d).reduce(0.0) { $0 + x[i, $1] * x[i, $1] } }
        let yn = (0..<m).map { j in (0..<d).reduce(0.0) { $0 + y[j, $1] * y[j, $1] } }
        c.withUnsafeMutableBufferPointer { b in
            for j in 0..<m { for i in 0..<n { b[i + j * n] = Swift.max(0, b[i + j * n] + xn[i] + yn[j]) } }
        }
        // Identical points must cost exactly zero (the expansion leaves round-off).
        for j in 0..<m { for i in 0..<n where c[i, j] < 1e-14 * (xn[i] + yn[j]) { c[i, j] = exactSquared(x, i, y, j) } }
        return c
    }

    private static func exactSquared(_ x: Matrix, _ i: Int, _ y: Matrix, _ j: Int) -> Double {
        var s = 0.0
        for k in 0..<x.columns { s += (x[i, k] - y[j, k]) * (x[i, k] - y[j, k]) }
        return s
    }
}
