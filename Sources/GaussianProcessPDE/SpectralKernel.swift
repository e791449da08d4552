import Foundation
import LinearAlgebra

/// The kernel families of GP-HM (Fang et al., ICLR 2024) and their baselines.
public enum KernelFamily: String, Sendable, CaseIterable {
    /// Gaussian-mixture spectrum: `k(r) = Σ_q w_q exp(−ρ_q r²) cos(2π μ_q r)` (GP-HM-GM).
    case gaussianMixture
    /// Student-t (ν = 5/2) mixture spectrum: `Σ_q w_q (1 + √5 a_q|r| + 5/3 a_q² r²) e^{−√5 a_q|r|} cos(2π μ_q r)` (GP-HM-StM).
    case studentTMixture
    /// Squared exponential `w exp(−ρ r²)` (baseline; frequencies fixed at 0).
    case squaredExponential
    /// Matérn-5/2 `w (1 + √5 a|r| + 5/3 a² r²) e^{−√5 a|r|}` (baseline; frequencies fixed at 0).
    case matern52

    var learnsFrequencies: Bool { self == .gaussianMixture || self == .studentTMixture }
}

/// A one-dimensional stationary kernel `k(x, x') = k(r)`, `r = x − x'`, with closed-form
/// derivatives in the input up to order 4 and exact derivatives in every hyperparameter.
///
/// Parameters live in log space where positive: `log w_q`, `log ρ_q` (Gaussian) or `log a_q`
/// (Student-t / Matérn), and the frequencies `μ_q` (cycles per unit length). The parameter vector
/// is `[log w_1…Q, log scale_1…Q, μ_1…Q]` (no μ for the baselines). Derivatives:
/// `∂^a_x ∂^b_{x'} k(x − x') = (−1)^b k^{(a+b)}(r)`; `k^{(n)}` by Leibniz's rule on the envelope
/// (Hermite polynomials for the Gaussian, closed-form polynomials in `z = √5 a|r|` for Matérn)
/// and the cosine. Hyperparameter derivatives evaluate the same formulas in dual numbers.
public struct SpectralKernel: Sendable, Equatable {
    /// The family.
    public let family: KernelFamily
    /// `log w_q`.
    public var logWeights: [Double]
    /// `log ρ_q` (Gaussian envelopes) or `log a_q` (Student-t / Matérn envelopes).
    public var logScales: [Double]
    /// `μ_q` in cycles per unit length (all zero for the baselines).
    public var frequencies: [Double]

    /// A kernel with explicit parameters.
    /// - Throws: `.invalidKernel` for no components, arrays of different lengths, non-finite
    ///   values, non-zero frequencies for a baseline family, or a frequency or scale above
    ///   `1e60` (beyond which the fourth derivative overflows).
    public init(family: KernelFamily, logWeights: [Double], logScales: [Double], frequencies: [Double]) throws {
        do {
            guard !logWeights.isEmpty else { throw GaussianProcessPDEError.invalidKernel("a kernel needs at least one component (Q = 0)") }
            guard logScales.count == logWeights.count, frequencies.count == logWeights.count else {
                throw GaussianProcessPDEError.invalidKernel("\(logWeights.count) weights, \(logScales.count) scales, \(frequencies.count) frequencies")
            }
            for (name, values) in [("log weight", logWeights), ("log scale", logScales), ("frequency", frequencies)] {
                if let i = values.firstIndex(where: { !$0.isFinite }) {
                    throw GaussianProcessPDEError.invalidKernel("\(name) of component \(i) is \(values[i])")
                }
            }
            if !family.learnsFrequencies, frequencies.contains(where: { $0 != 0 }) {
                throw GaussianProcessPDEError.invalidKernel("\(family) has no frequencies (they must be 0)")
            }
            if let i = frequencies.firstIndex(where: { abs(2 * Double.pi * $0) > SpectralKernel.maxRate }) {
                throw GaussianProcessPDEError.invalidKernel("frequency of component \(i) is \(frequencies[i]): |2πμ| must be at most \(SpectralKernel.maxRate)")
            }
            if let i = logScales.firstIndex(where: { $0 > Foundation.log(SpectralKernel.maxRate) }) {
                throw GaussianProcessPDEError.invalidKernel("log scale of component \(i) is \(logScales[i]): the scale must be at most \(SpectralKernel.maxRate)")
            }
            self.family = family
            self.logWeights = logWeights
            self.logScales = logScales
            self.frequencies = frequencies
        } catch {
            throw RoutineError.wrapping(error, in: "SpectralKernel.init")
        }
    }

    /// The reference code's start: `Q` components, `w = 1/Q`, scale 1, `μ` evenly on `[0, F]`.
    public static func reference(_ family: KernelFamily, components q: Int = 30, maxFrequency f: Double) throws -> SpectralKernel {
        guard q >= 1 else { throw GaussianProcessPDEError.invalidKernel("a kernel needs at least one component (Q = 0)") }
        let mu = family.learnsFrequencies ? (0..<q).map { q == 1 ? 0 : f * Double($0) / Double(q - 1) } : [Double](repeating: 0, count: q)
        return try SpectralKernel(family: family, logWeights: [Double](repeating: -log(Double(q)), count: q),
                                  logScales: [Double](repeating: 0, count: q), frequencies: mu)
    }

    /// Number of components `Q`.
    public var components: Int { logWeights.count }

    /// Number of hyperparameters (`3Q`, or `2Q` for the baselines).
    public var parameterCount: Int { family.learnsFrequencies ? 3 * components : 2 * components }

    /// The hyperparameters as one vector.
    public var parameters: [Double] {
        get { logWeights + logScales + (family.learnsFrequencies ? frequencies : []) }
        set {
            let q = components
            logWeights = Array(newValue[0..<q])
            logScales = Array(newValue[q..<(2 * q)])
            if family.learnsFrequencies { frequencies = Array(newValue[(2 * q)..<(3 * q)]) }
        }
    }

    /// The highest derivative order in the input that the kernels implement.
    public static let maxDerivativeOrder = 4

    /// Throws unless `n` is a derivative order the kernels implement (`0…maxDerivativeOrder`).
    static func checkOrder(_ n: Int) throws {
        guard n >= 0 && n <= maxDerivativeOrder else {
            throw GaussianProcessPDEError.invalidParameter(
                name: "derivative", value: Double(n), requirement: "an order from 0 to \(maxDerivativeOrder)")
        }
    }

    /// `k^{(n)}(r)`, the n-th derivative of `k` in `r`.
    /// - Throws: `.invalidParameter` unless `0 ≤ n ≤ 4`.
    public func value(_ r: Double, derivative n: Int) throws -> Double {
        try SpectralKernel.checkOrder(n)
        return uncheckedValue(r, derivative: n)
    }

    /// `k(r)`.
    public func value(_ r: Double) -> Double { uncheckedValue(r, derivative: 0) }

    /// `k^{(n)}(r)` for an order the caller has validated.
    func uncheckedValue(_ r: Double, derivative n: Int) -> Double {
        var s = 0.0
        for q in 0..<components {
            s += SpectralKernel.component(r, n, family, logWeights[q], logScales[q], frequencies[q])
        }
        return s
    }

    /// `∂^a/∂x^a ∂^b/∂x'^b k(x − x') = (−1)^b k^{(a+b)}(x − x')`.
    /// - Throws: `.invalidParameter` unless `a, b ≥ 0` and `a + b ≤ 4`.
    public func covariance(_ x: Double, _ y: Double, orderX a: Int = 0, orderY b: Int = 0) throws -> Double {
        guard a >= 0, b >= 0 else {
            throw GaussianProcessPDEError.invalidParameter(name: "order", value: Double(min(a, b)), requirement: "non-negative")
        }
        return try (b % 2 == 0 ? 1 : -1) * value(x - y, derivative: a + b)
    }

    /// Gradient of `k^{(n)}(r)` with respect to the parameter vector.
    /// - Throws: `.invalidParameter` unless `0 ≤ n ≤ 4`.
    public func parameterGradient(_ r: Double, derivative n: Int = 0) throws -> [Double] {
        try SpectralKernel.checkOrder(n)
        return uncheckedParameterGradient(r, derivative: n)
    }

    /// The parameter gradient for an order the caller has validated.
    func uncheckedParameterGradient(_ r: Double, derivative n: Int) -> [Double] {
        let q = components
        var g = [Double](repeating: 0, count: parameterCount)
        for c in 0..<q {
            let lw = logWeights[c], ls = logScales[c], mu = frequencies[c]
            let base = SpectralKernel.component(r, n, family, lw, ls, mu)
            g[c] = base                                                    // ∂/∂log w
            g[q + c] = SpectralKernel.component(r, n, family, Dual(lw), Dual(ls, 1), Dual(mu)).d
            if family.learnsFrequencies {
                g[2 * q + c] = SpectralKernel.component(r, n, family, Dual(lw), Dual(ls), Dual(mu, 1)).d
            }
        }
        return g
    }

    static let binomial: [[Double]] = [[1], [1, 1], [1, 2, 1], [1, 3, 3, 1], [1, 4, 6, 4, 1]]

    /// Beyond `exp(−decay)` < e^−800 · (any polynomial factor up to order 4) the component is 0.
    static let negligibleDecay = 800.0

    /// The largest frequency and inverse length scale a kernel may have: `(2πμ)⁴` and the fourth
    /// power of the envelope's rate must stay finite for the derivatives up to order 4.
    static let maxRate = 1e60

    /// One component's n-th derivative in `r`, in any `KernelReal` arithmetic.
    static func component<T: KernelReal>(_ r: Double, _ n: Int, _ family: KernelFamily, _ logW: T, _ logS: T, _ mu: T) -> T {
        precondition(n >= 0 && n <= maxDerivativeOrder, "derivative orders are validated by the public entry points")
        // Far in the tail the envelope underflows to zero, and with it every derivative (and every
        // hyperparameter derivative): return 0 there rather than 0 · ∞ from the polynomial factors
        // or cos(∞) from the phase.
        let decay: Double
        switch family {
        case .gaussianMixture, .squaredExponential: decay = Foundation.exp(logS.value) * r * r
        case .studentTMixture, .matern52: decay = 5.0.squareRoot() * Foundation.exp(logS.value) * abs(r)
        }
        if decay > SpectralKernel.negligibleDecay { return T(0) }
        let w = T.expm(logW)
        let omega = T(2 * Double.pi) * mu
        let phase = omega * T(r)
        let cosv = T.cosine(phase), sinv = T.sine(phase)
        // c^{(j)} = ω^j cos(ωr + jπ/2)
        func cosDerivative(_ j: Int) -> T {
            switch j {
            case 0: return cosv
            case 1: return -(omega * sinv)
            case 2: return -(omega * omega * cosv)
            case 3: return omega * omega * omega * sinv
            default: return omega * omega * omega * omega * cosv
            }
        }
        // Envelope derivatives E^{(k)}, k = 0…n, in fixed slots (no allocation in this hot path).
        var e0 = T(0), e1 = T(0), e2 = T(0), e3 = T(0), e4 = T(0)
        switch family {
        case .gaussianMixture, .squaredExponential:
            let rho = T.expm(logS)
            let rr = T(r)
            let e = T.expm(-(rho * rr * rr))
            // E^{(k)} = (−√ρ)^k H_k(√ρ r) E (physicists' Hermite polynomials), expanded.
            let r2 = rr * rr
            e0 = e
            if n >= 1 { e1 = -(T(2) * rho * rr) * e }
            if n >= 2 { e2 = (T(4) * rho * rho * r2 - T(2) * rho) * e }
            if n >= 3 { e3 = (T(12) * rho * rho * rr - T(8) * rho * rho * rho * r2 * rr) * e }
            if n >= 4 { e4 = (T(16) * rho * rho * rho * rho * r2 * r2 - T(48) * rho * rho * rho * r2 + T(12) * rho * rho) * e }
        case .studentTMixture, .matern52:
            let a = T.expm(logS)
            let s = T.root(T(5)) * a
            let sign = T(r < 0 ? -1 : 1)
            let z = s * T(abs(r))
            let e = T.expm(-z) * T(1.0 / 3.0)
            e0 = (T(3) + T(3) * z + z * z) * e
            if n >= 1 { e1 = s * sign * (-(z + z * z)) * e }
            if n >= 2 { e2 = s * s * (z * z - z - T(1)) * e }
            if n >= 3 { e3 = s * s * s * sign * (T(3) * z - z * z) * e }
            if n >= 4 { e4 = s * s * s * s * (z * z - T(5) * z + T(3)) * e }
        }
        let envelope = [e0, e1, e2, e3, e4]
        var total = T(0)
        for k in 0...n {
            total = total + T(binomial[n][k]) * envelope[k] * cosDerivative(n - k)
        }
        return w * total
    }

    /// `t_k = k^{(n)}(k h)` for `k = 0 … N − 1`: everything a Toeplitz Gram matrix on an even grid
    /// needs (N kernel evaluations instead of N²).
    /// - Throws: `.invalidParameter` unless `0 ≤ n ≤ 4`.
    public func toeplitzValues(grid: Grid1D, derivative n: Int = 0) throws -> [Double] {
        try SpectralKernel.checkOrder(n)
        let h = grid.spacing
        return (0..<grid.count).map { uncheckedValue(Double($0) * h, derivative: n) }
    }

    /// The Gram matrix `[k^{(n)}(x_i − x_j)]` on an even grid (symmetric for even `n`,
    /// antisymmetric for odd `n`), built from `toeplitzValues`, plus `jitter` on the diagonal.
    /// - Throws: `.invalidParameter` unless `0 ≤ n ≤ 4`.
    public func gram(grid: Grid1D, derivative n: Int = 0, jitter: Double = 0) throws -> Matrix {
        SpectralKernel.toeplitz(try toeplitzValues(grid: grid, derivative: n), odd: n % 2 == 1, jitter: jitter)
    }

    static func toeplitz(_ t: [Double], odd: Bool, jitter: Double = 0) -> Matrix {
        let m = t.count
        var g = Matrix(rows: m, columns: m)
        g.withUnsafeMutableBufferPointer { b in
            for j in 0..<m {
                for i in 0..<m {
                    let k = i >= j ? i - j : j - i
                    b[i + j * m] = (odd && i < j) ? -t[k] : t[k]
                }
                b[j + j * m] += jitter
            }
        }
        return g
    }

    /// `[k^{(n)}(x*_i − x_j)]` between arbitrary points and the grid (for prediction).
    /// - Throws: `.invalidParameter` unless `0 ≤ n ≤ 4`.
    public func cross(points: [Double], grid: Grid1D, derivative n: Int = 0) throws -> Matrix {
        try SpectralKernel.checkOrder(n)
        let xs = grid.points
        return Matrix(rows: points.count, columns: xs.count) { i, j in uncheckedValue(points[i] - xs[j], derivative: n) }
    }
}
