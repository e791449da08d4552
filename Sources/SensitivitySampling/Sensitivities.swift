import Foundation
import LinearAlgebra

/// ℓp sensitivities `σ_i = sup_{Ax ≠ 0} |a_iᵀx|^p / ‖Ax‖_p^p`, their bounds and their total
/// `𝔖 = Σ σ_i` (Woodruff & Yasuda, ICML 2023). Known facts used and tested: `σ = τ` for `p = 2`;
/// `σ_i ≤ w_i` (Lewis weights) and `σ_i ≤ τ_i^{p/2}` for `p < 2`; `σ_i ≤ d^{p/2−1} w_i` for `p > 2`;
/// `𝔖 ≤ d` for `p ≤ 2`, `𝔖 ≤ d^{p/2}` for `p > 2`.
public enum Sensitivities {
    /// Exact sensitivities: `1/σ_i = min {‖Ax‖_p^p : a_iᵀx = 1}`, one constrained ℓp regression per
    /// row (the constraint removed by `x = a_i/‖a_i‖² + N z`, `N` an orthonormal basis of `a_i^⊥`),
    /// parallel over rows.
    /// - Throws: `SensitivitySamplingError` for bad input (as `LewisWeights`).
    /// - Complexity: n constrained regressions, O(n d²) per IRLS step each.
    public static func exact(_ a: Matrix, p: Double, threads: Int = Parallel.processorCount) throws -> [Double] {
        try Check.p(p)
        try Check.matrix(a, noZeroRows: true)
        return try constrained(a, over: a, weights: nil, p: p, threads: threads)
    }

    /// Fast approximation: the minimization runs over a Lewis-weight sample `SA` of about
    /// `sampleSize` rows (reweighted to be unbiased) instead of `A`:
    /// `1/σ̃_i = min {‖SAx‖_p^p : a_iᵀx = 1}`. With a sample that is a (1 ± ε) ℓp subspace embedding
    /// this is a (1 ± ε) approximation of every `σ_i`.
    /// - Throws: as `exact`; `.invalidParameter` for a sample size out of range.
    public static func approximate(_ a: Matrix, p: Double, sampleSize: Int, seed: UInt64 = 0,
                                   threads: Int = Parallel.processorCount) throws -> [Double] {
        try Check.p(p)
        try Check.matrix(a, noZeroRows: true)
        guard sampleSize >= a.columns, sampleSize <= a.rows else {
            throw SensitivitySamplingError.invalidParameter(name: "sampleSize", value: Double(sampleSize), requirement: "must be between d and n")
        }
        let w = try LewisWeights(p: p).compute(a).weights
        let sample = try Sampler.bernoulli(scores: w, expectedSize: Double(sampleSize), p: p, seed: seed)
        let sa = RowScaling.rows(a, sample.indices, factors: sample.weights)
        return try constrained(a, over: sa, weights: nil, p: p, threads: threads)
    }

    /// `σ_i` with the minimization over the rows of `b` (= A, or a reweighted sample of A).
    static func constrained(_ a: Matrix, over b: Matrix, weights: [Double]?, p: Double, threads: Int) throws -> [Double] {
        let n = a.rows, d = a.columns
        var sigma = [Double](repeating: 0, count: n)
        var failure: Error?
        let lock = NSLock()
        sigma.withUnsafeMutableBufferPointer { out in
            let box = SigmaOutput(out: out.baseAddress!)
            Parallel.forEachChunk(count: n, threads: threads, minimumChunk: 4) { range in
                for i in range {
                    do {
                        let row = a.row(i)
                        box.out[i] = try sensitivity(of: row, over: b, p: p, dimension: d)
                    } catch {
                        lock.lock(); failure = failure ?? error; lock.unlock()
                    }
                }
            }
        }
        if let failure { throw failure }
        return sigma
    }

    /// `1 / min {Σ_j |b_jᵀx|^p : cᵀx = 1}`.
    static func sensitivity(of c: [Double], over b: Matrix, p: Double, dimension d: Int) throws -> Double {
        let norm2 = c.reduce(0) { $0 + $1 * $1 }
        if d == 1 {
            let x = 1 / c[0]
            var v = 0.0
            for j in 0..<b.rows { v += Wpow(abs(b[j, 0] * x), p) }
            return 1 / v
        }
        let x0 = c.map { $0 / norm2 }
        let nBasis = complementBasis(c)               // d × (d − 1)
        let design = try b.multiplied(by: nBasis)     // B N
        let offset = try b.multiplied(by: x0)         // B x0
        let result = try LpRegression(p: p, tolerance: 1e-12, maxIterations: 300).solve(design, offset.map { -$0 })
        return result.objective > 0 ? 1 / result.objective : .infinity
    }

    /// An orthonormal basis of the complement of `c` (Householder reflection columns 2…d).
    static func complementBasis(_ c: [Double]) -> Matrix {
        let d = c.count
        let norm = c.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var v = c.map { $0 / norm }
        v[0] += v[0] >= 0 ? 1 : -1
        let vv = v.reduce(0) { $0 + $1 * $1 }
        return Matrix(rows: d, columns: d - 1) { i, j in (i == j + 1 ? 1 : 0) - 2 * v[i] * v[j + 1] / vv }
    }

    /// The Lewis-weight upper bound: `w_i` for `p ≤ 2`, `d^{p/2−1} w_i` for `p > 2`.
    public static func lewisUpperBound(lewisWeights w: [Double], p: Double, dimension d: Int) -> [Double] {
        p <= 2 ? w : w.map { $0 * pow(Double(d), p / 2 - 1) }
    }

    /// The root-leverage upper bound `τ_i^{p/2}` (valid for `p ≤ 2`).
    public static func rootLeverageUpperBound(leverage tau: [Double], p: Double) -> [Double] {
        tau.map { pow($0, p / 2) }
    }

    /// Total sensitivity `𝔖 = Σ σ_i`.
    public static func total(_ sigma: [Double]) -> Double { Summation.compensated(sigma) }
}

/// Output pointer of the parallel sensitivity loop (each row writes only its own entry).
struct SigmaOutput: @unchecked Sendable { let out: UnsafeMutablePointer<Double> }
