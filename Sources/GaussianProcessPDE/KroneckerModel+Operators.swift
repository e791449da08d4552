import Foundation
import LinearAlgebra

/// The structured operators of the model, each applied axis by axis without forming an N × N
/// matrix: `E`, `L`, `L⁻¹` (and transposes), the PDE's linear part `M`, the per-axis eigenbasis
/// transform, the spectral metric and the boundary rows `W`.
extension KroneckerModel {
    static func applyEach(_ factors: [Matrix], transposed: Bool, _ dims: [Int], _ x: [Double]) -> [Double] {
        var y = x
        for (k, a) in factors.enumerated() {
            // Shapes are fixed by construction; NaN propagates to the CG and objective checks.
            y = Kronecker.applyUnchecked(a, transposed: transposed, axis: k, dimensions: dims, y)
        }
        return y
    }

    func applyE(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.values), transposed: false, dims, x) }
    func applyET(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.values), transposed: true, dims, x) }
    func applyL(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.lower), transposed: false, dims, x) }
    func applyLT(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.lower), transposed: true, dims, x) }
    func applyLinv(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.lowerInverse), transposed: false, dims, x) }
    func applyLinvT(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.lowerInverse), transposed: true, dims, x) }

    /// `M x` (or `Mᵀ x`).
    func applyM(_ x: [Double], transposed: Bool = false) -> [Double] {
        var y = [Double](repeating: 0, count: total)
        for (k, a) in axes.enumerated() {
            let t = Kronecker.applyUnchecked(a.whitened, transposed: transposed, axis: k, dimensions: dims, x)
            for i in 0..<total { y[i] += a.coefficient * t[i] }
        }
        return y
    }

    /// `(⊗V_k)ᴴ x` for real `x`, or `Re((⊗V_k) z)` for `inverse`.
    func transform(_ re: [Double], _ im: [Double]?, inverse: Bool) -> ([Double], [Double]?) {
        var xr = re, xi = im
        for (k, a) in axes.enumerated() {
            let tr = !inverse
            func app(_ m: Matrix, _ v: [Double]) -> [Double] { Kronecker.applyUnchecked(m, transposed: tr, axis: k, dimensions: dims, v) }
            guard let vi = a.basisImaginary else {
                xr = app(a.basisReal, xr)
                if let i = xi { xi = app(a.basisReal, i) }
                continue
            }
            let rr = app(a.basisReal, xr), ir = app(vi, xr)
            if let i = xi {
                let ri = app(a.basisReal, i), ii = app(vi, i)
                // V:  (Vr + iVi)(xr + i xi);   Vᴴ: (Vrᵀ − iViᵀ)(xr + i xi)
                xr = inverse ? zip(rr, ii).map { $0 - $1 } : zip(rr, ii).map { $0 + $1 }
                xi = inverse ? zip(ri, ir).map { $0 + $1 } : zip(ri, ir).map { $0 - $1 }
            } else {
                xr = rr
                xi = inverse ? ir : ir.map { -$0 }
            }
        }
        return (xr, xi)
    }


    /// `Re((⊗V) diag(w) (⊗V)ᴴ x)` for real `x`.
    func applySpectral(_ x: [Double], _ w: [Double]) -> [Double] {
        var (zr, zi) = transform(x, nil, inverse: false)
        for i in 0..<total { zr[i] *= w[i] }
        if zi != nil { for i in 0..<total { zi![i] *= w[i] } }
        return transform(zr, zi, inverse: true).0
    }

    /// `W x`: the posterior mean at the boundary points (boundary rows of `⊗E_k` only).
    func applyW(_ x: [Double]) -> [Double] { faces.rows(valueFactors, x, nil).re }
    /// `Wᵀ w`.
    func applyWT(_ w: [Double]) -> [Double] { faces.adjoint(valueFactors, w).re }

    /// `Σ̃ x = (⊗V) diag(Πσ) (⊗V)ᴴ x` (real for real x).
    func applyMetric(_ x: [Double]) -> [Double] { applySpectral(x, metricWeights) }
}
