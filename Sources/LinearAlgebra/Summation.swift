/// Accurate summation where round-off matters (marginal errors near 1e-15, objective values).
public enum Summation {
    /// Neumaier's compensated sum: error bounded by about 2 ulp of the result independent of n
    /// (for sums without massive cancellation). - Complexity: O(n).
    public static func compensated(_ values: UnsafeBufferPointer<Double>) -> Double {
        var sum = 0.0, c = 0.0
        for v in values {
            let t = sum + v
            if Swift.abs(sum) >= Swift.abs(v) { c += (sum - t) + v } else { c += (v - t) + sum }
            sum = t
        }
        return sum + c
    }

    /// Neumaier's compensated sum of an array.
    public static func compensated(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { compensated($0) }
    }

    /// Pairwise (cascade) sum with eight vector lanes: error O(log n · ε), near the speed of a
    /// plain loop. - Complexity: O(n).
    public static func pairwise(_ values: UnsafeBufferPointer<Double>) -> Double {
        let n = values.count
        guard n > 0, let base = values.baseAddress else { return 0 }
        if n <= 256 {
            var acc = SIMD8<Double>(repeating: 0)
            var i = 0
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                acc += raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
                i += 8
            }
            var s = acc.sum()
            while i < n { s += base[i]; i += 1 }
            return s
        }
        let half = (n / 2 + 7) & ~7
        return pairwise(UnsafeBufferPointer(rebasing: values[0..<half])) + pairwise(UnsafeBufferPointer(rebasing: values[half..<n]))
    }

    /// Pairwise sum of an array.
    public static func pairwise(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { pairwise($0) }
    }
}
