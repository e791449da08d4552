/// Numerically stable log-sum-exp reductions over the rows or columns of a matrix, with
/// offsets, in one streaming pass over memory.
///
///     rows:    out_i = log Σ_j exp(scale · M_ij + b_j)
///     columns: out_j = log Σ_i exp(scale · M_ij + a_i)
///
/// These are the two half-steps of log-domain Sinkhorn (`scale = −η`, offsets `η·y` or `η·x`).
/// Offsets may be `−∞` (the term is dropped; a row with no finite term gives `−∞`).
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

    // MARK: Unchecked kernels

    /// Unchecked row kernel on raw column-major storage (`lda = rows`). `columnOffsets` may be nil
    /// (zero offsets). For hot loops whose caller validated the data.
    public static func rows(
        rows n: Int, columns m: Int, matrix: UnsafePointer<Double>?, scale: Double,
        columnOffsets: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>?, threads: Int
    ) {
        guard n > 0, let out else { return }
        guard m > 0, let matrix else {
            for i in 0..<n { out[i] = -.infinity }
            return
        }
        let minChunk = Swift.max(64, 65_536 / m)
        let outBox = UncheckedBox(out), matBox = UncheckedBox(matrix), offBox = UncheckedBox(columnOffsets)
        Parallel.forEachChunk(count: n, threads: threads, minimumChunk: minChunk) { range in
            rowsChunk(range, n, m, matBox.value, scale, offBox.value, outBox.value)
        }
    }

    /// Unchecked column kernel on raw column-major storage (`lda = rows`).
    public static func columns(
        rows n: Int, columns m: Int, matrix: UnsafePointer<Double>?, scale: Double,
        rowOffsets: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>?, threads: Int
    ) {
        guard m > 0, let out else { return }
        guard n > 0, let matrix else {
            for j in 0..<m { out[j] = -.infinity }
            return
        }
        let minChunk = Swift.max(1, 65_536 / n)
        let outBox = UncheckedBox(out), matBox = UncheckedBox(matrix), offBox = UncheckedBox(rowOffsets)
        Parallel.forEachChunk(count: m, threads: threads, minimumChunk: minChunk) { range in
            for j in range {
                outBox.value[j] = columnLSE(matBox.value + j * n, n, scale, offBox.value)
            }
        }
    }

    /// log Σ_i exp(scale · c_i + a_i) over one contiguous column.
    @inline(__always)
    static func columnLSE(_ c: UnsafePointer<Double>, _ n: Int, _ scale: Double, _ a: UnsafePointer<Double>?) -> Double {
        typealias V = SIMD8<Double>
        let s = V(repeating: scale)
        let cr = UnsafeRawPointer(c)
        let zero = V(repeating: 0)
        @inline(__always) func load(_ p: UnsafeRawPointer?, _ i: Int) -> V {
            guard let p else { return zero }
            return p.loadUnaligned(fromByteOffset: i * 8, as: V.self)
        }
        let ar = a.map { UnsafeRawPointer($0) }
        var vmax = V(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            let v = load(ar, i).addingProduct(s, cr.loadUnaligned(fromByteOffset: i * 8, as: V.self))
            vmax = pointwiseMax(vmax, v)
            i += 8
        }
        var mx = vmax.max()
        while i < n {
            mx = Swift.max(mx, scale * c[i] + (a?[i] ?? 0))
            i += 1
        }
        if mx == .infinity { return .infinity }
        if mx == -.infinity { return -.infinity }
        let shift = V(repeating: -mx)
        var acc = zero
        i = 0
        while i + 8 <= n {
            let v = load(ar, i).addingProduct(s, cr.loadUnaligned(fromByteOffset: i * 8, as: V.self))
            acc += SIMDMath.exp(v + shift)
            i += 8
        }
        var sum = acc.sum()
        while i < n {
            sum += libmExp(scale * c[i] + (a?[i] ?? 0) - mx)
            i += 1
        }
        return mx + libmLog(sum)
    }

    /// Row reduction for rows in `range`, blocked over columns with a running max and sum.
    static func rowsChunk(
        _ range: Range<Int>, _ n: Int, _ m: Int, _ matrix: UnsafePointer<Double>, _ scale: Double,
        _ offsets: UnsafePointer<Double>?, _ out: UnsafeMutablePointer<Double>
    ) {
        typealias V = SIMD8<Double>
        let len = range.count
        let padded = (len + 7) & ~7
        // Running maximum and sum per row; padded to whole vectors (extra lanes ignored).
        let runMax = UnsafeMutablePointer<Double>.allocate(capacity: padded)
        let runSum = UnsafeMutablePointer<Double>.allocate(capacity: padded)
        let blockMax = UnsafeMutablePointer<Double>.allocate(capacity: padded)
        defer { runMax.deallocate(); runSum.deallocate(); blockMax.deallocate() }
        runMax.initialize(repeating: -.infinity, count: padded)
        runSum.initialize(repeating: 0, count: padded)
        blockMax.initialize(repeating: -.infinity, count: padded)
        let full = len & ~7
        let block = Swift.max(4, Swift.min(64, 16_384 / Swift.max(len, 1)))
        let s = V(repeating: scale)
        let rmx = UnsafeMutableRawPointer(runMax), rsm = UnsafeMutableRawPointer(runSum), bmx = UnsafeMutableRawPointer(blockMax)
        var j0 = 0
        while j0 < m {
            let j1 = Swift.min(j0 + block, m)
            // Pass 1: block maxima.
            for k in stride(from: 0, to: padded, by: 8) {
                bmx.storeBytes(of: V(repeating: -.infinity), toByteOffset: k * 8, as: V.self)
            }
            for j in j0..<j1 {
                let col = UnsafeRawPointer(matrix + j * n + range.lowerBound)
                let bj = V(repeating: offsets?[j] ?? 0)
                var k = 0
                while k < full {
                    let v = bj.addingProduct(s, col.loadUnaligned(fromByteOffset: k * 8, as: V.self))
                    let cur = bmx.load(fromByteOffset: k * 8, as: V.self)
                    bmx.storeBytes(of: pointwiseMax(cur, v), toByteOffset: k * 8, as: V.self)
                    k += 8
                }
                while k < len {
                    blockMax[k] = Swift.max(blockMax[k], scale * matrix[j * n + range.lowerBound + k] + (offsets?[j] ?? 0))
                    k += 1
                }
            }
            // Rescale running sums to the new maxima.
            for k in stride(from: 0, to: padded, by: 8) {
                let old = rmx.load(fromByteOffset: k * 8, as: V.self)
                var new = pointwiseMax(old, bmx.load(fromByteOffset: k * 8, as: V.self))
                // All-(−∞) rows keep a harmless finite reference so that no (−∞) − (−∞) occurs.
                new.replace(with: 0, where: new .== -V.Scalar.infinity)
                let factor = SIMDMath.exp(old - new)
                rsm.storeBytes(of: rsm.load(fromByteOffset: k * 8, as: V.self) * factor, toByteOffset: k * 8, as: V.self)
                rmx.storeBytes(of: new, toByteOffset: k * 8, as: V.self)
            }
            // Pass 2: accumulate exp(value − max).
            for j in j0..<j1 {
                let col = UnsafeRawPointer(matrix + j * n + range.lowerBound)
                let bj = V(repeating: offsets?[j] ?? 0)
                var k = 0
                while k < full {
                    let v = bj.addingProduct(s, col.loadUnaligned(fromByteOffset: k * 8, as: V.self))
                    let e = SIMDMath.exp(v - rmx.load(fromByteOffset: k * 8, as: V.self))
                    rsm.storeBytes(of: rsm.load(fromByteOffset: k * 8, as: V.self) + e, toByteOffset: k * 8, as: V.self)
                    k += 8
                }
                while k < len {
                    runSum[k] += libmExp(scale * matrix[j * n + range.lowerBound + k] + (offsets?[j] ?? 0) - runMax[k])
                    k += 1
                }
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
}
