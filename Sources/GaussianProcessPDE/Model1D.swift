import Foundation
import LinearAlgebra

/// The 1-D collocation model for fixed hyperparameters, solved exactly.
///
/// With `K = L Lᵀ` and the whitened unknown `β` (`U = Lβ`, `α = K⁻¹U = L⁻ᵀβ`), the negative log
/// joint in `U` is the least-squares problem
/// `½‖β‖² + ½ λτ₁ ‖L_b β − g‖² + ½ τ₂ ‖K''α + N(U) − f‖²` (N = 0 for Poisson, `U³ − U` for
/// Allen–Cahn), solved by Householder QR on the stacked matrix `[I; √(λτ₁) L_b; √τ₂ K''L⁻ᵀ]` —
/// never the normal equations, whose condition number here reaches 1e13. Allen–Cahn runs
/// Gauss–Newton on `β` with a halving line search.
final class Model1D {
    let grid: Grid1D
    let n: Int
    let f: [Double]
    let g: [Double]
    let pde: PDEOperator
    let tau1: Double
    let tau2: Double
    let lambda: Double
    let jitter: Double
    let maxGaussNewton: Int
    var solves = 0
    var gaussNewtonSteps = 0

    init(problem: PDEProblem, grid: Grid1D, options: GPPDEOptions, jitter: Double, maxGaussNewton: Int) throws {
        self.grid = grid
        n = grid.count
        f = try problem.sourceValues([grid])
        g = try problem.boundaryValues([grid], at: [[0], [grid.count - 1]])
        pde = problem.pde
        tau1 = exp(options.logTauBoundary)
        tau2 = exp(options.logTauEquation)
        lambda = options.boundaryWeight
        self.jitter = jitter
        self.maxGaussNewton = maxGaussNewton
    }

    struct State {
        var beta: [Double]
        var u: [Double]
        var alpha: [Double]
        var residual: [Double]      // K''α + N(U) − f
        var objective: Double       // ½ log|K| + Φ(β)
        var cholesky: Cholesky
        var k2: Matrix
        /// How the solve for U ended: one exact least-squares solve for a linear PDE; Gauss–Newton
        /// until its relative decrease falls below `Model1D.gaussNewtonTolerance` for Allen–Cahn.
        var convergence: Convergence
    }

    /// Gauss–Newton stops once a step decreases the objective by less than this, relatively.
    static let gaussNewtonTolerance = 1e-14

    func factor(_ kernel: SpectralKernel) throws -> (Cholesky, Matrix, Matrix) {
        let k = try kernel.gram(grid: grid, derivative: 0, jitter: jitter)
        let chol: Cholesky
        do { chol = try Cholesky(k, jitter: .escalating) } catch {
            throw GaussianProcessPDEError.indefiniteGram("1-D Gram matrix: \(error)")
        }
        let k2 = try kernel.gram(grid: grid, derivative: 2)
        var d = k2
        try BLAS.trsm(chol.factor, lower: true, transpose: true, side: .right, &d)     // K'' L⁻ᵀ
        return (chol, k2, d)
    }

    /// Φ(β) and the residuals.
    func phi(_ beta: [Double], _ l: Matrix, _ d: Matrix) throws -> (Double, [Double], [Double]) {
        let u = try l.multiplied(by: beta)
        let db = try d.multiplied(by: beta)
        let r = (0..<n).map { db[$0] + pde.nonlinearTerm(u[$0]) - f[$0] }
        let b0 = u[0] - g[0], b1 = u[n - 1] - g[1]
        let value = 0.5 * beta.reduce(0) { $0 + $1 * $1 } + 0.5 * lambda * tau1 * (b0 * b0 + b1 * b1)
            + 0.5 * tau2 * r.reduce(0) { $0 + $1 * $1 }
        return (value, u, r)
    }

    /// `min_δ ‖β + δ‖² + λτ₁‖L_b(β + δ) − g‖² + τ₂‖r + J δ‖²` with `J = K''L⁻ᵀ + diag(N'(U)) L`.
    func leastSquaresStep(_ beta: [Double], _ u: [Double], _ r: [Double], _ l: Matrix, _ d: Matrix) throws -> [Double] {
        let sb = (lambda * tau1).squareRoot(), st = tau2.squareRoot()
        let rows = 2 * n + 2
        var m = Matrix(rows: rows, columns: n)
        var rhs = [Double](repeating: 0, count: rows)
        m.withUnsafeMutableBufferPointer { mb in
            l.withUnsafeBufferPointer { lb in
                d.withUnsafeBufferPointer { db in
                    for j in 0..<n {
                        let col = mb.baseAddress! + j * rows
                        col[j] = 1
                        col[n] = sb * lb[0 + j * n]
                        col[n + 1] = sb * lb[(n - 1) + j * n]
                        for i in 0..<n {
                            var v = db[i + j * n]
                            if pde == .allenCahn { v += pde.nonlinearDerivative(u[i]) * lb[i + j * n] }
                            col[n + 2 + i] = st * v
                        }
                    }
                }
            }
        }
        for j in 0..<n { rhs[j] = -beta[j] }
        rhs[n] = -sb * (u[0] - g[0])
        rhs[n + 1] = -sb * (u[n - 1] - g[1])
        for i in 0..<n { rhs[n + 2 + i] = -st * r[i] }
        solves += 1
        return try LeastSquares(m, rhs, method: .qr).solution
    }

    /// The exact minimizer in U for the given kernel (Gauss–Newton for Allen–Cahn).
    func solve(_ kernel: SpectralKernel, start: [Double]? = nil) throws -> State {
        let (chol, k2, d) = try factor(kernel)
        let l = chol.factor
        var beta = start ?? [Double](repeating: 0, count: n)
        var (value, u, r) = try phi(beta, l, d)
        let steps = pde == .allenCahn ? maxGaussNewton : 1
        var converged = pde != .allenCahn      // a linear PDE: one exact least-squares solve
        var lastDecrease = 0.0
        var taken = 0
        for _ in 0..<steps {
            taken += 1
            let delta = try leastSquaresStep(beta, u, r, l, d)
            var t = 1.0
            var improved = false
            for _ in 0..<30 {
                let trial = (0..<n).map { beta[$0] + t * delta[$0] }
                let (vt, ut, rt) = try phi(trial, l, d)
                if vt.isFinite && vt <= value {
                    let progress = (value - vt) / max(value, 1e-300)
                    beta = trial; value = vt; u = ut; r = rt
                    lastDecrease = progress
                    improved = progress > Model1D.gaussNewtonTolerance
                    break
                }
                t *= 0.5
            }
            if pde == .allenCahn { gaussNewtonSteps += 1 }
            if !improved {
                if pde == .allenCahn {
                    converged = true
                    if lastDecrease > Model1D.gaussNewtonTolerance { lastDecrease = 0 }   // no decrease at all
                }
                break
            }
        }
        let alpha = try chol.solve(u)
        let report = Convergence(converged: converged, iterations: taken, criterion: lastDecrease,
                                 tolerance: Model1D.gaussNewtonTolerance,
                                 criterionName: pde == .allenCahn ? "Gauss–Newton relative decrease" : "exact least-squares solve")
        return State(beta: beta, u: u, alpha: alpha, residual: r,
                     objective: 0.5 * chol.logDeterminant + value, cholesky: chol, k2: k2, convergence: report)
    }

    /// Gradient of the profiled objective `J(θ) = min_U (−log joint)` by the envelope theorem: the
    /// partial gradient at fixed `U`,
    /// `½ tr(K⁻¹∂K) − ½ αᵀ∂Kα + τ₂ Rᵀ ∂K'' α − τ₂ vᵀ ∂K α`, `v = K⁻¹K''R`,
    /// each term a Toeplitz form evaluated through lag sums in O(N) per hyperparameter.
    func gradient(_ kernel: SpectralKernel, _ s: State) throws -> [Double] {
        let v = try s.cholesky.solve(try s.k2.multiplied(by: s.residual))
        return try Model1D.hyperparameterGradient(kernel, grid: grid, cholesky: s.cholesky, alpha: s.alpha,
                                                  residual: s.residual, v: v, tau2: tau2)
    }

    /// The partial gradient in θ at fixed `U` shared by both 1-D solvers:
    /// `½ tr(K⁻¹∂K) − ½ αᵀ∂Kα + τ₂ Rᵀ ∂K'' α − τ₂ vᵀ ∂K α` with `v = K⁻¹K''R`. `tr(K⁻¹∂K)` and the
    /// bilinear forms are Toeplitz forms, so O(N²) lag sums once and O(N) per hyperparameter.
    static func hyperparameterGradient(_ kernel: SpectralKernel, grid: Grid1D, cholesky: Cholesky, alpha: [Double],
                                       residual: [Double], v: [Double], tau2: Double) throws -> [Double] {
        let n = grid.count
        let kinv = try cholesky.inverse()
        let traceLags = ToeplitzForms.traceLags(kinv.elements, n)
        let aa = ToeplitzForms.symmetricLags(alpha, alpha)
        let ra = ToeplitzForms.symmetricLags(residual, alpha)
        let va = ToeplitzForms.symmetricLags(v, alpha)
        let c0 = (0..<n).map { 0.5 * traceLags[$0] - 0.5 * aa[$0] - tau2 * va[$0] }
        let c2 = ra.map { tau2 * $0 }
        return ToeplitzForms.parameterGradient(kernel, spacing: grid.spacing, terms: [(0, c0), (2, c2)])
    }
}
