/// Numerically stable log-sum-exp reductions over the rows or columns of a matrix, with
/// offsets, in one streaming pass over memory.
///
///     rows:    out_i = log Σ_j exp(scale · M_ij + b_j)
///     columns: out_j = log Σ_i exp(scale · M_ij + a_i)
///
/// These are the two half-steps of log-domain Sinkhorn (`scale = −η`, offsets `η·y` or `η·x`).
/// Offsets may be `−∞` (the term is dropped; a row with no finite term gives `−∞`). Terms below
/// `e^−64` times the largest term may be dropped: a vector of eight terms that all lie below that
/// bound is skipped without evaluating `exp` (their sum is below 1.3e−27 of the result), and
/// terms below `e^−708` are flushed to zero rather than formed as subnormals (which x86 computes in
/// microcode). For large scales such as Sinkhorn's `−η` most terms are far below the maximum, so
/// the skip saves most of the `exp` work; on flat data it costs one compare per eight terms.
///
/// The column reduction reads each column twice from L1 (max, then sum of exp). The row reduction
/// on column-major storage keeps a running maximum and rescaled running sum per row, updated per
/// block of columns small enough to stay in L2, so the matrix streams from memory once.
public enum LogSumExp {
    /// `log Σ exp(x_k)` of a vector (−∞ for an empty or all −∞ vector).
    public static func of(_ x: [Double]) -> Double {
        guard let m = x.max(), m.isFinite else { return x.max() ?? -.infinity }
        var s = 0.0
        for v in x { s += libmExp(v - m) }
        return m + libmLog(s)
    }

    /// Row reduction `out_i = log Σ_j exp(scale · M_ij + b_j)` (b = 0 when `columnOffsets` is nil).
    /// - Throws: `.dimensionMismatch` if `columnOffsets.count != columns`, `.nonFiniteEntry` for a
    ///   non-finite matrix entry, `.invalidArgument` for a non-finite scale or NaN / +∞ offset.
    /// - Complexity: O(rows · columns), one `exp` per entry.
    public static func rows(of matrix: Matrix, scale: Double = 1, columnOffsets: [Double]? = nil,
                            threads: Int = Parallel.processorCount) throws -> [Double] {
        let routine = "LogSumExp.rows"
        try validate(matrix, scale, columnOffsets, expected: matrix.columns, routine: routine)
        var out = [Double](repeating: 0, count: matrix.rows)
        let offsets = columnOffsets ?? [Double](repeating: 0, count: matrix.columns)
        matrix.withUnsafeBufferPointer { m in
            offsets.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { o in
                    rows(rows: matrix.rows, columns: matrix.columns, matrix: m.baseAddress, scale: scale,
                         columnOffsets: b.baseAddress, into: o.baseAddress, threads: threads)
                }
            }
        }
        return out
    }

    /// Column reduction `out_j = log Σ_i exp(scale · M_ij + a_i)` (a = 0 when `rowOffsets` is nil).
    /// - Throws: as `rows(of:scale:columnOffsets:threads:)`.
    /// - Complexity: O(rows · columns), one `exp` per entry.
    public static func columns(of matrix: Matrix, scale: Double = 1, rowOffsets: [Double]? = nil,
                               threads: Int = Parallel.processorCount) throws -> [Double] {
        let routine = "LogSumExp.columns"
        try validate(matrix, scale, rowOffsets, expected: matrix.rows, routine: routine)
        var out = [Double](repeating: 0, count: matrix.columns)
        let offsets = rowOffsets ?? [Double](repeating: 0, count: matrix.rows)
        matrix.withUnsafeBufferPointer { m in
            offsets.withUnsafeBufferPointer { a in
                out.withUnsafeMutableBufferPointer { o in
                    columns(rows: matrix.rows, columns: matrix.columns, matrix: m.baseAddress, scale: scale,
                            rowOffsets: a.baseAddress, into: o.baseAddress, threads: threads)
                }
            }
        }
        return out
    }

    private static func validate(_ m: Matrix, _ scale: Double, _ offsets: [Double]?, expected: Int, routine: String) throws {
        guard scale.isFinite else {
            throw LinearAlgebraError.invalidArgument(routine: routine, argument: "scale", reason: "must be finite")
        }
        try Validate.finite(m, routine: routine, argument: "matrix")
        if let o = offsets {
            guard o.count == expected else {
                throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "\(o.count) offsets for \(expected) terms")
            }
            if let bad = o.firstIndex(where: { $0.isNaN || $0 == .infinity }) {
                throw LinearAlgebraError.invalidArgument(routine: routine, argument: "offsets[\(bad)]", reason: "NaN or +∞")
            }
        }
    }

    /// Exponents below this (relative to the maximum) may be skipped in groups of eight.
    static let negligible = SIMD8<Double>(repeating: -64)

    // MARK: Unchecked kernels

    /// Unchecked row kernel on raw column-major storage (`lda = rows`). `columnOffsets` may be nil
    /// (zero offsets). For hot loops whose caller validated the data.
    ///
    /// With a `reference` per row (e.g. the previous iteration's result) the reduction is single
    /// pass: `out_i = ref_i + log Σ_j exp(scale · M_ij + b_j − ref_i)`, skipping the maximum pass.
    /// A row is accepted when its scaled sum lies in `[e^−8, 1e250]` (then every skipped term is
    /// below `e^−56` of the result); otherwise it is recomputed exactly. Use when a good estimate of
    /// the result is at hand, as in Sinkhorn's log-domain iteration. `out` must not alias `reference`.
    public static func rows(
        rows n: Int, columns m: Int, matrix: UnsafePointer<Double>?, scale: Double,
        columnOffsets: UnsafePointer<Double>?, reference: UnsafePointer<Double>? = nil,
        into out: UnsafeMutablePointer<Double>?, threads: Int
    ) {
        guard n > 0, let out else { return }
        guard m > 0, let matrix else {
            for i in 0..<n { out[i] = -.infinity }
            return
        }
        let minChunk = Swift.max(64, 65_536 / m)
        let outBox = UncheckedBox(out), matBox = UncheckedBox(matrix), offBox = UncheckedBox(columnOffsets)
        let refBox = UncheckedBox(reference)
        Parallel.forEachChunk(count: n, threads: threads, minimumChunk: minChunk) { range in
            if let ref = refBox.value {
                rowsChunkWithReference(range, n, m, matBox.value, scale, offBox.value, ref, outBox.value)
            } else {
                rowsChunk(range, n, m, matBox.value, scale, offBox.value, outBox.value)
            }
        }
    }

    /// Unchecked column kernel on raw column-major storage (`lda = rows`); with a `reference` per
    /// column, single pass as in the row version.
    public static func columns(
        rows n: Int, columns m: Int, matrix: UnsafePointer<Double>?, scale: Double,
        rowOffsets: UnsafePointer<Double>?, reference: UnsafePointer<Double>? = nil,
        into out: UnsafeMutablePointer<Double>?, threads: Int
    ) {
        guard m > 0, let out else { return }
        guard n > 0, let matrix else {
            for j in 0..<m { out[j] = -.infinity }
            return
        }
        let minChunk = Swift.max(1, 65_536 / n)
        let outBox = UncheckedBox(out), matBox = UncheckedBox(matrix), offBox = UncheckedBox(rowOffsets)
        let refBox = UncheckedBox(reference)
        Parallel.forEachChunk(count: m, threads: threads, minimumChunk: minChunk) { range in
            for j in range {
                let column = matBox.value + j * n
                var value = Double.nan
                if let ref = refBox.value?[j], ref.isFinite {
                    let sum = columnSumExp(column, n, scale, offBox.value, ref)
                    if acceptable(sum) { value = ref + libmLog(sum) }
                }
                outBox.value[j] = value.isNaN ? columnLSE(column, n, scale, offBox.value) : value
            }
        }
    }

    /// A reference-scaled sum that is safe to use (see the unchecked `rows`).
    @inline(__always)
    static func acceptable(_ sum: Double) -> Bool { sum >= 3.354626279025119e-4 && sum <= 1e250 }

    static func rowsChunkWithReference(
        _ range: Range<Int>, _ n: Int, _ m: Int, _ matrix: UnsafePointer<Double>, _ scale: Double,
        _ offsets: UnsafePointer<Double>?, _ reference: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>
    ) {
        let len = range.count
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: len)
        defer { sums.deallocate() }
        sums.initialize(repeating: 0, count: len)
        let ref = reference + range.lowerBound
        var j = 0
        while j + 4 <= m {
            accumulate4(matrix + j * n + range.lowerBound, n, len, scale, offsets, j, ref, sums)
            j += 4
        }
        while j < m {
            accumulate(matrix + j * n + range.lowerBound, len, scale, offsets?[j] ?? 0, ref, sums)
            j += 1
        }
        for k in 0..<len {
            let i = range.lowerBound + k
            if ref[k].isFinite && acceptable(sums[k]) {
                out[i] = ref[k] + libmLog(sums[k])
            } else {
                // Exact two-pass fallback along the (strided) row.
                var mx = -Double.infinity
                for jj in 0..<m { mx = Swift.max(mx, scale * matrix[i + jj * n] + (offsets?[jj] ?? 0)) }
                if !mx.isFinite {
                    out[i] = mx
                } else {
                    var sum = 0.0
                    for jj in 0..<m { sum += libmExp(scale * matrix[i + jj * n] + (offsets?[jj] ?? 0) - mx) }
                    out[i] = mx + libmLog(sum)
                }
            }
        }
    }

    /// log Σ_i exp(scale · c_i + a_i) over one contiguous column (two passes, both from L1).
    static func columnLSE(_ c: UnsafePointer<Double>, _ n: Int, _ scale: Double, _ a: UnsafePointer<Double>?) -> Double {
        let mx = columnMax(c, n, scale, a)
        if mx == .infinity { return .infinity }
        if mx == -.infinity { return -.infinity }
        return mx + libmLog(columnSumExp(c, n, scale, a, mx))
    }

    @inline(never)
    static func columnMax(_ c: UnsafePointer<Double>, _ n: Int, _ scale: Double, _ a: UnsafePointer<Double>?) -> Double {
        typealias V = SIMD8<Double>
        let s = V(repeating: scale)
        let cr = UnsafeRawPointer(c)
        var vmax = V(repeating: -.infinity)
        var i = 0
        if let a {
            let ar = UnsafeRawPointer(a)
            while i + 8 <= n {
                let v = ar.loadUnaligned(fromByteOffset: i * 8, as: V.self).addingProduct(s, cr.loadUnaligned(fromByteOffset: i * 8, as: V.self))
                vmax = SIMDMath.max(vmax, v)
                i += 8
            }
        } else {
            while i + 8 <= n {
                vmax = SIMDMath.max(vmax, s * cr.loadUnaligned(fromByteOffset: i * 8, as: V.self))
                i += 8
            }
        }
        var mx = vmax.max()
        while i < n {
            mx = Swift.max(mx, scale * c[i] + (a?[i] ?? 0))
            i += 1
        }
        return mx
    }

    @inline(never)
    static func columnSumExp(_ c: UnsafePointer<Double>, _ n: Int, _ scale: Double, _ a: UnsafePointer<Double>?, _ mx: Double) -> Double {
        typealias V = SIMD8<Double>
        let s = V(repeating: scale)
        let cr = UnsafeRawPointer(c)
        let shift = V(repeating: -mx)
        var acc = V(repeating: 0)
        var i = 0
        if let a {
            let ar = UnsafeRawPointer(a)
            while i + 8 <= n {
                let v = ar.loadUnaligned(fromByteOffset: i * 8, as: V.self).addingProduct(s, cr.loadUnaligned(fromByteOffset: i * 8, as: V.self))
                let z = v + shift
                if any(z .> negligible) { acc += SIMDMath.expNonPositive(z) }
                i += 8
            }
        } else {
            while i + 8 <= n {
                let z = shift.addingProduct(s, cr.loadUnaligned(fromByteOffset: i * 8, as: V.self))
                if any(z .> negligible) { acc += SIMDMath.expNonPositive(z) }
                i += 8
            }
        }
        var sum = acc.sum()
        while i < n {
            sum += libmExp(scale * c[i] + (a?[i] ?? 0) - mx)
            i += 1
        }
        return sum
    }

    /// Row reduction for rows in `range`, blocked over columns with a running max and sum.
    /// Each inner loop is a small function of its own so that the vector `exp` is inlined into a
    /// tight loop (a large caller can make the optimizer outline it, at a call per vector).
    static func rowsChunk(
        _ range: Range<Int>, _ n: Int, _ m: Int, _ matrix: UnsafePointer<Double>, _ scale: Double,
        _ offsets: UnsafePointer<Double>?, _ out: UnsafeMutablePointer<Double>
    ) {
        let len = range.count
        let padded = (len + 7) & ~7
        // Running maximum and sum per row, and the current block's maximum; padded to whole
        // vectors (extra lanes are computed and ignored).
        let runMax = UnsafeMutablePointer<Double>.allocate(capacity: padded)
        let runSum = UnsafeMutablePointer<Double>.allocate(capacity: padded)
        let blockMax = UnsafeMutablePointer<Double>.allocate(capacity: padded)
        defer { runMax.deallocate(); runSum.deallocate(); blockMax.deallocate() }
        runMax.initialize(repeating: -.infinity, count: padded)
        runSum.initialize(repeating: 0, count: padded)
        blockMax.initialize(repeating: -.infinity, count: padded)
        let block = Swift.max(4, Swift.min(128, 131_072 / Swift.max(len, 1)))
        var j0 = 0
        while j0 < m {
            let j1 = Swift.min(j0 + block, m)
            blockMax.update(repeating: -.infinity, count: padded)
            var j = j0
            while j + 4 <= j1 {
                maxUpdate4(matrix + j * n + range.lowerBound, n, len, scale, offsets, j, blockMax)
                j += 4
            }
            while j < j1 {
                maxUpdate(matrix + j * n + range.lowerBound, len, scale, offsets?[j] ?? 0, blockMax)
                j += 1
            }
            rescale(runMax, blockMax, runSum, padded)
            j = j0
            while j + 4 <= j1 {
                accumulate4(matrix + j * n + range.lowerBound, n, len, scale, offsets, j, runMax, runSum)
                j += 4
            }
            while j < j1 {
                accumulate(matrix + j * n + range.lowerBound, len, scale, offsets?[j] ?? 0, runMax, runSum)
                j += 1
            }
            j0 = j1
        }
        for k in 0..<len {
            let mx = runMax[k]
            if mx == .infinity {
                out[range.lowerBound + k] = .infinity
            } else {
                out[range.lowerBound + k] = runSum[k] == 0 ? -.infinity : mx + libmLog(runSum[k])
            }
        }
    }

    /// `maxUpdate` over four adjacent columns (`col`, `col + lda`, …) in one sweep, so the block
    /// maxima are loaded and stored once per four matrix entries.
    @inline(never)
    static func maxUpdate4(_ col: UnsafePointer<Double>, _ lda: Int, _ len: Int, _ scale: Double,
                           _ offsets: UnsafePointer<Double>?, _ j: Int, _ bmax: UnsafeMutablePointer<Double>) {
        typealias V = SIMD8<Double>
        let s = V(repeating: scale)
        let b0 = V(repeating: offsets?[j] ?? 0), b1 = V(repeating: offsets?[j + 1] ?? 0)
        let b2 = V(repeating: offsets?[j + 2] ?? 0), b3 = V(repeating: offsets?[j + 3] ?? 0)
        let c0 = UnsafeRawPointer(col), c1 = UnsafeRawPointer(col + lda)
        let c2 = UnsafeRawPointer(col + 2 * lda), c3 = UnsafeRawPointer(col + 3 * lda)
        let out = UnsafeMutableRawPointer(bmax)
        var k = 0
        while k + 8 <= len {
            let o = k * 8
            let m01 = SIMDMath.max(b0.addingProduct(s, c0.loadUnaligned(fromByteOffset: o, as: V.self)),
                                   b1.addingProduct(s, c1.loadUnaligned(fromByteOffset: o, as: V.self)))
            let m23 = SIMDMath.max(b2.addingProduct(s, c2.loadUnaligned(fromByteOffset: o, as: V.self)),
                                   b3.addingProduct(s, c3.loadUnaligned(fromByteOffset: o, as: V.self)))
            out.storeBytes(of: SIMDMath.max(out.load(fromByteOffset: o, as: V.self), SIMDMath.max(m01, m23)), toByteOffset: o, as: V.self)
            k += 8
        }
        for t in 0..<4 where k < len {
            maxUpdateTail(col + t * lda, k, len, scale, offsets?[j + t] ?? 0, bmax)
        }
    }

    static func maxUpdateTail(_ col: UnsafePointer<Double>, _ start: Int, _ len: Int, _ scale: Double, _ b: Double,
                              _ bmax: UnsafeMutablePointer<Double>) {
        for k in start..<len { bmax[k] = Swift.max(bmax[k], scale * col[k] + b) }
    }

    /// `accumulate` over four adjacent columns in one sweep.
    @inline(never)
    static func accumulate4(_ col: UnsafePointer<Double>, _ lda: Int, _ len: Int, _ scale: Double,
                            _ offsets: UnsafePointer<Double>?, _ j: Int,
                            _ runMax: UnsafePointer<Double>, _ runSum: UnsafeMutablePointer<Double>) {
        typealias V = SIMD8<Double>
        let s = V(repeating: scale)
        let b = [offsets?[j] ?? 0, offsets?[j + 1] ?? 0, offsets?[j + 2] ?? 0, offsets?[j + 3] ?? 0]
        let b0 = V(repeating: b[0]), b1 = V(repeating: b[1]), b2 = V(repeating: b[2]), b3 = V(repeating: b[3])
        let c0 = UnsafeRawPointer(col), c1 = UnsafeRawPointer(col + lda)
        let c2 = UnsafeRawPointer(col + 2 * lda), c3 = UnsafeRawPointer(col + 3 * lda)
        let mx = UnsafeRawPointer(runMax), sm = UnsafeMutableRawPointer(runSum)
        var k = 0
        while k + 8 <= len {
            let o = k * 8
            let m = mx.load(fromByteOffset: o, as: V.self)
            let z0 = b0.addingProduct(s, c0.loadUnaligned(fromByteOffset: o, as: V.self)) - m
            let z1 = b1.addingProduct(s, c1.loadUnaligned(fromByteOffset: o, as: V.self)) - m
            let z2 = b2.addingProduct(s, c2.loadUnaligned(fromByteOffset: o, as: V.self)) - m
            let z3 = b3.addingProduct(s, c3.loadUnaligned(fromByteOffset: o, as: V.self)) - m
            let top = SIMDMath.max(SIMDMath.max(z0, z1), SIMDMath.max(z2, z3))
            if any(top .> negligible) {
                var acc = sm.load(fromByteOffset: o, as: V.self)
                acc += expIfRelevant(z0) + expIfRelevant(z1)
                acc += expIfRelevant(z2) + expIfRelevant(z3)
                sm.storeBytes(of: acc, toByteOffset: o, as: V.self)
            }
            k += 8
        }
        for t in 0..<4 where k < len {
            accumulateTail(col + t * lda, k, len, scale, b[t], runMax, runSum)
        }
    }

    /// `exp(z)` for `z ≤ 0`, or 0 without evaluating when every lane is negligible.
    @inline(__always)
    static func expIfRelevant(_ z: SIMD8<Double>) -> SIMD8<Double> {
        any(z .> negligible) ? SIMDMath.expNonPositive(z) : SIMD8<Double>(repeating: 0)
    }

    static func accumulateTail(_ col: UnsafePointer<Double>, _ start: Int, _ len: Int, _ scale: Double, _ b: Double,
                               _ runMax: UnsafePointer<Double>, _ runSum: UnsafeMutablePointer<Double>) {
        for k in start..<len { runSum[k] += libmExp(scale * col[k] + b - runMax[k]) }
    }

    /// `bmax[k] = max(bmax[k], scale · col[k] + b)`.
    @inline(never)
    static func maxUpdate(_ col: UnsafePointer<Double>, _ len: Int, _ scale: Double, _ b: Double, _ bmax: UnsafeMutablePointer<Double>) {
        typealias V = SIMD8<Double>
        let s = V(repeating: scale), bv = V(repeating: b)
        let c = UnsafeRawPointer(col), out = UnsafeMutableRawPointer(bmax)
        var k = 0
        while k + 8 <= len {
            let v = bv.addingProduct(s, c.loadUnaligned(fromByteOffset: k * 8, as: V.self))
            out.storeBytes(of: SIMDMath.max(out.load(fromByteOffset: k * 8, as: V.self), v), toByteOffset: k * 8, as: V.self)
            k += 8
        }
        while k < len {
            bmax[k] = Swift.max(bmax[k], scale * col[k] + b)
            k += 1
        }
    }

    /// Moves the running maxima to `max(runMax, blockMax)` and rescales the running sums.
    @inline(never)
    static func rescale(_ runMax: UnsafeMutablePointer<Double>, _ blockMax: UnsafePointer<Double>,
                        _ runSum: UnsafeMutablePointer<Double>, _ padded: Int) {
        typealias V = SIMD8<Double>
        let rmx = UnsafeMutableRawPointer(runMax), bmx = UnsafeRawPointer(blockMax), rsm = UnsafeMutableRawPointer(runSum)
        for k in stride(from: 0, to: padded, by: 8) {
            let old = rmx.load(fromByteOffset: k * 8, as: V.self)
            var new = SIMDMath.max(old, bmx.load(fromByteOffset: k * 8, as: V.self))
            // All-(−∞) rows keep a harmless finite reference so that no (−∞) − (−∞) occurs.
            new.replace(with: 0, where: new .== -V.Scalar.infinity)
            let factor = SIMDMath.expFlushingSubnormals(old - new)
            rsm.storeBytes(of: rsm.load(fromByteOffset: k * 8, as: V.self) * factor, toByteOffset: k * 8, as: V.self)
            rmx.storeBytes(of: new, toByteOffset: k * 8, as: V.self)
        }
    }

    /// `sum[k] += exp(scale · col[k] + b − max[k])`.
    @inline(never)
    static func accumulate(_ col: UnsafePointer<Double>, _ len: Int, _ scale: Double, _ b: Double,
                           _ runMax: UnsafePointer<Double>, _ runSum: UnsafeMutablePointer<Double>) {
        typealias V = SIMD8<Double>
        let s = V(repeating: scale), bv = V(repeating: b)
        let c = UnsafeRawPointer(col), mx = UnsafeRawPointer(runMax), sm = UnsafeMutableRawPointer(runSum)
        var k = 0
        while k + 8 <= len {
            let z = bv.addingProduct(s, c.loadUnaligned(fromByteOffset: k * 8, as: V.self)) - mx.load(fromByteOffset: k * 8, as: V.self)
            if any(z .> negligible) {
                sm.storeBytes(of: sm.load(fromByteOffset: k * 8, as: V.self) + SIMDMath.expNonPositive(z), toByteOffset: k * 8, as: V.self)
            }
            k += 8
        }
        while k < len {
            runSum[k] += libmExp(scale * col[k] + b - runMax[k])
            k += 1
        }
    }
}
