import Foundation
import LinearAlgebra

/// ℓp sensitivities `σ_i = sup_{Ax ≠ 0} |a_iᵀx|^p / ‖Ax‖_p^p`, their bounds and their total
/// `𝔖 = Σ σ_i` (Woodruff & Yasuda, ICML 2023). Known facts used and tested: `σ = τ` for `p = 2`;
/// `σ_i ≤ w_i` (Lewis weights) and `σ_i ≤ τ_i^{p/2}` for `p < 2`; `σ_i ≤ d^{p/2−1} w_i` for `p > 2`;
/// `𝔖 ≤ d` for `p ≤ 2`, `𝔖 ≤ d^{p/2}` for `p > 2`.
public enum Sensitivities {
    /// Sensitivities and how their per-row problems ended.
    public struct Scores: IterativeResult {
        /// `σ_i` for every row.
        public let values: [Double]
        /// The per-row ℓp problems: how many, their iterations, and how many stopped at the cap.
        public let rowSolves: NestedSolves
        /// Rows whose problem stopped at the iteration cap (their `σ_i` may be inexact).
        public let unconvergedRows: [Int]
        /// The tolerance of every row's problem.
        public let tolerance: Double
        /// What each row's criterion measures.
        public let criterionName: String
        /// Wall-clock seconds.
        public let seconds: Double

        /// Converged when every row's problem did; the criterion is the worst row's final one.
        public var convergence: Convergence {
            Convergence(converged: unconvergedRows.isEmpty, iterations: rowSolves.iterations,
                        criterion: rowSolves.worstCriterion, tolerance: tolerance, criterionName: criterionName)
        }
    }

    /// Default tolerance of each row's ℓp problem (relative decrease of its objective).
    public static let defaultRowTolerance = 1e-13
    /// Default iteration cap of each row's ℓp problem: far above what rows need, so that every row
    /// converges unless something is wrong (which is then reported).
    public static let defaultMaxRowIterations = 100_000

    /// Exact sensitivities: `1/σ_i = min {‖Ax‖_p^p : a_iᵀx = 1}`, one constrained problem per row,
    /// parallel over rows. For `p = 1` each is a linear program solved exactly by a simplex method on
    /// vertices, certified optimal by its dual (`rowTolerance` does not apply; `maxRowIterations`
    /// caps the pivots). For other `p` it is a constrained ℓp regression (the constraint removed by
    /// `x = a_i/‖a_i‖² + N z`, `N` an orthonormal basis of `a_i^⊥`) run to `rowTolerance`. Every
    /// row's problem runs to its criterion by default; rows that hit `maxRowIterations` are listed
    /// in the result.
    /// - Parameters:
    ///   - a: the `n × d` matrix (`n ≥ d`, no zero rows).
    ///   - p: the exponent, `p ≥ 1`.
    ///   - rowTolerance: tolerance of each row's problem.
    ///   - maxRowIterations: iteration cap of each row's problem.
    ///   - threads: rows are split over this many threads. With more than one, OpenBLAS runs
    ///     single-threaded for the duration of the call (each row's products are small, and nested
    ///     BLAS threads would oversubscribe the cores); OpenBLAS's thread count is process-wide, so
    ///     the previous count is restored when the call returns.
    /// - Throws: `SensitivitySamplingError` for bad input (as `LewisWeights`), or a bad tolerance or cap.
    /// - Complexity: n constrained regressions, O(n d²) per IRLS step each.
    public static func exact(_ a: Matrix, p: Double, rowTolerance: Double = defaultRowTolerance,
                             maxRowIterations: Int = defaultMaxRowIterations,
                             threads: Int = Parallel.processorCount) throws -> Scores {
        try RoutineError.naming("Sensitivities.exact") { try unnamedExact(a, p: p, rowTolerance: rowTolerance, maxRowIterations: maxRowIterations, threads: threads) }
    }

    /// `exact` without the routine name on its errors.
    static func unnamedExact(_ a: Matrix, p: Double, rowTolerance: Double = defaultRowTolerance,
                             maxRowIterations: Int = defaultMaxRowIterations,
                             threads: Int = Parallel.processorCount) throws -> Scores {
        try Check.p(p)
        try Check.matrix(a, noZeroRows: true)
        try checkRowOptions(rowTolerance, maxRowIterations)
        return try constrained(a, over: a, p: p, tolerance: rowTolerance, cap: maxRowIterations, threads: threads)
    }

    static func checkRowOptions(_ tolerance: Double, _ cap: Int) throws {
        guard tolerance > 0, tolerance.isFinite else {
            throw SensitivitySamplingError.invalidParameter(name: "rowTolerance", value: tolerance, requirement: "must be positive and finite")
        }
        try Check.count(cap, name: "maxRowIterations", atLeast: 1)
    }

    /// Fast approximation: the minimization runs over a Lewis-weight sample `SA` of about
    /// `sampleSize` rows (reweighted to be unbiased) instead of `A`:
    /// `1/σ̃_i = min {‖SAx‖_p^p : a_iᵀx = 1}`. With a sample that is a (1 ± ε) ℓp subspace embedding
    /// this is a (1 ± ε) approximation of every `σ_i`.
    /// - Throws: as `exact`; `.invalidParameter` for a sample size out of range.
    public static func approximate(_ a: Matrix, p: Double, sampleSize: Int, seed: UInt64,
                                   rowTolerance: Double = defaultRowTolerance,
                                   maxRowIterations: Int = defaultMaxRowIterations,
                                   threads: Int = Parallel.processorCount) throws -> Scores {
        try RoutineError.naming("Sensitivities.approximate") { try unnamedApproximate(a, p: p, sampleSize: sampleSize, seed: seed, rowTolerance: rowTolerance, maxRowIterations: maxRowIterations, threads: threads) }
    }

    /// `approximate` without the routine name on its errors.
    static func unnamedApproximate(_ a: Matrix, p: Double, sampleSize: Int, seed: UInt64,
                                   rowTolerance: Double = defaultRowTolerance,
                                   maxRowIterations: Int = defaultMaxRowIterations,
                                   threads: Int = Parallel.processorCount) throws -> Scores {
        try Check.p(p)
        try Check.matrix(a, noZeroRows: true)
        try checkRowOptions(rowTolerance, maxRowIterations)
        guard sampleSize >= a.columns, sampleSize <= a.rows else {
            throw SensitivitySamplingError.invalidParameter(name: "sampleSize", value: Double(sampleSize), requirement: "must be between d and n")
        }
        let w = try LewisWeights(p: p).compute(a).requireConverged("Sensitivities.approximate (Lewis weights)").weights
        let sample = try Sampler.bernoulli(scores: w, expectedSize: Double(sampleSize), p: p, seed: seed)
        let sa = RowScaling.rows(a, sample.indices, factors: sample.weights)
        return try constrained(a, over: sa, p: p, tolerance: rowTolerance, cap: maxRowIterations, threads: threads)
    }

    /// One row's outcome.
    struct RowOutcome {
        var sigma: Double
        var iterations: Int
        var converged: Bool
        var criterion: Double
    }

    /// `σ_i` with the minimization over the rows of `b` (= A, or a reweighted sample of A).
    /// Rows run in parallel with BLAS single-threaded inside (each row's products are small).
    static func constrained(_ a: Matrix, over b: Matrix, p: Double, tolerance: Double, cap: Int, threads: Int) throws -> Scores {
        let clock = Stopwatch()
        let n = a.rows, d = a.columns
        let l1 = p == 1 ? try L1Sensitivity(b, maxPivots: cap) : nil
        var outcomes = [RowOutcome](repeating: RowOutcome(sigma: 0, iterations: 0, converged: false, criterion: 0), count: n)
        var failure: Error?
        let lock = NSLock()
        let blasThreads = OpenBLAS.threadCount
        if threads > 1 { OpenBLAS.setThreadCount(1) }
        defer { if threads > 1 { OpenBLAS.setThreadCount(blasThreads) } }
        outcomes.withUnsafeMutableBufferPointer { out in
            Parallel.forEachChunk(count: n, threads: threads, minimumChunk: 4) { range in
                for i in range {
                    do {
                        if let l1 {
                            let o = l1.minimize(a.row(i))
                            guard o.objective.isFinite else {
                                throw SensitivitySamplingError.noConvergence("Sensitivities: no starting vertex for row \(i)")
                            }
                            out[i] = RowOutcome(sigma: o.objective > 0 ? 1 / o.objective : .infinity, iterations: o.pivots,
                                                    converged: o.converged, criterion: o.dualViolation)
                        } else {
                            out[i] = try sensitivity(of: a.row(i), over: b, p: p, dimension: d, tolerance: tolerance, cap: cap)
                        }
                    } catch {
                        lock.lock(); failure = failure ?? error; lock.unlock()
                    }
                }
            }
        }
        if let failure { throw failure }
        var solves = NestedSolves()
        var unconverged: [Int] = []
        for (i, o) in outcomes.enumerated() {
            solves.record(iterations: o.iterations, converged: o.converged, criterion: o.criterion)
            if !o.converged { unconverged.append(i) }
        }
        return Scores(values: outcomes.map(\.sigma), rowSolves: solves, unconvergedRows: unconverged,
                      tolerance: l1 == nil ? tolerance : L1Sensitivity.dualTolerance,
                      criterionName: l1 == nil ? "worst relative decrease of a row's ℓp problem"
                                               : "worst dual violation of a row's ℓ1 vertex (pivots counted as iterations)",
                      seconds: clock.elapsed)
    }

    /// `1 / min {Σ_j |b_jᵀx|^p : cᵀx = 1}`.
    static func sensitivity(of c: [Double], over b: Matrix, p: Double, dimension d: Int, tolerance: Double, cap: Int) throws -> RowOutcome {
        let norm2 = c.reduce(0) { $0 + $1 * $1 }
        if d == 1 {
            let x = 1 / c[0]
            var v = 0.0
            for j in 0..<b.rows { v += Wpow(abs(b[j, 0] * x), p) }
            return RowOutcome(sigma: 1 / v, iterations: 0, converged: true, criterion: 0)
        }
        let x0 = c.map { $0 / norm2 }
        let nBasis = complementBasis(c)               // d × (d − 1)
        let design = try b.multiplied(by: nBasis)     // B N
        let offset = try b.multiplied(by: x0)         // B x0
        let result = try LpRegression(p: p, tolerance: tolerance, maxIterations: cap).solve(design, offset.map { -$0 })
        return RowOutcome(sigma: result.objective > 0 ? 1 / result.objective : .infinity, iterations: result.iterations,
                          converged: result.converged, criterion: result.lastDecrease)
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
    /// - Throws: `.invalidParameter` for `p` below 1 or not finite, `d < 1`, a weight outside
    ///   `[0, 1]`, or a `p` so large that `d^{p/2−1}` overflows.
    public static func lewisUpperBound(lewisWeights w: [Double], p: Double, dimension d: Int) throws -> [Double] {
        try Check.p(p)
        try Check.count(d, name: "dimension", atLeast: 1)
        try checkScores(w, name: "lewisWeights")
        let factor = p <= 2 ? 1 : pow(Double(d), p / 2 - 1)
        guard factor.isFinite else {
            throw SensitivitySamplingError.invalidParameter(name: "p", value: p, requirement: "d^(p/2 − 1) must be finite")
        }
        return w.map { $0 * factor }
    }

    /// The root-leverage upper bound `τ_i^{p/2}` (valid for `p ≤ 2`).
    /// - Throws: `.invalidParameter` for `p` below 1 or not finite, or a score outside `[0, 1]`.
    public static func rootLeverageUpperBound(leverage tau: [Double], p: Double) throws -> [Double] {
        try Check.p(p)
        try checkScores(tau, name: "leverage")
        return tau.map { pow($0, p / 2) }
    }

    /// Scores in `[0, 1]` (leverage scores and Lewis weights are), allowing round-off above 1.
    static func checkScores(_ s: [Double], name: String) throws {
        if let bad = s.firstIndex(where: { !($0 >= 0 && $0 <= 1 + 1e-9) }) {
            throw SensitivitySamplingError.invalidParameter(name: "\(name)[\(bad)]", value: s[bad], requirement: "must lie in [0, 1]")
        }
    }

    /// Total sensitivity `𝔖 = Σ σ_i`.
    public static func total(_ sigma: [Double]) -> Double { Summation.compensated(sigma) }
}

/// Output pointer of the parallel sensitivity loop (each row writes only its own entry).
