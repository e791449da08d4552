internal import CVectorKernels

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
    /// `log Σ exp(x_k)` of a vector, computed as `m + log Σ exp(x_k − m)` with `m = max x_k`, so it
    /// neither overflows nor underflows where the result is representable.
    ///
    /// Edge cases: −∞ for an empty or all-(−∞) vector (the empty sum); `−∞` entries are dropped
    /// terms, as in the matrix reductions.
    /// - Throws: `LinearAlgebraError.invalidArgument` for a NaN or `+∞` entry.
    /// - Complexity: O(n).
    public static func of(_ x: [Double]) throws -> Double {
        if let bad = x.firstIndex(where: { $0.isNaN || $0 == .infinity }) {
            throw LinearAlgebraError.invalidArgument(routine: "LogSumExp.of", argument: "x[\(bad)]", reason: "NaN or +∞")
        }
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
        rows(rows: n, columns: m, matrix: matrix, scale: scale, columnOffsets: columnOffsets, reference: reference,
             into: out, threads: threads, level: .active)
    }

    /// The row kernel on a chosen instruction set (tests run every level).
    static func rows(
        rows n: Int, columns m: Int, matrix: UnsafePointer<Double>?, scale: Double,
        columnOffsets: UnsafePointer<Double>?, reference: UnsafePointer<Double>?,
        into out: UnsafeMutablePointer<Double>?, threads: Int, level: VectorInstructionSet
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
                rowsChunkWithReference(range, n, m, matBox.value, scale, offBox.value, ref, outBox.value, level)
            } else {
                let padded = (range.count + 7) & ~7
                let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 3 * padded)
                defer { scratch.deallocate() }
                cvk_lse_rows(level.code, matBox.value, n, m, scale, offBox.value, range.lowerBound, range.upperBound,
                             scratch, outBox.value)
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
        columns(rows: n, columns: m, matrix: matrix, scale: scale, rowOffsets: rowOffsets, reference: reference,
                into: out, threads: threads, level: .active)
    }

    /// The column kernel on a chosen instruction set (tests run every level).
    static func columns(
        rows n: Int, columns m: Int, matrix: UnsafePointer<Double>?, scale: Double,
        rowOffsets: UnsafePointer<Double>?, reference: UnsafePointer<Double>?,
        into out: UnsafeMutablePointer<Double>?, threads: Int, level: VectorInstructionSet
    ) {
        guard m > 0, let out else { return }
        guard n > 0, let matrix else {
            for j in 0..<m { out[j] = -.infinity }
            return
        }
        let minChunk = Swift.max(1, 65_536 / n)
        let outBox = UncheckedBox(out), matBox = UncheckedBox(matrix), offBox = UncheckedBox(rowOffsets)
        let refBox = UncheckedBox(reference)
        let code = level.code
        Parallel.forEachChunk(count: m, threads: threads, minimumChunk: minChunk) { range in
            for j in range {
                let column = matBox.value + j * n
                var value = Double.nan
                if let ref = refBox.value?[j], ref.isFinite {
                    let sum = cvk_column_sum_exp(code, column, n, scale, offBox.value, ref)
                    if acceptable(sum) { value = ref + libmLog(sum) }
                }
                if value.isNaN {
                    let mx = cvk_column_max(code, column, n, scale, offBox.value)
                    if mx.isInfinite {
                        value = mx
                    } else {
                        value = mx + libmLog(cvk_column_sum_exp(code, column, n, scale, offBox.value, mx))
                    }
                }
                outBox.value[j] = value
            }
        }
    }

    /// A reference-scaled sum that is safe to use (see the unchecked `rows`).
    @inline(__always)
    static func acceptable(_ sum: Double) -> Bool { sum >= 3.354626279025119e-4 && sum <= 1e250 }

    static func rowsChunkWithReference(
        _ range: Range<Int>, _ n: Int, _ m: Int, _ matrix: UnsafePointer<Double>, _ scale: Double,
        _ offsets: UnsafePointer<Double>?, _ reference: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>,
        _ level: VectorInstructionSet
    ) {
        let len = range.count
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: len)
        defer { sums.deallocate() }
        sums.initialize(repeating: 0, count: len)
        let ref = reference + range.lowerBound
        cvk_lse_rows_reference_sums(level.code, matrix, n, m, scale, offsets, range.lowerBound, range.upperBound, ref, sums)
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
}
