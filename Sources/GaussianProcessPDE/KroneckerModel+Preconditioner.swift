import Foundation
import LinearAlgebra

/// The Gauss–Newton preconditioner: the exact inverse of `I + τ₂ M Σ̃ M + ρ WᵀW`, diagonal in the
/// per-axis eigenbasis up to the rank-`n_b` boundary term, which Woodbury handles through the
/// boundary capacitance matrix.
extension KroneckerModel {
    /// `(A₀ + ρ WᵀW)⁻¹ x` by Woodbury: `y − A₀⁻¹Wᵀ C⁻¹ W y`, `y = A₀⁻¹x`, `C = I/ρ + W A₀⁻¹ Wᵀ`,
    /// computed in the eigenbasis: with `ẑ = D⁻¹(⊗V)ᴴx`, `W y = B(⊗R_k)ẑ` and
    /// `D⁻¹(⊗V)ᴴ A₀⁻¹… = D⁻¹(⊗R_k)ᴴBᵀ`, so one forward and one inverse transform plus boundary
    /// rows suffice.
    func applyLinearInverse(_ x: [Double]) -> [Double] {
        var (zr, zi) = transform(x, nil, inverse: false)
        let projected = deflation == nil ? nil : zr
        for i in 0..<total { zr[i] *= inverseDiagonal[i] }
        if zi != nil { for i in 0..<total { zi![i] *= inverseDiagonal[i] } }
        let t = capacitance.solveUnchecked(faces.rows(basisRowFactors, zr, zi).re)
        let (ar, ai) = faces.adjoint(basisRowFactors, t)
        for i in 0..<total { zr[i] -= inverseDiagonal[i] * ar[i] }
        if let ai { for i in 0..<total { zi![i] -= inverseDiagonal[i] * ai[i] } }
        if let deflation, let projected { deflation.correct(projected, into: &zr) }
        return transform(zr, zi, inverse: true).0
    }

    /// `C = I/ρ + W A₀⁻¹ Wᵀ = I/ρ + Re(P D⁻¹ Pᴴ)`, `P = B (⊗ L_k V_k)`, accumulated slab by slab
    /// (all axes but the last fixed), so the `n_b × N` matrix P is never stored.
    static func capacitance(axes: [AxisFactor], dims: [Int], inverseDiagonal: [Double], boundary: [[Int]], rho: Double) throws -> Cholesky {
        let nb = boundary.count
        let d = dims.count
        let last = dims[d - 1]
        let slabs = dims.dropLast().reduce(1, *)
        var c = Matrix(rows: nb, columns: nb)
        var xr = [Double](repeating: 0, count: nb * last), xi = xr
        let complex = axes.contains { $0.basisImaginary != nil }
        var a = [Int](repeating: 0, count: max(d - 1, 0))
        let la = axes[d - 1]
        for slab in 0..<slabs {
            var r = slab
            for k in stride(from: d - 2, through: 0, by: -1) { a[k] = r % dims[k]; r /= dims[k] }
            for (j, m) in boundary.enumerated() {
                var sr = 1.0, si = 0.0
                for k in 0..<(d - 1) {
                    let pr = axes[k].rowsReal[m[k], a[k]], pi = axes[k].rowsImaginary?[m[k], a[k]] ?? 0
                    (sr, si) = (sr * pr - si * pi, sr * pi + si * pr)
                }
                for b in 0..<last {
                    let w = inverseDiagonal[slab * last + b].squareRoot()
                    let qr = la.rowsReal[m[d - 1], b], qi = la.rowsImaginary?[m[d - 1], b] ?? 0
                    xr[j + b * nb] = w * (sr * qr - si * qi)
                    xi[j + b * nb] = w * (sr * qi + si * qr)
                }
            }
            c.withUnsafeMutableBufferPointer { cb in
                xr.withUnsafeBufferPointer { p in
                    UnsafeBLAS.syrkLower(transpose: false, n: nb, k: last, alpha: 1, a: p.baseAddress!, lda: nb, beta: 1, c: cb.baseAddress!, ldc: nb)
                }
                if complex {
                    xi.withUnsafeBufferPointer { p in
                        UnsafeBLAS.syrkLower(transpose: false, n: nb, k: last, alpha: 1, a: p.baseAddress!, lda: nb, beta: 1, c: cb.baseAddress!, ldc: nb)
                    }
                }
            }
        }
        c.withUnsafeMutableBufferPointer { cb in
            for j in 0..<nb {
                cb[j + j * nb] += 1 / rho
                for i in (j + 1)..<max(nb, j + 1) { cb[j + i * nb] = cb[i + j * nb] }
            }
        }
        do { return try Cholesky(c) } catch {
            throw GaussianProcessPDEError.indefiniteGram("boundary capacitance matrix: \(error)")
        }
    }
}
