import Foundation
import LinearAlgebra

/// `min_x Σ_i s_i |a_iᵀx − b_i|^p` for `p ≥ 1` (row weights `s_i ≥ 0`, default 1): ℓp regression on
/// full or sampled-and-reweighted data.
///
/// - `p = 2`: weighted least squares (normal equations with Cholesky, jitter if needed).
/// - `1 ≤ p < 2`: IRLS with weights `s_i max(|r_i|, δ)^{p−2}`; each step minimizes a quadratic
///   majorizer of the δ-smoothed objective, so the smoothed objective never increases; `δ` starts at
///   the mean absolute residual and shrinks tenfold whenever the relative progress falls below
///   `tolerance`, down to `1e−13` times it. `p = 1` is handled the same way (no LP needed).
/// - `p > 2`: Newton's method with backtracking; the Newton step is the IRLS step scaled by
///   `1/(p − 1)`.
/// Starts from the least-squares solution.
public struct LpRegression: Sendable {
    /// The exponent `p ≥ 1`.
    public var p: Double
    /// Relative objective change below which an inner phase stops (default 1e-12).
    public var tolerance: Double
    /// Iteration cap (default 500).
    public var maxIterations: Int

    /// Options for exponent `p`.
    public init(p: Double, tolerance: Double = 1e-12, maxIterations: Int = 500) {
        self.p = p
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    /// The minimizer and diagnostics.
    public struct Result: IterativeResult {
        /// The minimizer `x` (the last iterate when not converged).
        public let solution: [Double]
        /// `Σ s_i |a_iᵀx − b_i|^p` at the solution.
        public let objective: Double
        /// Iterations (weighted least-squares solves).
        public let iterations: Int
        /// Whether the iteration stopped on its criterion rather than its cap: for `p < 2` the
        /// smoothing reached its floor and the relative decrease fell below the tolerance, for
        /// `p > 2` the relative decrease of a Newton step fell below it; `p = 2` is exact.
        public let converged: Bool
        /// The relative decrease of the objective in the last iteration (0 for `p = 2`).
        public let lastDecrease: Double
        /// The tolerance the relative decrease was compared against.
        public let tolerance: Double
        /// Wall-clock seconds.
        public let seconds: Double

        /// The last relative decrease against the tolerance.
        public var convergence: Convergence {
            Convergence(converged: converged, iterations: iterations, criterion: lastDecrease, tolerance: tolerance,
                        criterionName: "relative decrease of the objective")
        }
    }

    /// Solves the regression.
    /// - Throws: `SensitivitySamplingError` for bad input (empty or non-finite `A`/`b`, length
    ///   mismatches, negative or non-finite row weights, `p < 1`).
    /// - Complexity: O(n d²) per iteration.
    public func solve(_ a: Matrix, _ b: [Double], rowWeights: [Double]? = nil) throws -> Result {
        try RoutineError.naming("LpRegression.solve") { try unnamedSolve(a, b, rowWeights: rowWeights) }
    }

    /// `solve` without the routine name on its errors.
    func unnamedSolve(_ a: Matrix, _ b: [Double], rowWeights: [Double]? = nil) throws -> Result {
        try Check.p(p)
        guard tolerance > 0, tolerance.isFinite else {
            throw SensitivitySamplingError.invalidParameter(name: "tolerance", value: tolerance, requirement: "must be positive and finite")
        }
        try Check.count(maxIterations, name: "maxIterations", atLeast: 1)
        try Check.matrix(a, tall: false)
        guard b.count == a.rows else { throw SensitivitySamplingError.dimensionMismatch("A has \(a.rows) rows, b has \(b.count) entries") }
        if let bad = b.firstIndex(where: { !$0.isFinite }) { throw SensitivitySamplingError.nonFiniteEntry(row: bad, column: a.columns) }
        let s = rowWeights ?? [Double](repeating: 1, count: a.rows)
        guard s.count == a.rows else { throw SensitivitySamplingError.dimensionMismatch("\(s.count) row weights for \(a.rows) rows") }
        if let bad = s.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw SensitivitySamplingError.invalidParameter(name: "rowWeights[\(bad)]", value: s[bad], requirement: "must be finite and ≥ 0")
        }
        return try run(a, b, s)
    }

    func objective(_ r: [Double], _ s: [Double]) -> Double {
        var f = 0.0
        for i in 0..<r.count where s[i] > 0 { f += s[i] * Wpow(abs(r[i]), p) }
        return f
    }

    func residual(_ a: Matrix, _ x: [Double], _ b: [Double]) throws -> [Double] {
        let ax = try a.multiplied(by: x)
        return (0..<b.count).map { ax[$0] - b[$0] }
    }

    /// `argmin Σ w_i (a_iᵀx − b_i)²` by the normal equations.
    func weightedLeastSquares(_ a: Matrix, _ b: [Double], _ w: [Double]) throws -> [Double] {
        let g = try RowScaling.gram(a, weights: w)
        let rhs = try a.multiplied(by: (0..<b.count).map { w[$0] * b[$0] }, transposed: true)
        return try Cholesky(g, jitter: .escalating).solve(rhs)
    }

    func run(_ a: Matrix, _ b: [Double], _ s: [Double]) throws -> Result {
        let clock = Stopwatch()
        var x = try weightedLeastSquares(a, b, s)
        var r = try residual(a, x, b)
        var f = objective(r, s)
        var iterations = 1
        var converged = false
        var lastDecrease = Double.infinity
        func result() -> Result {
            Result(solution: x, objective: f, iterations: iterations, converged: converged, lastDecrease: lastDecrease,
                   tolerance: tolerance, seconds: clock.elapsed)
        }
        if p == 2 || f == 0 {
            converged = true
            lastDecrease = 0
            return result()
        }
        if p < 2 {
            let scale = max(r.reduce(0) { $0 + abs($1) } / Double(r.count), Double.leastNormalMagnitude)
            var delta = scale
            let floor = 1e-13 * scale
            func smoothed(_ r: [Double]) -> Double {
                var v = 0.0
                for i in 0..<r.count where s[i] > 0 {
                    let m = abs(r[i])
                    // The δ-smoothed |r|^p: equal to |r|^p above δ, a matching quadratic below.
                    v += s[i] * (m >= delta ? Wpow(m, p) : Wpow(delta, p) * (1 + (p / 2) * ((m * m) / (delta * delta) - 1)))
                }
                return v
            }
            while iterations < maxIterations {
                let w = (0..<r.count).map { s[$0] * Wpow(max(abs(r[$0]), delta), p - 2) }
                let xNew = try weightedLeastSquares(a, b, w)
                let rNew = try residual(a, xNew, b)
                let before = smoothed(r), after = smoothed(rNew)
                iterations += 1
                if after <= before {
                    x = xNew; r = rNew
                }
                let progress = (before - after) / max(before, Double.leastNormalMagnitude)
                lastDecrease = max(progress, 0)
                if progress < tolerance || after > before {
                    if delta <= floor {
                        converged = true
                        break
                    }
                    delta = max(floor, delta / 10)
                }
            }
            f = objective(r, s)
            return result()
        }
        // p > 2: Newton with backtracking.
        while iterations < maxIterations {
            let w = (0..<r.count).map { s[$0] * Wpow(abs(r[$0]), p - 2) }
            guard w.contains(where: { $0 > 0 }) else {
                converged = true   // every weighted residual is zero: x fits exactly
                lastDecrease = 0
                break
            }
            let target = try weightedLeastSquares(a, b, w)   // the IRLS point
            let direction = (0..<x.count).map { (target[$0] - x[$0]) / (p - 1) }
            var t = 1.0
            var improved = false
            for _ in 0..<40 {
                let xt = (0..<x.count).map { x[$0] + t * direction[$0] }
                let rt = try residual(a, xt, b)
                let ft = objective(rt, s)
                if ft < f {
                    let progress = (f - ft) / f
                    x = xt; r = rt; f = ft
                    lastDecrease = progress
                    improved = progress > tolerance
                    break
                }
                t *= 0.5
            }
            iterations += 1
            if !improved {
                // No step decreased the objective, or the decrease fell below the tolerance.
                if lastDecrease > tolerance { lastDecrease = 0 }
                converged = true
                break
            }
        }
        return result()
    }
}

/// `x^y` with exact fast paths for common exponents.
@inline(__always) func Wpow(_ x: Double, _ y: Double) -> Double {
    if y == 2 { return x * x }
    if y == 1 { return x }
    if y == 0 { return 1 }
    if y == -1 { return 1 / x }
    if y == 0.5 { return x.squareRoot() }
    return Foundation.pow(x, y)
}
