import LinearAlgebra

/// Quadratic forms with Toeplitz matrices through lag sums: for `T_ij = t_{|i−j|}` (symmetric) or
/// `sign(i−j) t_{|i−j|}` (antisymmetric), `aᵀ T b = Σ_k t_k c_k` with `c_k` depending on `a` and
/// `b` only. Computing `c` once (O(N²)) makes the derivative of `aᵀTb` with respect to each of
/// many kernel hyperparameters an O(N) dot product.
enum ToeplitzForms {
    /// Lag sums for a symmetric Toeplitz form: `c_0 = Σ a_i b_i`, `c_k = Σ_i (a_i b_{i+k} + a_{i+k} b_i)`.
    static func symmetricLags(_ a: [Double], _ b: [Double]) -> [Double] {
        let n = a.count
        var c = [Double](repeating: 0, count: n)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                for k in 0..<n {
                    var s = 0.0
                    for i in 0..<(n - k) { s += ap[i] * bp[i + k] + ap[i + k] * bp[i] }
                    c[k] = k == 0 ? s / 2 : s
                }
            }
        }
        return c
    }

    /// Lag sums for an antisymmetric Toeplitz form (`T_ij = sign(i − j) t_{|i−j|}`):
    /// `c_k = Σ_i (a_{i+k} b_i − a_i b_{i+k})`, `c_0 = 0`.
    static func antisymmetricLags(_ a: [Double], _ b: [Double]) -> [Double] {
        let n = a.count
        var c = [Double](repeating: 0, count: n)
        for k in 1..<n {
            var s = 0.0
            for i in 0..<(n - k) { s += a[i + k] * b[i] - a[i] * b[i + k] }
            c[k] = s
        }
        return c
    }

    /// Lag sums of a symmetric matrix `M` for `tr(M T) = Σ_k t_k s_k`: `s_0 = Σ M_ii`,
    /// `s_k = 2 Σ_i M_{i,i+k}`.
    static func traceLags(_ m: [Double], _ n: Int) -> [Double] {
        var s = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var v = 0.0
            for i in 0..<(n - k) { v += m[i + (i + k) * n] }
            s[k] = k == 0 ? v : 2 * v
        }
        return s
    }

    /// Lag sums of a general n × n matrix `M` for `Σ_ij T_ij M_ij = Σ_k t_k s_k`, with
    /// `T_ij = t_{|i−j|}` (`odd` false) or `sign(i − j) t_{|i−j|}` (`odd` true):
    /// `s_0 = tr M` (0 when odd), `s_k = Σ_i (M_{i+k,i} ± M_{i,i+k})`.
    static func matrixLags(_ m: Matrix, odd: Bool) -> [Double] {
        let n = m.rows
        var s = [Double](repeating: 0, count: n)
        m.withUnsafeBufferPointer { b in
            if !odd { for i in 0..<n { s[0] += b[i + i * n] } }
            for k in stride(from: 1, to: n, by: 1) {
                var below = 0.0, above = 0.0
                for i in 0..<(n - k) {
                    below += b[(i + k) + i * n]
                    above += b[i + (i + k) * n]
                }
                s[k] = odd ? below - above : below + above
            }
        }
        return s
    }

    /// The gradient in the kernel's parameters of `Σ_terms Σ_ij T^{(m)}_ij M_ij` given each term's
    /// lag sums (`T^{(m)}` the Toeplitz Gram matrix of the kernel's m-th derivative on an even grid
    /// of spacing `h`): `Σ_terms Σ_k ∂t^{(m)}_k s_k`, O(N) kernel-parameter gradients per term.
    static func parameterGradient(_ kernel: SpectralKernel, spacing h: Double, terms: [(derivative: Int, lags: [Double])]) -> [Double] {
        var grad = [Double](repeating: 0, count: kernel.parameterCount)
        for term in terms {
            for (k, s) in term.lags.enumerated() where s != 0 {
                let g = kernel.uncheckedParameterGradient(Double(k) * h, derivative: term.derivative)
                for p in 0..<grad.count { grad[p] += g[p] * s }
            }
        }
        return grad
    }
}
