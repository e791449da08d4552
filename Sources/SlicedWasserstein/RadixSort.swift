/// Least-significant-digit radix sort of doubles on their order-preserving bit pattern (flip every
/// bit of negatives, the sign bit of positives), 11 bits per pass, six passes at most; passes in
/// which every key has the same digit are skipped. Several times faster than the standard
/// library's comparison sort on doubles, and allocation-free given its scratch buffers.
/// NaN is not supported (callers validate their data).
public struct RadixSorter {
    private var keys: [UInt64]
    private var keysScratch: [UInt64]
    private var payload: [Int32]
    private var payloadScratch: [Int32]
    private var counts: [Int]

    /// Scratch for sorting up to `capacity` values.
    public init(capacity: Int) {
        keys = [UInt64](repeating: 0, count: capacity)
        keysScratch = keys
        payload = [Int32](repeating: 0, count: capacity)
        payloadScratch = payload
        counts = [Int](repeating: 0, count: 6 * 2048)
    }

    @inline(__always) static func key(_ x: Double) -> UInt64 {
        let b = x.bitPattern
        return (b >> 63) != 0 ? ~b : b | (1 << 63)
    }

    @inline(__always) static func value(_ k: UInt64) -> Double {
        Double(bitPattern: (k >> 63) != 0 ? k & ~(1 << 63) : ~k)
    }

    /// Sorts `values` ascending in place.
    public mutating func sort(_ values: UnsafeMutableBufferPointer<Double>) {
        run(values, withPermutation: false)
    }

    /// Sorts `values` ascending in place and writes into `permutation[k]` the original index of the
    /// value now at position `k`.
    public mutating func sort(_ values: UnsafeMutableBufferPointer<Double>, permutation: UnsafeMutableBufferPointer<Int32>) {
        run(values, withPermutation: true)
        payload.withUnsafeBufferPointer { p in for k in 0..<values.count { permutation[k] = p[k] } }
    }

    private mutating func run(_ values: UnsafeMutableBufferPointer<Double>, withPermutation: Bool) {
        let n = values.count
        guard n > 1 else {
            if withPermutation && n == 1 { payload[0] = 0 }
            return
        }
        if keys.count < n {
            keys = [UInt64](repeating: 0, count: n)
            keysScratch = keys
            payload = [Int32](repeating: 0, count: n)
            payloadScratch = payload
        }
        if n < 64 {
            insertionSort(values, withPermutation)
            return
        }
        keys.withUnsafeMutableBufferPointer { k in
            keysScratch.withUnsafeMutableBufferPointer { ks in
                payload.withUnsafeMutableBufferPointer { p in
                    payloadScratch.withUnsafeMutableBufferPointer { ps in
                        counts.withUnsafeMutableBufferPointer { c in
                            for i in 0..<c.count { c[i] = 0 }
                            for i in 0..<n {
                                let key = RadixSorter.key(values[i])
                                k[i] = key
                                c[Int(key & 2047)] += 1
                                c[2048 + Int((key >> 11) & 2047)] += 1
                                c[4096 + Int((key >> 22) & 2047)] += 1
                                c[6144 + Int((key >> 33) & 2047)] += 1
                                c[8192 + Int((key >> 44) & 2047)] += 1
                                c[10240 + Int(key >> 55)] += 1
                            }
                            if withPermutation { for i in 0..<n { p[i] = Int32(i) } }
                            var src = k.baseAddress!, dst = ks.baseAddress!
                            var psrc = p.baseAddress!, pdst = ps.baseAddress!
                            var swapped = false
                            for pass in 0..<6 {
                                let base = pass * 2048
                                let shift = UInt64(11 * pass)
                                // Skip a pass whose digit is the same for every key.
                                let first = Int((src[0] >> shift) & 2047)
                                if c[base + first] == n { continue }
                                var total = 0
                                for d in 0..<2048 {
                                    let v = c[base + d]
                                    c[base + d] = total
                                    total += v
                                }
                                for i in 0..<n {
                                    let key = src[i]
                                    let d = base + Int((key >> shift) & 2047)
                                    let pos = c[d]
                                    c[d] = pos + 1
                                    dst[pos] = key
                                    if withPermutation { pdst[pos] = psrc[i] }
                                }
                                swap(&src, &dst)
                                swap(&psrc, &pdst)
                                swapped.toggle()
                            }
                            for i in 0..<n { values[i] = RadixSorter.value(src[i]) }
                            if withPermutation && swapped {
                                for i in 0..<n { p[i] = ps[i] }
                            }
                        }
                    }
                }
            }
        }
    }

    private mutating func insertionSort(_ v: UnsafeMutableBufferPointer<Double>, _ withPermutation: Bool) {
        let n = v.count
        if withPermutation { for i in 0..<n { payload[i] = Int32(i) } }
        for i in 1..<n {
            let x = v[i]
            let px = withPermutation ? payload[i] : 0
            var j = i - 1
            while j >= 0 && v[j] > x {
                v[j + 1] = v[j]
                if withPermutation { payload[j + 1] = payload[j] }
                j -= 1
            }
            v[j + 1] = x
            if withPermutation { payload[j + 1] = px }
        }
    }
}
