/// Vectorized elementary functions on `SIMD8<Double>`, the building blocks of `VectorMath` and of
/// the fused kernels in the algorithm targets.
///
/// `exp(x)`: Cody–Waite reduction `x = k ln 2 + r`, `|r| ≤ ln 2 / 2`, with the reduction done by
/// fused multiply-adds; `e^r − 1` by its degree-13 Taylor polynomial (truncation below 5e-18);
/// the result scaled by `2^k` in two halves so that subnormal results are formed by one correctly
/// rounded multiply. Max error ≈ 1 ulp on normal results (measured by `bench linalg`); overflow
/// gives `+inf`, `-inf` gives 0, NaN propagates. No table lookups, so no gathers.
public enum SIMDMath {
    /// The vector type of every kernel (eight doubles: two AVX2 registers).
    public typealias Vector = SIMD8<Double>

    @usableFromInline static let log2e = 1.4426950408889634
    @usableFromInline static let ln2hi = 6.93147180369123816490e-01
    @usableFromInline static let ln2lo = 1.90821492927058770002e-10
    /// 1.5 · 2^52: adding it rounds to an integer and leaves that integer in the low mantissa bits.
    @usableFromInline static let shifter = 6755399441055744.0
    /// Above this, `exp` overflows.
    public static let maxArgument = 709.782712893384
    /// Below this, `exp` rounds to 0.
    public static let minArgument = -745.1332191019412
    /// Below this, `exp` is subnormal (`log(Double.leastNormalMagnitude)`).
    public static let minNormalArgument = -708.3964185322641

    /// Lane-wise maximum (compare + blend; the standard library's generic `pointwiseMax` is not
    /// always specialized and then costs a call per vector). NaN in `b` is ignored.
    @_transparent
    public static func max(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: b .> a) }

    /// Lane-wise minimum (compare + blend). NaN in `b` is ignored.
    @_transparent
    public static func min(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: b .< a) }

    /// `x` clamped to `[lo, hi]`; NaN lanes stay NaN.
    @_transparent
    @usableFromInline static func clamp(_ x: Vector, _ lo: Double, _ hi: Double) -> Vector {
        var y = x.replacing(with: lo, where: x .< Vector(repeating: lo))
        y.replace(with: hi, where: x .> Vector(repeating: hi))
        return y
    }

    /// `e^r − 1` for `|r| ≤ ln 2 / 2`, as `r + r² q(r)` with `q` a degree-9 polynomial fitted to
    /// `(e^r − 1 − r) / r²` (weighted least squares on 400 Chebyshev nodes in 50-digit arithmetic,
    /// coefficients rounded to double: max error 0.05 ulp of `e^r`), evaluated by Estrin's scheme
    /// (dependency depth 4 instead of 9 for Horner, so consecutive vectors overlap in the pipeline).
    @_transparent
    @usableFromInline static func expm1Reduced(_ r: Vector) -> Vector {
        let r2 = r * r
        let r4 = r2 * r2
        let r8 = r4 * r4
        let p01 = Vector(repeating: 0.5000000000000013).addingProduct(r, Vector(repeating: 0.16666666666666685))
        let p23 = Vector(repeating: 0.0416666666665119).addingProduct(r, Vector(repeating: 0.00833333333331633))
        let p45 = Vector(repeating: 0.0013888888947786178).addingProduct(r, Vector(repeating: 0.0001984126989789204))
        let p67 = Vector(repeating: 2.480148925221258e-05).addingProduct(r, Vector(repeating: 2.755723352968756e-06))
        let p89 = Vector(repeating: 2.76314984212987e-07).addingProduct(r, Vector(repeating: 2.5112454311242147e-08))
        let p03 = p01.addingProduct(r2, p23)
        let p47 = p45.addingProduct(r2, p67)
        let p07 = p03.addingProduct(r4, p47)
        let q = p07.addingProduct(r8, p89)
        return r.addingProduct(r2, q)
    }

    /// `2^k` for the integer-valued `k = t − shifter`, split in two factors `2^⌊k/2⌋ · 2^(k−⌊k/2⌋)`
    /// so that `k` in [−1080, 1030] never leaves the normal range of either factor. Only
    /// floating-point adds and logical left shifts are used (AVX2 has no 64-bit arithmetic shift):
    /// `h + (shifter + 1023)` holds `h + 1023` in its low mantissa bits, and shifting the bit pattern
    /// left by 52 moves exactly those bits into the exponent field.
    @_transparent
    @usableFromInline static func scaleFactors(_ k: Vector) -> (Vector, Vector) {
        let h1 = (k * 0.5).rounded(.down)
        let h2 = k - h1
        let bias = Vector(repeating: shifter + 1023)
        let b1 = unsafeBitCast(h1 + bias, to: SIMD8<UInt64>.self) &<< 52
        let b2 = unsafeBitCast(h2 + bias, to: SIMD8<UInt64>.self) &<< 52
        return (unsafeBitCast(b1, to: Vector.self), unsafeBitCast(b2, to: Vector.self))
    }

    /// Cody–Waite reduction `x = k ln 2 + r` with `|r| ≤ ln 2 / 2` (by FMA); returns `(k, r)`.
    @_transparent
    @usableFromInline static func reduce(_ x: Vector) -> (Vector, Vector) {
        let t = Vector(repeating: shifter).addingProduct(x, Vector(repeating: log2e))
        let k = t - Vector(repeating: shifter)
        var r = x.addingProduct(k, Vector(repeating: -ln2hi))
        r = r.addingProduct(k, Vector(repeating: -ln2lo))
        return (k, r)
    }

    /// `e^x`, lane by lane, accurate over the whole double range (subnormal results included).
    @_transparent
    public static func exp(_ x: Vector) -> Vector {
        // Lanes that round to 0 anyway are computed from 0 and replaced at the end, so that no
        // multiply below produces a subnormal unless the true result is subnormal (x86 handles
        // subnormal results in microcode, about 100× slower).
        var xc = clamp(x, -746, 710)
        xc.replace(with: 0, where: x .< Vector(repeating: minArgument))
        let (k, r) = reduce(xc)
        let (s1, s2) = scaleFactors(k)
        var y = (1 + expm1Reduced(r)) * s1 * s2
        y.replace(with: .infinity, where: x .> Vector(repeating: maxArgument))
        y.replace(with: 0, where: x .< Vector(repeating: minArgument))
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// `e^x` with every subnormal result flushed to 0 (`x < −708.40`). Faster where many results
    /// underflow (subnormal multiplies are microcoded on x86) and harmless where such values are
    /// negligible against the rest of a sum, as in transport plans.
    @_transparent
    public static func expFlushingSubnormals(_ x: Vector) -> Vector {
        let xc = clamp(x, minNormalArgument, 710)
        let (k, r) = reduce(xc)
        let (s1, s2) = scaleFactors(k)
        var y = (1 + expm1Reduced(r)) * s1 * s2
        y.replace(with: .infinity, where: x .> Vector(repeating: maxArgument))
        y.replace(with: 0, where: x .< Vector(repeating: minNormalArgument))
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// `e^z` for `z ≤ 0` (the shifted exponents of a log-sum-exp), subnormal results flushed to 0.
    /// Cheaper than `expFlushingSubnormals`: no overflow or NaN blends and a single scale factor
    /// (`2^k` with `k` in [−1022, 0] is normal). Positive `z` gives wrong results; NaN stays NaN.
    @_transparent
    public static func expNonPositive(_ z: Vector) -> Vector {
        let zc = z.replacing(with: minNormalArgument, where: z .< Vector(repeating: minNormalArgument))
        let (k, r) = reduce(zc)
        let bits = unsafeBitCast(k + Vector(repeating: shifter + 1023), to: SIMD8<UInt64>.self) &<< 52
        let y = (1 + expm1Reduced(r)) * unsafeBitCast(bits, to: Vector.self)
        return y.replacing(with: 0, where: z .< Vector(repeating: minNormalArgument))
    }

    /// Natural logarithm, lane by lane: `x = 2^e m` with `m` in [√½, √2), `log m = 2 atanh(s)`,
    /// `s = (m − 1)/(m + 1)`, the series tail fitted by a degree-6 polynomial in `s²` (relative
    /// error 4e-18, fitted in 40-digit arithmetic), plus `e ln 2` in two parts. About 1 ulp;
    /// `log 0 = −∞`, negative arguments and NaN give NaN, `log ∞ = ∞`; subnormals are handled.
    @_transparent
    public static func log(_ x: Vector) -> Vector {
        let tiny = x .< Vector(repeating: Double.leastNormalMagnitude)
        let xs = x.replacing(with: x * 0x1p52, where: tiny)
        let bits = unsafeBitCast(xs, to: SIMD8<UInt64>.self)
        let exponentField = bits &>> 52
        var e = unsafeBitCast(exponentField | 0x4330_0000_0000_0000, to: Vector.self) - Vector(repeating: 0x1p52 + 1023)
        e.replace(with: e - 52, where: tiny)
        var m = unsafeBitCast((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000, to: Vector.self)
        let high = m .> Vector(repeating: 1.4142135623730951)
        m.replace(with: m * 0.5, where: high)
        e.replace(with: e + 1, where: high)
        let f = m - 1
        let sv = f / (f + 2)
        let z = sv * sv
        let z2 = z * z
        let z4 = z2 * z2
        let q01 = Vector(repeating: 0.3333333333333408).addingProduct(z, Vector(repeating: 0.19999999999493165))
        let q23 = Vector(repeating: 0.14285714411583478).addingProduct(z, Vector(repeating: 0.11111095630092281))
        let q45 = Vector(repeating: 0.09091954058230976).addingProduct(z, Vector(repeating: 0.07652978506534376))
        let q03 = q01.addingProduct(z2, q23)
        let q46 = q45.addingProduct(z2, Vector(repeating: 0.07435696980094172))
        let q = q03.addingProduct(z4, q46)
        let twoS = sv + sv
        let log1p = twoS.addingProduct(twoS * z, q)
        var y = log1p.addingProduct(e, Vector(repeating: ln2lo)).addingProduct(e, Vector(repeating: ln2hi))
        y.replace(with: -.infinity, where: x .== 0)
        y.replace(with: .infinity, where: x .== Vector(repeating: .infinity))
        y.replace(with: .nan, where: x .< 0)
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// `e^x − 1`, accurate to a few ulp for every argument: with `x = k ln 2 + r` and `s = 2^k`,
    /// `e^x − 1 = (s − 1) + s (e^r − 1)`, where `s − 1` is exact for the `k` that matter and the
    /// `k = 0` case reduces to the polynomial itself (no cancellation for tiny `x`).
    @_transparent
    public static func expm1(_ x: Vector) -> Vector {
        let xc = clamp(x, -746, 710)
        let (k, r) = reduce(xc)
        let (s1, s2) = scaleFactors(k)
        let s = s1 * s2
        var y = (s - 1).addingProduct(expm1Reduced(r), s)
        y.replace(with: .infinity, where: x .> Vector(repeating: maxArgument))
        y.replace(with: x, where: x .!= x)
        return y
    }
}
