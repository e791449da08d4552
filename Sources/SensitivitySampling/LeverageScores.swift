import Foundation
import LinearAlgebra

/// Statistical leverage scores `τ_i = a_iᵀ (AᵀA)⁺ a_i = ‖e_iᵀ Q‖²` for an orthonormal basis `Q` of
/// the column space; `Σ τ_i = rank(A)`.
public enum LeverageScores {
    /// Exact leverage scores.
    ///
    /// Fast path (CholeskyQR2): `R₁ = chol(AᵀA)` by `dsyrk` + `dpotrf`, `Q₁ = A R₁⁻¹` by `dtrsm`,
    /// then a second Cholesky of `Q₁ᵀQ₁` unless `Q₁` is already orthonormal to 1e−12 — all
    /// level-3 BLAS. When `AᵀA` is not numerically positive definite (rank deficiency or condition
    /// number above ~1e8) it falls back to Householder QR with column pivoting and uses a basis of
    /// the numerical rank (rank-revealing), so `Σ τ = rank(A)` also for rank-deficient `A`.
    /// - Throws: `SensitivitySamplingError.emptyMatrix`, `.nonFiniteEntry`.
    /// - Complexity: O(n d²).
    public static func exact(_ a: Matrix) throws -> [Double] {
        try RoutineError.naming("LeverageScores.exact") { try unnamedExact(a) }
    }

    /// `exact` without the routine name on its errors.
    static func unnamedExact(_ a: Matrix) throws -> [Double] {
        try Check.matrix(a, tall: false)
        if a.rows >= a.columns, let q = try? choleskyQR(a) { return rowNorms(q) }
        let pivoted = try PivotedQR(a)
        return rowNorms(pivoted.basis())
    }

    /// `A R⁻¹` with `R` from Cholesky, refined once; nil when the Gram matrix is not safely
    /// positive definite.
    static func choleskyQR(_ a: Matrix) throws -> Matrix? {
        let d = a.columns
        var gram = Matrix(rows: d, columns: d)
        try BLAS.syrk(a, transpose: true, into: &gram)
        let scale = gram.diagonal.max() ?? 0
        guard scale > 0 else { return nil }
        guard let c1 = try? Cholesky(gram) else { return nil }
        // Reject ill-conditioned Gram matrices (cond(A) ≳ 1e8), where CholeskyQR loses accuracy.
        let diag = c1.factor.diagonal
        guard let lo = diag.min(), let hi = diag.max(), lo > 1e-8 * hi else { return nil }
        var q = a
        try BLAS.trsm(c1.factor, lower: true, transpose: true, side: .right, &q)
        var g2 = Matrix(rows: d, columns: d)
        try BLAS.syrk(q, transpose: true, into: &g2)
        var off = 0.0
        for j in 0..<d { for i in 0..<d { off = max(off, abs(g2[i, j] - (i == j ? 1 : 0))) } }
        if off > 1e-12 {
            guard let c2 = try? Cholesky(g2) else { return nil }
            try BLAS.trsm(c2.factor, lower: true, transpose: true, side: .right, &q)
        }
        return q
    }

    /// Leverage scores from a triangular factor of the whole matrix: `τ_i = ‖a_iᵀ R⁻¹‖²` for the
    /// rows `a` hold, where `AᵀA = RᵀR` for the matrix those rows belong to (a tall-skinny QR's
    /// `R`, so the rows may be one block of a larger matrix).
    /// - Parameter totalRows: the whole matrix's row count `N`: a diagonal entry of `R` below
    ///   `max(N, d) · ε` times the largest marks the matrix as numerically rank deficient (the
    ///   rank tolerance of ``PivotedQR/rank(relativeTolerance:)``).
    /// - Throws: `.noConvergence` when `R` has a non-finite or negligible diagonal entry
    ///   (rank-deficient matrix), the triangular solve's errors otherwise.
    /// - Complexity: O(n d²) for `n` rows.
    package static func scores(of a: Matrix, triangularFactor r: Matrix, totalRows: Int) throws -> [Double] {
        let largest = (0..<r.rows).reduce(0.0) { max($0, abs(r[$1, $1])) }
        let floor = Double(max(totalRows, r.rows)) * Double.ulpOfOne * largest
        for i in 0..<r.rows where !(abs(r[i, i]) > floor && r[i, i].isFinite) {
            throw SensitivitySamplingError.noConvergence(
                "the triangular factor has diagonal entry \(r[i, i]) at \(i) (largest \(largest)): the matrix is rank deficient")
        }
        var q = a
        try BLAS.trsm(r, lower: false, side: .right, &q)
        return rowNorms(q)
    }

    /// Squared row norms of a column-major matrix.
    package static func rowNorms(_ q: Matrix) -> [Double] {
        var tau = [Double](repeating: 0, count: q.rows)
        let n = q.rows
        q.withUnsafeBufferPointer { x in
            tau.withUnsafeMutableBufferPointer { t in
                for j in 0..<q.columns {
                    let col = x.baseAddress! + j * n
                    for i in 0..<n { t[i] += col[i] * col[i] }
                }
            }
        }
        return tau
    }

    /// Approximate leverage scores (Drineas, Magdon-Ismail, Mahoney, Woodruff 2012): a CountSketch
    /// `ΠA` with `sketchRows` rows, `R` from its QR, then `τ̃_i = ‖a_iᵀ R⁻¹ G‖²` with `G` a
    /// `d × jlDimension` Gaussian scaled by `1/√jlDimension`. With `sketchRows ≳ d²/δ` the sketch is
    /// a subspace embedding with constant probability and each `τ̃_i` is within a constant factor
    /// of `τ_i`; the JL step adds a `1 ± O(1/√jlDimension)` factor per score.
    /// - Parameters:
    ///   - a: the `n × d` matrix.
    ///   - sketchRows: rows of the CountSketch (default `max(4d, min(n, 2d²))`).
    ///   - jlDimension: columns of the Gaussian JL matrix (default `min(d, max(8, ⌈2 ln n⌉))`;
    ///     each score is then off by a χ²_r / r factor, relative spread about `√(2/r)`).
    ///   - seed: seed of the sketch and of the Gaussian matrix.
    /// - Throws: as `exact`; `.invalidParameter` for sizes out of range; `.tooFewRows` for n < d.
    /// - Complexity: O(nnz(A) + k d² + n d r) with k = sketch rows, r = JL dimension — below the
    ///   O(n d²) of the exact scores when r ≪ d.
    public static func approximate(_ a: Matrix, sketchRows: Int? = nil, jlDimension: Int? = nil, seed: UInt64) throws -> [Double] {
        try RoutineError.naming("LeverageScores.approximate") { try unnamedApproximate(a, sketchRows: sketchRows, jlDimension: jlDimension, seed: seed) }
    }

    /// `approximate` without the routine name on its errors.
    static func unnamedApproximate(_ a: Matrix, sketchRows: Int? = nil, jlDimension: Int? = nil, seed: UInt64) throws -> [Double] {
        try Check.matrix(a)
        let n = a.rows, d = a.columns
        let k = sketchRows ?? max(4 * d, min(n, 2 * d * d))
        let r = jlDimension ?? min(d, max(8, Int((2 * log(Double(n))).rounded(.up))))
        guard k >= d, k <= max(n, d) * 4 else {
            throw SensitivitySamplingError.invalidParameter(name: "sketchRows", value: Double(k), requirement: "must be between d and 4n")
        }
        guard r >= 1 else { throw SensitivitySamplingError.invalidParameter(name: "jlDimension", value: Double(r), requirement: "must be ≥ 1") }
        var g = Xoshiro256StarStar(seed: seed)
        // CountSketch: row i goes to bucket h(i) with sign s(i).
        var sketch = Matrix(rows: k, columns: d)
        let buckets = (0..<n).map { _ in Int(g.next() % UInt64(k)) }
        let signs = (0..<n).map { _ in g.next() & 1 == 0 ? 1.0 : -1.0 }
        a.withUnsafeBufferPointer { x in
            sketch.withUnsafeMutableBufferPointer { s in
                for j in 0..<d {
                    for i in 0..<n { s[buckets[i] + j * k] += signs[i] * x[i + j * n] }
                }
            }
        }
        let qr = try QR(sketch)
        // R⁻¹ G: solve R Z = G (R upper triangular d × d).
        var z = Matrix.randomNormal(rows: d, columns: r, using: &g).scaled(by: 1 / Double(r).squareRoot())
        let rr = qr.r.submatrix(rows: 0..<d, columns: 0..<d)
        for i in 0..<d where rr[i, i] == 0 {
            throw SensitivitySamplingError.noConvergence("sketch of A is rank-deficient (pivot \(i)); use exact leverage scores")
        }
        try BLAS.trsm(rr, lower: false, &z)
        let projected = try a.multiplied(by: z)
        return rowNorms(projected)
    }

    /// Ridge leverage scores `τ_i(λ) = a_iᵀ (AᵀA + λ I)⁻¹ a_i`.
    /// - Throws: as `exact`; `.invalidParameter` for `λ < 0`.
    /// - Complexity: O(n d²).
    public static func ridge(_ a: Matrix, lambda: Double) throws -> [Double] {
        try RoutineError.naming("LeverageScores.ridge") { try unnamedRidge(a, lambda: lambda) }
    }

    /// `ridge` without the routine name on its errors.
    static func unnamedRidge(_ a: Matrix, lambda: Double) throws -> [Double] {
        try Check.matrix(a, tall: false)
        guard lambda >= 0, lambda.isFinite else {
            throw SensitivitySamplingError.invalidParameter(name: "lambda", value: lambda, requirement: "must be ≥ 0 and finite")
        }
        if lambda == 0 { return try exact(a) }
        var gram = Matrix(rows: a.columns, columns: a.columns)
        try BLAS.syrk(a, transpose: true, into: &gram)
        gram.addToDiagonal(lambda)
        let c = try Cholesky(gram)
        var q = a
        try BLAS.trsm(c.factor, lower: true, transpose: true, side: .right, &q)
        return rowNorms(q)
    }
}
