/// Shared argument checks. They throw `LinearAlgebraError`; other targets use them through the
/// public `Validate` namespace so that every module reports problems the same way.
public enum Validate {
    /// Throws `.nonFiniteResult` naming the first NaN or ∞ of a computed result (`rows` rows,
    /// column-major), so that a product of finite-looking inputs never hands back NaN silently.
    /// - Complexity: O(n), one streaming pass.
    public static func finiteResult(_ values: [Double], rows: Int, routine: String) throws {
        try values.withUnsafeBufferPointer { b in
            if let bad = firstNonFinite(b) {
                let r = Swift.max(rows, 1)
                throw LinearAlgebraError.nonFiniteResult(routine: routine, detail: "entry (\(bad % r), \(bad / r)) is \(b[bad])")
            }
        }
    }

    /// The number of entries `Π dimensions` of a tensor, after checking that every dimension is
    /// non-negative and that the product does not overflow `Int`.
    /// - Throws: `.invalidArgument` naming `routine` and `argument` otherwise.
    /// - Complexity: O(number of dimensions).
    @discardableResult
    public static func tensorEntries(_ dimensions: [Int], routine: String, argument: String = "dimensions") throws -> Int {
        var total = 1
        for (k, d) in dimensions.enumerated() {
            guard d >= 0 else {
                throw LinearAlgebraError.invalidArgument(routine: routine, argument: "\(argument)[\(k)]", reason: "negative (\(d))")
            }
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw LinearAlgebraError.invalidArgument(routine: routine, argument: argument, reason: "\(dimensions) has more entries than Int can count")
            }
            total = product
        }
        return total
    }

    /// Throws `.nonFiniteEntry` at the first NaN or infinity of `values`
    /// (reported as `row = index`, `column = 0`).
    /// - Complexity: O(n).
    public static func finite(_ values: [Double], routine: String, argument: String) throws {
        try values.withUnsafeBufferPointer { buffer in
            if let index = firstNonFinite(buffer) {
                throw LinearAlgebraError.nonFiniteEntry(routine: routine, argument: argument, row: index, column: 0)
            }
        }
    }

    /// Throws `.nonFiniteEntry` at the first NaN or infinity of `matrix` (column-major order).
    /// - Complexity: O(rows · columns).
    public static func finite(_ matrix: Matrix, routine: String, argument: String) throws {
        try matrix.withUnsafeBufferPointer { buffer in
            if let index = firstNonFinite(buffer) {
                let rows = Swift.max(matrix.rows, 1)
                throw LinearAlgebraError.nonFiniteEntry(
                    routine: routine, argument: argument, row: index % rows, column: index / rows)
            }
        }
    }

    /// Position of the first non-finite entry of `matrix` (column-major order), or nil.
    public static func firstNonFiniteIndex(_ matrix: Matrix) -> (row: Int, column: Int)? {
        matrix.withUnsafeBufferPointer { buffer in
            firstNonFinite(buffer).map { ($0 % Swift.max(matrix.rows, 1), $0 / Swift.max(matrix.rows, 1)) }
        }
    }

    /// Index of the first non-finite element, or nil. Vectorized: a finite `x` gives `x - x == 0`,
    /// NaN and infinities give NaN, so one pass checks eight values per step.
    public static func firstNonFinite(_ buffer: UnsafeBufferPointer<Double>) -> Int? {
        let count = buffer.count
        guard let base = buffer.baseAddress else { return nil }
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
            let d = v - v
            if any(d .!= 0) { break }
            i += 8
        }
        while i < count {
            if !base[i].isFinite { return i }
            i += 1
        }
        return nil
    }

    /// Throws `.indexOverflow` if `size` does not fit in a 32-bit LAPACK/BLAS index.
    public static func lapackIndex(_ size: Int, routine: String, argument: String) throws {
        if size > Int(Int32.max) {
            throw LinearAlgebraError.indexOverflow(routine: routine, argument: argument, size: size)
        }
    }

    /// Throws `.notSymmetric` if some `|a_ij − a_ji| > tolerance · max|a|`.
    /// - Complexity: O(n²).
    public static func symmetric(_ matrix: Matrix, routine: String, relativeTolerance: Double = 1e-10) throws {
        guard matrix.rows == matrix.columns else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: routine, detail: "expected a square matrix, got \(matrix.rows)×\(matrix.columns)")
        }
        let n = matrix.rows
        let scale = matrix.maxAbs
        let bound = relativeTolerance * scale
        try matrix.withUnsafeBufferPointer { a in
            for j in 0..<n {
                for i in (j + 1)..<Swift.max(n, j + 1) where Swift.abs(a[i + j * n] - a[j + i * n]) > bound {
                    throw LinearAlgebraError.notSymmetric(routine: routine, row: i, column: j)
                }
            }
        }
    }

    /// Throws `.dimensionMismatch` unless `matrix` is square.
    public static func square(_ matrix: Matrix, routine: String) throws {
        guard matrix.rows == matrix.columns else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: routine, detail: "expected a square matrix, got \(matrix.rows)×\(matrix.columns)")
        }
    }
}
