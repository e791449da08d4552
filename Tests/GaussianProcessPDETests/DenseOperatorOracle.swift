import Foundation
import GaussianProcessPDE
import LinearAlgebra

/// The dense collocation operator of a PDE, built for the tests without the package's derivative
/// kernels or its per-axis operator table: every derivative is a finite difference of the
/// kernel's values, and the terms are read off the operators' documented definitions.
enum DenseOperatorOracle {
    /// `(axis, derivative order, coefficient)` of the linear part, from the definitions:
    /// `Δu = Σ_k ∂²u/∂x_k²` (Poisson, Allen–Cahn) and `β u_x + u_t` (advection on `(x, t)`).
    static func terms(_ pde: PDEOperator, dimension d: Int) -> [(axis: Int, order: Int, coefficient: Double)] {
        switch pde {
        case .poisson, .allenCahn: return (0..<d).map { (axis: $0, order: 2, coefficient: 1) }
        case .advection(let beta): return [(axis: 0, order: 1, coefficient: beta), (axis: 1, order: 1, coefficient: 1)]
        }
    }

    /// `[∂^order/∂x^order k(x − x_j)]` at `x = x_i` on a grid, by sixth-order central differences
    /// of `k`'s values (step 0.01 in units of the kernel's argument).
    static func derivativeGram(_ kernel: SpectralKernel, _ grid: Grid1D, order: Int) throws -> Matrix {
        let h = 0.01
        // Central-difference weights for offsets −3…3.
        let first = [-1.0, 9, -45, 0, 45, -9, 1].map { $0 / (60 * h) }
        let second = [2.0, -27, 270, -490, 270, -27, 2].map { $0 / (180 * h * h) }
        let w = order == 1 ? first : second
        precondition(order == 1 || order == 2, "the oracle covers first and second derivatives")
        let x = grid.points
        var out = Matrix(rows: x.count, columns: x.count)
        for i in 0..<x.count {
            for j in 0..<x.count {
                var s = 0.0
                for (k, wk) in w.enumerated() where wk != 0 {
                    s += wk * (kernel.value(x[i] + Double(k - 3) * h - x[j]))
                }
                out[i, j] = s
            }
        }
        return out
    }

    /// `A = Σ_terms c ⊗(K̃_l for l ≠ axis, D at axis)`: the PDE's linear part applied to the kernel
    /// in its first argument, at every pair of grid points; `jittered` are the (jittered) value
    /// Gram matrices of the non-differentiated axes.
    static func operatorMatrix(_ pde: PDEOperator, grids: [Grid1D], kernels: [SpectralKernel], jittered: [Matrix]) throws -> Matrix {
        let n = grids.reduce(1) { $0 * $1.count }
        var a = Matrix(rows: n, columns: n)
        for t in terms(pde, dimension: grids.count) {
            let d = try derivativeGram(kernels[t.axis], grids[t.axis], order: t.order)
            let factors = (0..<grids.count).map { $0 == t.axis ? d : jittered[$0] }
            a = try a.adding(Kronecker.product(factors).scaled(by: t.coefficient))
        }
        return a
    }
}
