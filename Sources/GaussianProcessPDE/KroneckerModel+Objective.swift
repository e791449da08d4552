import Foundation
import LinearAlgebra

/// The objective `Φ(c)` (the negative log joint at fixed noise precisions, without `½ log|K|`),
/// its residual's Jacobian and its gradient in the whitened coordinates.
extension KroneckerModel {
    /// One evaluation of the objective: grid values, residual, weighted residual, boundary misfit.
    struct Evaluation {
        var u: [Double]
        var residual: [Double]
        var weightedResidual: [Double]
        var boundaryResidual: [Double]
        var phi: Double
    }

    /// The residual in the coordinates the metric is applied to: `R = Aα + N(U) − f` (Euclidean)
    /// or the whitened `L⁻¹R` (spectral), and the value of `½ τ₂ ‖·‖²` in that metric.
    func evaluate(_ c: [Double]) -> Evaluation {
        let u = applyE(c)
        let r: [Double]
        switch metric {
        case .euclidean:
            let lmc = applyL(applyM(c))
            r = (0..<total).map { lmc[$0] + pde.nonlinearTerm(u[$0]) - f[$0] }
        case .spectral:
            let mc = applyM(c)
            let rest = applyLinv((0..<total).map { pde.nonlinearTerm(u[$0]) - f[$0] })
            r = (0..<total).map { mc[$0] + rest[$0] }
        }
        let weighted = metric == .euclidean ? r : applyMetric(r)
        let br = (0..<boundaryIndex.count).map { u[boundaryIndex[$0]] - g[$0] }
        let phi = 0.5 * c.reduce(0) { $0 + $1 * $1 } + 0.5 * rho * br.reduce(0) { $0 + $1 * $1 }
            + 0.5 * tau2 * zip(r, weighted).reduce(0) { $0 + $1.0 * $1.1 }
        return Evaluation(u: u, residual: r, weightedResidual: weighted, boundaryResidual: br, phi: phi)
    }

    /// `J x` and `Jᵀ x` for the Jacobian of the residual: `J = L M + diag(N'(U)) E` (Euclidean) or
    /// `M + L⁻¹ diag(N'(U)) E` (spectral).
    func applyJ(_ x: [Double], _ np: [Double]?, transposed: Bool) -> [Double] {
        let euclidean = metric == .euclidean
        var y: [Double]
        if transposed {
            y = euclidean ? applyM(applyLT(x), transposed: true) : applyM(x, transposed: true)
        } else {
            y = euclidean ? applyL(applyM(x)) : applyM(x)
        }
        guard let np else { return y }
        let t: [Double]
        if transposed {
            let v = euclidean ? x : applyLinvT(x)
            t = applyET(zip(np, v).map { $0 * $1 })
        } else {
            let v = zip(np, applyE(x)).map { $0 * $1 }
            t = euclidean ? v : applyLinv(v)
        }
        for i in 0..<total { y[i] += t[i] }
        return y
    }

    /// The gradient `c + ρWᵀ(Wc − g) + τ₂ JᵀR` of the objective in `c`.
    func gradient(_ c: [Double], _ e: Evaluation) -> [Double] {
        let np = pde == .allenCahn ? e.u.map(pde.nonlinearDerivative) : nil
        let jr = applyJ(e.weightedResidual, np, transposed: true)
        let wr = applyWT(e.boundaryResidual)
        return (0..<total).map { c[$0] + rho * wr[$0] + tau2 * jr[$0] }
    }

}
