/// Vectorized elementary functions on `SIMD8<Double>`, the building blocks of `VectorMath` and of
/// the fused kernels in the algorithm targets.
///
/// `exp(x)`: Cody–Waite reduction `x = k ln 2 + r`, `|r| ≤ ln 2 / 2`, with the reduction done by
/// fused multiply-adds; `e^r − 1` by its degree-13 Taylor polynomial (truncation below 5e-18);
/// the result scaled by `2^k` in two halves so that subnormal results are formed by one correctly
/// rounded multiply. Max error ≈ 1 ulp on normal results (measured by `bench linalg`); overflow
/// gives `+inf`, `-inf` gives 0, NaN propagates. No table lookups, so no gathers.
public enum SIMDMath {
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

    /// `e^r − 1` for `|r| ≤ ln 2 / 2` (Taylor, degree 13, Horner with FMA).
    @inlinable @inline(__always)
    static func expm1Reduced(_ r: Vector) -> Vector {
        var q = Vector(repeating: 1.0 / 6227020800.0)          // 1/13!
        q = Vector(repeating: 1.0 / 479001600.0).addingProduct(q, r)   // 1/12!
        q = Vector(repeating: 1.0 / 39916800.0).addingProduct(q, r)    // 1/11!
        q = Vector(repeating: 1.0 / 3628800.0).addingProduct(q, r)     // 1/10!
        q = Vector(repeating: 1.0 / 362880.0).addingProduct(q, r)      // 1/9!
        q = Vector(repeating: 1.0 / 40320.0).addingProduct(q, r)       // 1/8!
        q = Vector(repeating: 1.0 / 5040.0).addingProduct(q, r)        // 1/7!
        q = Vector(repeating: 1.0 / 720.0).addingProduct(q, r)         // 1/6!
        q = Vector(repeating: 1.0 / 120.0).addingProduct(q, r)         // 1/5!
        q = Vector(repeating: 1.0 / 24.0).addingProduct(q, r)          // 1/4!
        q = Vector(repeating: 1.0 / 6.0).addingProduct(q, r)           // 1/3!
        q = Vector(repeating: 0.5).addingProduct(q, r)                 // 1/2!
        return r.addingProduct(r * r, q)
    }

    /// `2^k` for integer-valued `k` held in the low bits of `t = k + shifter`, split in two factors
    /// so that `k` in [-1080, 1030] never leaves the normal range of either factor.
    @inlinable @inline(__always)
    static func scaleFactors(_ t: Vector) -> (Vector, Vector) {
        let bits = unsafeBitCast(t, to: SIMD8<Int64>.self)
        let k = (bits & 0x000F_FFFF_FFFF_FFFF) &- (1 << 51)
        let k1 = k &>> 1
        let k2 = k &- k1
        let s1 = unsafeBitCast((k1 &+ 1023) &<< 52, to: Vector.self)
        let s2 = unsafeBitCast((k2 &+ 1023) &<< 52, to: Vector.self)
        return (s1, s2)
    }

    /// `e^x`, lane by lane, accurate over the whole double range (subnormal results included).
    @inlinable @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        let xc = x.clamped(lowerBound: Vector(repeating: -746), upperBound: Vector(repeating: 710))
        let t = Vector(repeating: shifter).addingProduct(xc, Vector(repeating: log2e))
        let k = t - Vector(repeating: shifter)
        var r = xc.addingProduct(k, Vector(repeating: -ln2hi))
        r = r.addingProduct(k, Vector(repeating: -ln2lo))
        let (s1, s2) = scaleFactors(t)
        var y = (1 + expm1Reduced(r)) * s1 * s2
        y.replace(with: .infinity, where: x .> Vector(repeating: maxArgument))
        y.replace(with: 0, where: x .< Vector(repeating: minArgument))
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// `e^x` with every subnormal result flushed to 0 (`x < −708.40`). Faster where many results
    /// underflow (subnormal multiplies are microcoded on x86) and harmless where such values are
    /// negligible against the rest of a sum, as in transport plans.
    @inlinable @inline(__always)
    public static func expFlushingSubnormals(_ x: Vector) -> Vector {
        let xc = x.clamped(lowerBound: Vector(repeating: minNormalArgument), upperBound: Vector(repeating: 710))
        let t = Vector(repeating: shifter).addingProduct(xc, Vector(repeating: log2e))
        let k = t - Vector(repeating: shifter)
        var r = xc.addingProduct(k, Vector(repeating: -ln2hi))
        r = r.addingProduct(k, Vector(repeating: -ln2lo))
        let (s1, s2) = scaleFactors(t)
        var y = (1 + expm1Reduced(r)) * s1 * s2
        y.replace(with: .infinity, where: x .> Vector(repeating: maxArgument))
        y.replace(with: 0, where: x .< Vector(repeating: minNormalArgument))
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// `e^x − 1`, accurate to a few ulp for every argument: with `x = k ln 2 + r` and `s = 2^k`,
    /// `e^x − 1 = (s − 1) + s (e^r − 1)`, where `s − 1` is exact for the `k` that matter and the
    /// `k = 0` case reduces to the polynomial itself (no cancellation for tiny `x`).
    @inlinable @inline(__always)
    public static func expm1(_ x: Vector) -> Vector {
        let xc = x.clamped(lowerBound: Vector(repeating: -746), upperBound: Vector(repeating: 710))
        let t = Vector(repeating: shifter).addingProduct(xc, Vector(repeating: log2e))
        let k = t - Vector(repeating: shifter)
        var r = xc.addingProduct(k, Vector(repeating: -ln2hi))
        r = r.addingProduct(k, Vector(repeating: -ln2lo))
        let (s1, s2) = scaleFactors(t)
        let s = s1 * s2
        var y = (s - 1).addingProduct(expm1Reduced(r), s)
        y.replace(with: .infinity, where: x .> Vector(repeating: maxArgument))
        y.replace(with: x, where: x .!= x)
        return y
    }
}
