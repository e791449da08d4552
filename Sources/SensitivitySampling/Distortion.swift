import Foundation
import LinearAlgebra

/// How well a sample embeds the column space: `D(S) = sup_x |‖SAx‖_p^p / ‖Ax‖_p^p − 1|`, and the
/// downstream regression ratio.
public enum Distortion {
    /// Exact distortion for `p = 2`, from the singular values of `S U` with `U` an orthonormal
    /// basis of `A`'s column space: `max(σ_max² − 1, 1 − σ_min²)`.
    /// - Throws: `SensitivitySamplingError` for bad input or a sample with `p ≠ 2`.
    public static func exactL2(_ a: Matrix, _ sample: RowSample) throws -> Double {
        try RoutineError.naming("Distortion.exactL2") { try unnamedExactL2(a, sample) }
    }

    /// `exactL2` without the routine name on its errors.
    static func unnamedExactL2(_ a: Matrix, _ sample: RowSample) throws -> Double {
        try Check.matrix(a, tall: false)
        guard sample.p == 2 else {
            throw SensitivitySamplingError.invalidParameter(name: "p", value: sample.p, requirement: "exactL2 needs a sample drawn for p = 2")
        }
        try Check.sample(sample, fitsRows: a.rows)
        let u = try LeverageScores.choleskyQRSafe(a) ?? PivotedQR(a).basis()
        let r = u.columns
        guard sample.count >= r else { return 1 }
        let su = try sample.apply(to: u)
        let s = try SVD(su, computeVectors: false).singularValues
        let hi = s.first ?? 0, lo = s.count >= r ? s[r - 1] : 0
        return max(hi * hi - 1, 1 - lo * lo)
    }

    /// `‖SAx‖_p^p / ‖Ax‖_p^p` for each column of `x` (`d × k`), by two GEMMs (`sa` already holds
    /// the scaled sampled rows).
    static func ratios(_ a: Matrix, _ sa: Matrix, _ x: Matrix, _ p: Double) throws -> [Double] {
        let ax = try a.multiplied(by: x), sx = try sa.multiplied(by: x)
        return (0..<x.columns).map { j in
            var f = 0.0, g = 0.0
            for i in 0..<ax.rows { g += Wpow(abs(ax[i, j]), p) }
            for k in 0..<sx.rows { f += Wpow(abs(sx[k, j]), p) }
            return g > 0 ? f / g : 1
        }
    }

    /// A certified lower bound on the distortion for any `p` (every probe is a real `x`, so the
    /// value is attained): probes are Gaussian directions, the coordinate directions, the ℓ2
    /// maximizers `(AᵀA)⁻¹a_i` of the highest-leverage rows (kept and missed ones), then local
    /// ascent (normalized gradient steps with backtracking) on the ratio and on its inverse from
    /// the best probes. Exact for `p = 2` up to the ascent's accuracy; use `exactL2` there.
    /// - Throws: `SensitivitySamplingError` for bad input.
    /// - Complexity: O((probes + ascent steps) · n d).
    public static func lowerBound(_ a: Matrix, _ sample: RowSample, probes: Int = 64, ascentSteps: Int = 40, seed: UInt64) throws -> Double {
        try RoutineError.naming("Distortion.lowerBound") { try unnamedLowerBound(a, sample, probes: probes, ascentSteps: ascentSteps, seed: seed) }
    }

    /// `lowerBound` without the routine name on its errors.
    static func unnamedLowerBound(_ a: Matrix, _ sample: RowSample, probes: Int = 64, ascentSteps: Int = 40, seed: UInt64) throws -> Double {
        try Check.matrix(a, tall: false)
        try Check.count(probes, name: "probes", atLeast: 0)
        try Check.count(ascentSteps, name: "ascentSteps", atLeast: 0)
        try Check.sample(sample, fitsRows: a.rows)
        let p = sample.p, d = a.columns
        if sample.count == 0 { return 1 }
        let sa = try sample.apply(to: a)
        var g = Xoshiro256StarStar(seed: seed)
        var candidates = Matrix.randomNormal(rows: d, columns: max(1, probes), using: &g)
        var extra: [[Double]] = (0..<d).map { k in (0..<d).map { $0 == k ? 1 : 0 } }
        // Extra probes aimed at high-leverage rows sharpen the bound; any probe set gives a valid
        // lower bound, so when their factorization fails they are simply not added.
        if let tau = try? LeverageScores.exact(a), let c = try? Cholesky(try RowScaling.gram(a, weights: [Double](repeating: 1, count: a.rows)), jitter: .escalating) {
            let kept = Set(sample.indices)
            let order = tau.indices.sorted { tau[$0] > tau[$1] }
            let missed = order.filter { !kept.contains($0) }.prefix(8)
            for i in Array(order.prefix(8)) + Array(missed) {
                if let x = try? c.solve(a.row(i)) { extra.append(x) }
            }
        }
        if !extra.isEmpty {
            let e = Matrix(rows: d, columns: extra.count) { r, c in extra[c][r] }
            candidates = Matrix(rows: d, columns: candidates.columns + e.columns) { r, c in c < candidates.columns ? candidates[r, c] : e[r, c - candidates.columns] }
        }
        let r = try ratios(a, sa, candidates, p)
        let order = r.indices.sorted { r[$0] > r[$1] }
        var best = r.reduce(0) { max($0, abs($1 - 1)) }
        for (k, up) in (order.prefix(3).map { ($0, true) } + order.suffix(3).map { ($0, false) }) {
            let x0 = candidates.column(k)
            let v = try ascend(a, sa, x0, p, maximize: up, steps: ascentSteps)
            best = max(best, abs(v - 1))
        }
        return best
    }

    /// Local ascent of `r(x) = ‖SAx‖_p^p / ‖Ax‖_p^p` (or descent) on the sphere.
    static func ascend(_ a: Matrix, _ sa: Matrix, _ start: [Double], _ p: Double, maximize: Bool, steps: Int) throws -> Double {
        func value(_ x: [Double]) throws -> (Double, [Double]) {
            let ax = try a.multiplied(by: x), sx = try sa.multiplied(by: x)
            var f = 0.0, gsum = 0.0
            var df = [Double](repeating: 0, count: sx.count), dg = [Double](repeating: 0, count: ax.count)
            for i in 0..<ax.count { let v = abs(ax[i]); gsum += Wpow(v, p); dg[i] = p * Wpow(v, p - 1) * (ax[i] < 0 ? -1 : 1) }
            for k in 0..<sx.count { let v = abs(sx[k]); f += Wpow(v, p); df[k] = p * Wpow(v, p - 1) * (sx[k] < 0 ? -1 : 1) }
            guard gsum > 0 else { return (1, [Double](repeating: 0, count: x.count)) }
            let r = f / gsum
            let gf = try sa.multiplied(by: df, transposed: true), gg = try a.multiplied(by: dg, transposed: true)
            return (r, (0..<x.count).map { (gf[$0] - r * gg[$0]) / gsum })
        }
        var x = start
        var norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
        x = x.map { $0 / max(norm, 1e-300) }
        var (r, grad) = try value(x)
        var t = 0.5
        for _ in 0..<steps {
            let gn = grad.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard gn > 0 else { break }
            var moved = false
            while t > 1e-8 {
                var y = (0..<x.count).map { x[$0] + (maximize ? t : -t) * grad[$0] / gn }
                norm = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
                y = y.map { $0 / norm }
                let (ry, gy) = try value(y)
                if maximize ? ry > r : ry < r {
                    x = y; r = ry; grad = gy; moved = true
                    t = min(1, t * 2)
                    break
                }
                t *= 0.5
            }
            if !moved { break }
        }
        return r
    }

    /// Exact distortion for `d = 2`: the ratio is evaluated at every breakpoint direction
    /// (orthogonal to some row, where a term `|a_iᵀx|^p` is not smooth) and, on each arc between
    /// breakpoints, at interior points refined by golden-section search. For `p = 1` the ratio is
    /// monotone on each arc, so the breakpoints alone are exact.
    /// - Throws: `.dimensionMismatch` unless `A` has two columns.
    public static func planar(_ a: Matrix, _ sample: RowSample) throws -> Double {
        try RoutineError.naming("Distortion.planar") { try unnamedPlanar(a, sample) }
    }

    /// `planar` without the routine name on its errors.
    static func unnamedPlanar(_ a: Matrix, _ sample: RowSample) throws -> Double {
        try Check.matrix(a, tall: false)
        guard a.columns == 2 else { throw SensitivitySamplingError.dimensionMismatch("planar distortion needs d = 2, got \(a.columns)") }
        try Check.sample(sample, fitsRows: a.rows)
        let p = sample.p
        let sa = try sample.apply(to: a)
        func ratio(_ phi: Double) -> Double {
            let x0 = cos(phi), x1 = sin(phi)
            var f = 0.0, g = 0.0
            for i in 0..<a.rows { g += Wpow(abs(a[i, 0] * x0 + a[i, 1] * x1), p) }
            for k in 0..<sa.rows { f += Wpow(abs(sa[k, 0] * x0 + sa[k, 1] * x1), p) }
            return g > 0 ? f / g : 1
        }
        var angles = (0..<a.rows).map { i -> Double in
            var phi = atan2(a[i, 0], -a[i, 1])      // direction orthogonal to row i
            if phi < 0 { phi += .pi }
            if phi >= .pi { phi -= .pi }
            return phi
        }
        angles.sort()
        angles.append(angles[0] + .pi)
        var best = 0.0
        for k in 0..<(angles.count - 1) {
            let lo = angles[k], hi = angles[k + 1]
            best = max(best, abs(ratio(lo) - 1))
            if p != 1 && hi - lo > 1e-12 {
                for sign in [1.0, -1.0] {
                    var l = lo, h = hi
                    let phiGold = (5.0.squareRoot() - 1) / 2
                    for _ in 0..<40 {
                        let m1 = h - phiGold * (h - l), m2 = l + phiGold * (h - l)
                        if sign * ratio(m1) > sign * ratio(m2) { h = m2 } else { l = m1 }
                    }
                    best = max(best, abs(ratio((l + h) / 2) - 1))
                }
            }
        }
        return best
    }

    /// `‖A x̃ − b‖_p / min_x ‖Ax − b‖_p` where `x̃` minimizes the sampled objective `‖S(Ax − b)‖_p`.
    /// - Throws: `SensitivitySamplingError` for bad input.
    public static func regressionRatio(_ a: Matrix, _ b: [Double], _ sample: RowSample) throws -> Double {
        try RoutineError.naming("Distortion.regressionRatio") { try unnamedRegressionRatio(a, b, sample) }
    }

    /// `regressionRatio` without the routine name on its errors.
    static func unnamedRegressionRatio(_ a: Matrix, _ b: [Double], _ sample: RowSample) throws -> Double {
        try Check.matrix(a, tall: false)
        guard b.count == a.rows else {
            throw SensitivitySamplingError.dimensionMismatch("b has \(b.count) entries for \(a.rows) rows")
        }
        try Check.sample(sample, fitsRows: a.rows)
        let p = sample.p
        let solver = LpRegression(p: p)
        let full = try solver.solve(a, b)
        let sub = RowScaling.rows(a, sample.indices, factors: [Double](repeating: 1, count: sample.count))
        let sampled = try solver.solve(sub, sample.indices.map { b[$0] }, rowWeights: sample.powerWeights)
        let r = try a.multiplied(by: sampled.solution)
        var value = 0.0
        for i in 0..<b.count { value += Wpow(abs(r[i] - b[i]), p) }
        return full.objective > 0 ? Wpow(value / full.objective, 1 / p) : (value == 0 ? 1 : .infinity)
    }
}
