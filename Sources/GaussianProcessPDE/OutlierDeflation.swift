import Foundation
import LinearAlgebra

/// The coarse space of the two-dimensional Gauss–Newton preconditioner for the Euclidean metric.
///
/// In the eigenbasis `⊗V_k` the Euclidean system reads `I + τ₂ Λ H Λ + ρ W'ᵀW'` with `Λ` the
/// diagonal of eigenvalue sums and `H = ⊗H_k`, `H_k = (L_kV_k)ᵀ(L_kV_k)`. The spectral
/// preconditioner replaces each `H_k` by its diagonal `Σ_k`. Write `H_k = Σ_k^{1/2} C_k Σ_k^{1/2}`:
/// on a grid that resolves the kernel finely, `C_k` has a few eigenvalues `γ ≪ 1` (combinations of
/// eigenmodes that the Cholesky factor nearly cancels, an effect of the non-periodic boundary),
/// and every product of one of them with any mode of the other axis is an eigenvalue of the
/// preconditioned system of order `γ`: a few hundred tiny eigenvalues per axis, which is what held
/// CG at thousands of iterations. Where the `τ₂` term dominates, those eigenvectors are
/// `Λ⁻¹ Σ^{-1/2}(y ⊗ e_j)` (y an outlier of `C₀`, any j) and the same with the axes swapped, so
/// this coarse space holds exactly those vectors; the preconditioner adds `Z (ZᵀAZ)⁻¹ Zᵀ` (an
/// additive two-level preconditioner) to the spectral one. The two families share the span of
/// `Λ⁻¹(y₀ ⊗ y₁)`; the second family is therefore taken over the orthogonal complement of the first
/// axis's outliers, so `Z` has full column rank. `ZᵀAZ` is assembled from per-axis matrices
/// (the `τ₂` term and the identity are Kronecker-structured in this basis, the boundary term is
/// formed on the boundary rows only). Its dimension is `r₀n₁ + (n₀ − r₀)r₁` for `r_k` outliers on
/// axis k: a few thousand on 400², factored once per model.
///
/// The nonlinear term of Allen–Cahn is left out of `ZᵀAZ` (it is small beside `τ₂ΛHΛ` on these
/// modes); the preconditioner stays symmetric positive definite, so CG remains valid.
struct OutlierDeflation {
    let n0: Int
    let n1: Int
    /// `Σ₀^{-1/2} y` for the outliers y of `C₀` (n₀ × r₀) and of `C₁` (n₁ × r₁).
    let u0: Matrix
    let u1: Matrix
    /// An orthonormal basis of the complement of `span(u0)` (n₀ × (n₀ − r₀)).
    let complement: Matrix
    /// `1 / Λ` as an n₀ × n₁ matrix.
    let inverseEigen: Matrix
    let coarse: Cholesky

    /// `C_k` eigenvalues below this are outliers (measured: five per axis on the bench's Poisson
    /// cases, at 1e-6 … 1e-2; the bulk lies in [0.3, 2]).
    static let threshold = 0.05

    /// Largest coarse space that is built (its factorization costs `m³/3` flops and `8m²` bytes:
    /// about 2 s and 0.5 GB at the cap). Beyond it the spectral preconditioner is used alone, and
    /// the linear solves' reports show whether CG still converged.
    static let maxDimension = 8000

    /// Coarse-space dimension.
    var dimension: Int { u0.columns * n1 + complement.columns * u1.columns }

    /// The coarse space of a two-dimensional model with real eigenbases, or nil when there is
    /// nothing to deflate (no outliers, another dimension, a complex basis), when the space would
    /// exceed ``maxDimension``, when an eigenvalue sum is zero, or when its matrix is not finite or
    /// does not factor.
    /// - Throws: only what the per-axis products and eigendecompositions throw (non-finite input).
    static func make(axes: [AxisFactor], dims: [Int], tau2: Double, rho: Double, boundary: [[Int]]) throws -> OutlierDeflation? {
        guard dims.count == 2, axes.allSatisfy({ $0.basisImaginary == nil }) else { return nil }
        let (u0, h0) = try outliers(axes[0]), (u1, h1) = try outliers(axes[1])
        guard u0.columns + u1.columns > 0 else { return nil }
        let (n0, n1) = (dims[0], dims[1])
        guard u0.columns * n1 + (n0 - u0.columns) * u1.columns <= maxDimension else { return nil }
        let (a0, a1) = (axes[0], axes[1])
        // The scaling needs every eigenvalue sum nonzero. Sums near zero (eigenvalues of either
        // sign near zero cancel) give large but harmless entries: the coarse matrix is checked below.
        var inverseEigen = Matrix(rows: n0, columns: n1)
        for j in 0..<n1 {
            for i in 0..<n0 {
                let lambda = a0.coefficient * a0.eigenReal[i] + a1.coefficient * a1.eigenReal[j]
                guard lambda != 0, (1 / lambda).isFinite else { return nil }
                inverseEigen[i, j] = 1 / lambda
            }
        }
        let complement = try orthogonalComplement(u0)
        let e = try coarseMatrix(u0: u0, u1: u1, h0: h0, h1: h1, q: complement, inverseEigen: inverseEigen,
                                 r0: a0.rowsReal, r1: a1.rowsReal, tau2: tau2, rho: rho, boundary: boundary)
        // The coarse space only accelerates CG: when its matrix does not factor (or is not finite),
        // the spectral preconditioner works alone and the linear solves' reports say how CG ended.
        let scale = (0..<e.rows).map { e[$0, $0] }.max() ?? 0
        guard scale.isFinite, scale > 0, e.elements.allSatisfy(\.isFinite) else { return nil }
        let factor: Cholesky
        do { factor = try Cholesky(e, jitter: CholeskyJitter(initial: 1e-14 * scale, growth: 10, maxAttempts: 4)) } catch { return nil }
        return OutlierDeflation(n0: n0, n1: n1, u0: u0, u1: u1, complement: complement, inverseEigen: inverseEigen, coarse: factor)
    }

    /// `Σ^{-1/2} y` for the eigenvectors y of `C = Σ^{-1/2} H Σ^{-1/2}` below the threshold, and `H`.
    static func outliers(_ a: AxisFactor) throws -> (Matrix, Matrix) {
        let n = a.count
        let p = try a.lower.multiplied(by: a.basisReal)
        let h = try p.multiplied(by: p, transposeSelf: true)
        let s = (0..<n).map { h[$0, $0] }
        guard s.allSatisfy({ $0 > 0 && $0.isFinite }) else { return (Matrix(rows: n, columns: 0), h) }
        let c = Matrix(rows: n, columns: n) { i, j in 0.5 * (h[i, j] + h[j, i]) / (s[i] * s[j]).squareRoot() }
        let e = try SymmetricEigen(c)
        let picked = (0..<n).filter { e.eigenvalues[$0] < threshold }
        return (Matrix(rows: n, columns: picked.count) { i, k in e.eigenvectors[i, picked[k]] / s[i].squareRoot() }, h)
    }

    /// An orthonormal basis of the orthogonal complement of the columns of `u`.
    static func orthogonalComplement(_ u: Matrix) throws -> Matrix {
        let n = u.rows, r = u.columns
        guard r > 0 else { return Matrix.identity(n) }
        // The eigenvectors of u uᵀ (ascending eigenvalues): the first n − r span the complement.
        let g = try u.multiplied(by: u, transposeOther: true)
        let e = try SymmetricEigen(Matrix(rows: n, columns: n) { i, j in 0.5 * (g[i, j] + g[j, i]) })
        return e.eigenvectors.submatrix(rows: 0..<n, columns: 0..<(n - r))
    }

    /// `ZᵀAZ` for the linear part of the Euclidean system.
    static func coarseMatrix(u0: Matrix, u1: Matrix, h0: Matrix, h1: Matrix, q: Matrix, inverseEigen il: Matrix,
                             r0: Matrix, r1: Matrix, tau2: Double, rho: Double, boundary: [[Int]]) throws -> Matrix {
        let n0 = u0.rows, n1 = u1.rows, ra = u0.columns, rb = u1.columns, m1 = q.columns
        let first = ra * n1, m = first + m1 * rb
        var e = Matrix(rows: m, columns: m)
        let w = il.map { $0 * $0 }
        func i0(_ a: Int, _ j: Int) -> Int { a + ra * j }
        func i1(_ q: Int, _ b: Int) -> Int { first + q + m1 * b }
        // First family with itself: the identity term is block diagonal over j, the τ₂ term is
        // Γ₀ ⊗ H₁ with Γ₀ = u0ᵀH₀u0.
        let gamma0 = try u0.multiplied(by: try h0.multiplied(by: u0), transposeSelf: true)
        for j in 0..<n1 {
            for a in 0..<ra {
                for b in 0..<ra {
                    var s = 0.0
                    for i in 0..<n0 { s += u0[i, a] * u0[i, b] * w[i, j] }
                    e[i0(a, j), i0(b, j)] += s
                }
            }
            for jj in 0..<n1 {
                let hv = tau2 * h1[j, jj]
                for a in 0..<ra { for b in 0..<ra { e[i0(a, j), i0(b, jj)] += hv * gamma0[a, b] } }
            }
        }
        // Second family with itself: Qᵀ diag(T_bb') Q for the identity, (QᵀH₀Q) ⊗ Γ₁ for τ₂.
        if rb > 0 {
            let gamma1 = try u1.multiplied(by: try h1.multiplied(by: u1), transposeSelf: true)
            let qhq = try q.multiplied(by: try h0.multiplied(by: q), transposeSelf: true)
            for b in 0..<rb {
                for bb in b..<rb {
                    var t = [Double](repeating: 0, count: n0)
                    for i in 0..<n0 { for k in 0..<n1 { t[i] += u1[k, b] * u1[k, bb] * w[i, k] } }
                    let scaled = Matrix(rows: n0, columns: m1) { i, c in t[i] * q[i, c] }
                    let block = try q.multiplied(by: scaled, transposeSelf: true)
                    for c in 0..<m1 {
                        for cc in 0..<m1 {
                            let v = block[c, cc] + tau2 * qhq[c, cc] * gamma1[b, bb]
                            e[i1(c, b), i1(cc, bb)] += v
                            if bb != b { e[i1(cc, bb), i1(c, b)] += v }
                        }
                    }
                }
            }
            // The two families: Σ_i u0[i,a] Q[i,q] w[i,j] u1[j,b] + τ₂ (u0ᵀH₀Q)[a,q] (H₁u1)[j,b].
            let uhq = try u0.multiplied(by: try h0.multiplied(by: q), transposeSelf: true)
            let hu1 = try h1.multiplied(by: u1)
            for a in 0..<ra {
                let uq = Matrix(rows: n0, columns: m1) { i, c in u0[i, a] * q[i, c] }
                let x = try w.multiplied(by: uq, transposeSelf: true)            // n1 × m1
                for j in 0..<n1 {
                    for b in 0..<rb {
                        for c in 0..<m1 {
                            let v = x[j, c] * u1[j, b] + tau2 * uhq[a, c] * hu1[j, b]
                            e[i0(a, j), i1(c, b)] += v
                            e[i1(c, b), i0(a, j)] += v
                        }
                    }
                }
            }
        }
        // The boundary term ρ GᵀG, G the boundary values of the coarse vectors.
        let nb = boundary.count
        var g = Matrix(rows: nb, columns: m)
        if ra > 0 {
            let f = Matrix(rows: n0, columns: first) { i, c in u0[i, c % ra] * il[i, c / ra] }
            let values = try r0.multiplied(by: f)                                 // n0 × (r0 n1)
            for (p, point) in boundary.enumerated() {
                for j in 0..<n1 {
                    let rv = r1[point[1], j]
                    for a in 0..<ra { g[p, i0(a, j)] = values[point[0], i0(a, j)] * rv }
                }
            }
        }
        for b in 0..<rb {
            let fb = Matrix(rows: n1, columns: n0) { k, i in u1[k, b] * il[i, k] }
            let vb = try r1.multiplied(by: fb)                                    // n1 × n0
            let y = Matrix(rows: nb, columns: n0) { p, i in r0[boundary[p][0], i] * vb[boundary[p][1], i] }
            let yq = try y.multiplied(by: q)
            for p in 0..<nb { for c in 0..<m1 { g[p, i1(c, b)] = yq[p, c] } }
        }
        let ggt = try g.multiplied(by: g, transposeSelf: true)
        for c in 0..<m { for r in 0..<m { e[r, c] += rho * ggt[r, c] } }
        return e
    }

    /// `op(a) · op(b)` for operands whose shapes agree by construction (no shape check).
    static func product(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
        let m = transposeA ? a.columns : a.rows, k = transposeA ? a.rows : a.columns, n = transposeB ? b.rows : b.columns
        var c = Matrix(rows: m, columns: n)
        guard m > 0, n > 0, k > 0 else { return c }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    UnsafeBLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: a.rows,
                                    b: pb.baseAddress!, ldb: b.rows, beta: 0, c: pc.baseAddress!, ldc: m)
                }
            }
        }
        return c
    }

    /// `Zᵀ x` for `x` in eigen-coordinates (last axis fastest).
    func restrict(_ x: [Double]) -> [Double] {
        let xs = Matrix(rows: n0, columns: n1) { i, j in x[i * n1 + j] * inverseEigen[i, j] }
        var out = OutlierDeflation.product(u0, xs, transposeA: true).elements
        if u1.columns > 0 { out += OutlierDeflation.product(complement, OutlierDeflation.product(xs, u1), transposeA: true).elements }
        return out
    }

    /// `y += Z s`.
    func prolong(_ s: [Double], into y: inout [Double]) {
        let ra = u0.columns, rb = u1.columns, m1 = complement.columns
        var s0 = Matrix(rows: ra, columns: n1), s1 = Matrix(rows: m1, columns: rb)
        s0.withUnsafeMutableBufferPointer { b in for k in 0..<(ra * n1) { b[k] = s[k] } }
        s1.withUnsafeMutableBufferPointer { b in for k in 0..<(m1 * rb) { b[k] = s[ra * n1 + k] } }
        let p0 = OutlierDeflation.product(u0, s0)
        let p1 = OutlierDeflation.product(OutlierDeflation.product(complement, s1), u1, transposeB: true)
        for i in 0..<n0 { for j in 0..<n1 { y[i * n1 + j] += inverseEigen[i, j] * (p0[i, j] + p1[i, j]) } }
    }

    /// The coarse correction `Z (ZᵀAZ)⁻¹ Zᵀ x`, added to `y`.
    func correct(_ x: [Double], into y: inout [Double]) {
        prolong(coarse.solveUnchecked(restrict(x)), into: &y)
    }
}
