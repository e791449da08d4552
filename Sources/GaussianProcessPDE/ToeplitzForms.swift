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
}
