import Foundation
import LinearAlgebra

/// The paper's negative log joint on a tensor grid in any dimension, and its gradient in every
/// variable, with the Kronecker structure and nothing of size N × N formed (N = Π n_k):
///
///     L = ½ Σ_k (N/n_k) log|K_k| + ½ UᵀK⁻¹U − λ_b(½ N_b log τ₁ − ½ τ₁ ‖U_b − g‖²)
///         − (½ N log τ₂ − ½ τ₂ ‖R‖²),
///     R = Σ_k c_k A_k U + N(U) − f,    A_k = D_k K_k⁻¹ along axis k,    K = ⊗ K_k,
///
/// with `D_k` the Gram matrix of the operator's derivative along axis k (order m_k, coefficient
/// c_k) and `K_k` including the jitter. With `Y_k = K_k⁻¹ U` along axis k, `α = K⁻¹U` and
/// `V_k = K_k⁻¹ D_kᵀ R` along axis k:
///
///     ∂L/∂U = α + τ₂ (Σ_k c_k V_k + N'(U) ∘ R) + λ_b τ₁ (U_b − g) on the boundary,
///     ∂L/∂θ_k = Σ_ij ∂K_k[i,j] (½ (N/n_k) K_k⁻¹ − ½ P_k − τ₂ c_k Z_k)_ij + τ₂ c_k Σ_ij ∂D_k[i,j] Q_k[i,j],
///
/// `P_k = Y_k₍ₖ₎ α₍ₖ₎ᵀ`, `Q_k = R₍ₖ₎ Y_k₍ₖ₎ᵀ`, `Z_k = V_k₍ₖ₎ Y_k₍ₖ₎ᵀ` (mode-k unfoldings,
/// `Kronecker.unfoldedProduct`). Only axis k's factor depends on θ_k, and `A_j` (j ≠ k) does
/// not involve K_k at all, so each axis's gradient is three n_k × n_k matrices reduced to Toeplitz
/// lag sums and O(n_k) kernel-parameter gradients per derivative order. Per evaluation: one
/// Cholesky and inverse per axis and O(N Σ n_k) matrix products (BLAS level 3) — no kernel
/// rebuild beyond 2 n_k Toeplitz values per axis.
struct KroneckerLogJoint {
    let grids: [Grid1D]
    let dims: [Int]
    let total: Int
    let pde: PDEOperator
    let terms: [(order: Int, coefficient: Double)]
    let f: [Double]
    let boundaryIndex: [Int]
    let g: [Double]
    let lambda: Double
    /// Absolute jitter per axis (fixed from the starting kernels).
    let jitters: [Double]

    init(problem: PDEProblem, grids: [Grid1D], options: GPPDEOptions, jitters: [Double], data: GridData) {
        self.grids = grids
        dims = grids.map(\.count)
        total = dims.reduce(1, *)
        pde = problem.pde
        terms = problem.pde.axisTerms(dimension: grids.count)
        f = data.source
        boundaryIndex = data.boundaryIndex
        g = data.boundaryData
        lambda = options.boundaryWeight
        self.jitters = jitters
    }

    func apply(_ a: Matrix, transposed: Bool = false, axis k: Int, _ x: [Double]) -> [Double] {
        // Shapes are fixed by construction; a NaN reaches the objective, which `evaluate` checks.
        Kronecker.applyUnchecked(a, transposed: transposed, axis: k, dimensions: dims, x)
    }

    /// Value and gradient at grid values `u`, per-axis kernels and `log τ₁`, `log τ₂`.
    /// - Throws: `.dimensionMismatch` for the wrong number of kernels or values, `.indefiniteGram`
    ///   for an axis Gram matrix that stays indefinite after jitter escalation.
    func evaluate(kernels: [SpectralKernel], u: [Double], logTau1: Double, logTau2: Double) throws -> AdamGPSolver.Evaluation {
        let d = dims.count
        guard kernels.count == d else { throw GaussianProcessPDEError.dimensionMismatch("\(kernels.count) kernels for a \(d)-D problem") }
        guard u.count == total else { throw GaussianProcessPDEError.dimensionMismatch("\(u.count) values for \(total) grid points") }
        var factors: [Matrix] = [], kinv: [Matrix] = [], deriv: [Matrix] = [], logDets: [Double] = [], escalated: [Double] = []
        for k in 0..<d {
            let gram = try kernels[k].gram(grid: grids[k], derivative: 0, jitter: jitters[k])
            let chol: Cholesky
            do { chol = try Cholesky(gram, jitter: .escalating) } catch {
                throw GaussianProcessPDEError.indefiniteGram("axis \(k) on [\(grids[k].lower), \(grids[k].upper)]: \(error)")
            }
            factors.append(chol.factor)
            kinv.append(try chol.inverse())
            logDets.append(chol.logDeterminant)
            escalated.append(jitters[k] + chol.jitter)
            deriv.append(try kernels[k].gram(grid: grids[k], derivative: terms[k].order))
        }
        // K_k⁻¹ along axis k by two triangular solves with its Cholesky factor (as accurate as a
        // Cholesky solve; the explicit inverse only feeds the trace term's lag sums).
        func solve(_ k: Int, _ x: [Double]) -> [Double] {
            let half = Kronecker.solveTriangularUnchecked(factors[k], lower: true, transposed: false, axis: k, dimensions: dims, x)
            return Kronecker.solveTriangularUnchecked(factors[k], lower: true, transposed: true, axis: k, dimensions: dims, half)
        }
        let y = (0..<d).map { solve($0, u) }
        var alpha = y[0]
        for k in 1..<max(d, 1) { alpha = solve(k, alpha) }
        var r = (0..<total).map { pde.nonlinearTerm(u[$0]) - f[$0] }
        for k in 0..<d {
            let t = apply(deriv[k], axis: k, y[k])
            let c = terms[k].coefficient
            for i in 0..<total { r[i] += c * t[i] }
        }
        let v = (0..<d).map { solve($0, apply(deriv[$0], transposed: true, axis: $0, r)) }
        let tau1 = exp(logTau1), tau2 = exp(logTau2)
        var gradU = alpha
        for i in 0..<total { gradU[i] += tau2 * pde.nonlinearDerivative(u[i]) * r[i] }
        for k in 0..<d {
            let c = tau2 * terms[k].coefficient
            for i in 0..<total { gradU[i] += c * v[k][i] }
        }
        var boundarySquares = 0.0
        for (j, idx) in boundaryIndex.enumerated() {
            let b = u[idx] - g[j]
            boundarySquares += b * b
            gradU[idx] += lambda * tau1 * b
        }
        var gradTheta: [Double] = []
        for k in 0..<d {
            let unfold = { (a: [Double], b: [Double]) in Kronecker.unfoldedProductUnchecked(a, b, axis: k, dimensions: dims) }
            let trace = ToeplitzForms.matrixLags(kinv[k], odd: false)
            let p = ToeplitzForms.matrixLags(unfold(y[k], alpha), odd: false)
            let z = ToeplitzForms.matrixLags(unfold(v[k], y[k]), odd: false)
            let q = ToeplitzForms.matrixLags(unfold(r, y[k]), odd: terms[k].order % 2 == 1)
            let c = tau2 * terms[k].coefficient
            let others = Double(total / dims[k])
            var lags0 = [Double](repeating: 0, count: dims[k])
            for i in 0..<dims[k] { lags0[i] = 0.5 * others * trace[i] - 0.5 * p[i] - c * z[i] }
            gradTheta += ToeplitzForms.parameterGradient(kernels[k], spacing: grids[k].spacing,
                                                         terms: [(0, lags0), (terms[k].order, q.map { c * $0 })])
        }
        let rr = r.reduce(0) { $0 + $1 * $1 }
        let nb = Double(boundaryIndex.count), n = Double(total)
        let halfLogDet = 0.5 * (0..<d).reduce(0) { $0 + Double(total / dims[$1]) * logDets[$1] }
        let value = halfLogDet + 0.5 * zip(u, alpha).reduce(0) { $0 + $1.0 * $1.1 }
            - lambda * (0.5 * nb * logTau1 - 0.5 * tau1 * boundarySquares) - (0.5 * n * logTau2 - 0.5 * tau2 * rr)
        // The structured operators run unchecked: a NaN or an overflow anywhere shows up here.
        guard value.isFinite, gradU.allSatisfy(\.isFinite), gradTheta.allSatisfy(\.isFinite) else {
            throw GaussianProcessPDEError.nonFiniteData(what: "the log joint or its gradient (overflow at these values or kernels)", point: [])
        }
        return AdamGPSolver.Evaluation(value: value, gradU: gradU, gradTheta: gradTheta,
                                       gradLogTau1: -0.5 * lambda * nb + 0.5 * lambda * tau1 * boundarySquares,
                                       gradLogTau2: -0.5 * n + 0.5 * tau2 * rr, alpha: alpha, axisJitters: escalated)
    }
}

extension PDEOperator {
    /// `N(u)`: `u(u² − 1)` for Allen–Cahn, 0 otherwise.
    func nonlinearTerm(_ u: Double) -> Double { self == .allenCahn ? u * (u * u - 1) : 0 }
    /// `N'(u)`: `3u² − 1` for Allen–Cahn, 0 otherwise.
    func nonlinearDerivative(_ u: Double) -> Double { self == .allenCahn ? 3 * u * u - 1 : 0 }
}
