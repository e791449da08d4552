import Foundation
import LinearAlgebra

/// One axis of a Kronecker-structured GP collocation model.
///
/// With `K = L Lᵀ` the axis Gram matrix (plus jitter) and `D = [k^{(m)}(x_i − x_j)]` the Gram
/// matrix of the PDE's m-th derivative along this axis, the whitened operator
/// `S = L⁻¹ D L⁻ᵀ` is symmetric for even `m` and antisymmetric for odd `m`. It is diagonalized by
/// a unitary `V`: real orthogonal eigenvectors (`S = V Λ Vᵀ`) for even orders, complex ones
/// (`S = V (−iΘ) Vᴴ`, `AntisymmetricEigen`) for odd orders. A Kronecker sum of such operators is
/// then diagonal in `⊗V_k` — the whole d-dimensional linear solve costs per-axis O(n³) work and
/// O(N Σ n_k) per transform, and nothing of size N × N is ever formed.
struct AxisFactor {
    let grid: Grid1D
    let kernel: SpectralKernel
    /// Derivative order the PDE operator applies along this axis, and its coefficient.
    let order: Int
    let coefficient: Double
    /// Absolute jitter on the Gram matrix diagonal (after any escalation).
    let jitter: Double
    let lower: Matrix
    let lowerInverse: Matrix
    /// `E = K_true L⁻ᵀ = L − jitter · L⁻ᵀ`: whitened coefficients to the values of the posterior
    /// mean (the kernel without its jitter) at the grid points.
    let values: Matrix
    let logDeterminant: Double
    /// `S = L⁻¹ D L⁻ᵀ`.
    let whitened: Matrix
    /// `V` (real part, and imaginary part for odd orders).
    let basisReal: Matrix
    let basisImaginary: Matrix?
    /// Eigenvalues of `S` (real and imaginary parts).
    let eigenReal: [Double]
    let eigenImaginary: [Double]
    /// `R = E V`: row `i` gives grid value `i` of the basis functions (boundary rows of the
    /// Woodbury capacitance matrix).
    let rowsReal: Matrix
    let rowsImaginary: Matrix?
    /// `σ_i = ‖L v_i‖²`, the diagonal of `LᵀL` in the eigenbasis: the best approximation of the
    /// Euclidean residual metric that commutes with `S` (exact when `K` and `D` commute).
    let metricDiagonal: [Double]

    var count: Int { grid.count }

    /// - Parameter relativeJitter: jitter as a multiple of `k(0)`; escalated tenfold (up to eight
    ///   times) if the Cholesky factorization fails.
    /// - Throws: `.indefiniteGram` if the Gram matrix stays indefinite (or non-finite).
    /// - Parameter absoluteJitter: when given, the jitter itself (not scaled by `k(0)`): a model
    ///   whose jitter stays fixed while the kernel's parameters move.
    init(kernel: SpectralKernel, grid: Grid1D, order: Int, coefficient: Double, relativeJitter: Double, absoluteJitter: Double? = nil) throws {
        self.grid = grid
        self.kernel = kernel
        self.order = order
        self.coefficient = coefficient
        let n = grid.count
        let scale = kernel.value(0)
        guard scale.isFinite, scale > 0 else {
            throw GaussianProcessPDEError.indefiniteGram("k(0) = \(scale) for the axis on [\(grid.lower), \(grid.upper)]")
        }
        let base = absoluteJitter ?? relativeJitter * scale
        let k = try kernel.gram(grid: grid, derivative: 0, jitter: base)
        let chol: Cholesky
        do {
            chol = try Cholesky(k, jitter: CholeskyJitter(initial: max(base, 1e-12 * scale), growth: 10, maxAttempts: 8))
        } catch {
            throw GaussianProcessPDEError.indefiniteGram("axis on [\(grid.lower), \(grid.upper)], \(n) points: \(error)")
        }
        jitter = base + chol.jitter
        lower = chol.factor
        logDeterminant = chol.logDeterminant
        var inv = Matrix.identity(n)
        try BLAS.trsm(lower, lower: true, &inv)
        lowerInverse = inv
        let j = jitter
        values = Matrix(rows: n, columns: n) { r, c in chol.factor[r, c] - j * inv[c, r] }
        var s = try kernel.gram(grid: grid, derivative: order)
        try BLAS.trsm(lower, lower: true, &s)                                        // L⁻¹ D
        try BLAS.trsm(lower, lower: true, transpose: true, side: .right, &s)         // L⁻¹ D L⁻ᵀ
        let odd = order % 2 == 1
        s.withUnsafeMutableBufferPointer { b in                                       // exact (anti)symmetry
            for j in 0..<n {
                for i in (j + 1)..<max(n, j + 1) {
                    let a = b[i + j * n], c = b[j + i * n]
                    let v = odd ? 0.5 * (a - c) : 0.5 * (a + c)
                    b[i + j * n] = v
                    b[j + i * n] = odd ? -v : v
                }
                if odd { b[j + j * n] = 0 }
            }
        }
        guard s.elements.allSatisfy({ $0.isFinite }) else {
            throw GaussianProcessPDEError.indefiniteGram("the whitened derivative operator is not finite (Gram matrix too ill-conditioned)")
        }
        whitened = s
        if odd {
            let e = try AntisymmetricEigen(s)
            basisReal = e.vectorsReal
            basisImaginary = e.vectorsImaginary
            eigenReal = [Double](repeating: 0, count: n)
            eigenImaginary = e.theta.map { -$0 }
            rowsReal = try values.multiplied(by: e.vectorsReal)
            rowsImaginary = try values.multiplied(by: e.vectorsImaginary)
            let lr = try lower.multiplied(by: e.vectorsReal), li = try lower.multiplied(by: e.vectorsImaginary)
            metricDiagonal = (0..<n).map { j in (0..<n).reduce(0) { $0 + lr[$1, j] * lr[$1, j] + li[$1, j] * li[$1, j] } }
        } else {
            let e = try SymmetricEigen(s)
            basisReal = e.eigenvectors
            basisImaginary = nil
            eigenReal = e.eigenvalues
            eigenImaginary = [Double](repeating: 0, count: n)
            rowsReal = try values.multiplied(by: e.eigenvectors)
            rowsImaginary = nil
            let lv = try lower.multiplied(by: e.eigenvectors)
            metricDiagonal = (0..<n).map { j in (0..<n).reduce(0) { $0 + lv[$1, j] * lv[$1, j] } }
        }
    }
}
