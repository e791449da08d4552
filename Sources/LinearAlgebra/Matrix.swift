/// A dense real matrix stored in column-major order, the layout BLAS and LAPACK use, so no routine
/// needs a hidden transpose.
///
/// `Matrix` has value semantics: copies share storage until one is mutated (copy-on-write through
/// its array). Element `(i, j)` lives at `storage[i + j * rows]`.
///
/// Shape arguments that are negative trap, as `Array(repeating:count:)` does; data that does not
/// fit a shape (`init(rows:columns:elements:)`) throws.
public struct Matrix: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries in column-major order (`rows * columns` values).
    public var elements: [Double] { storage }
    @usableFromInline var storage: [Double]

    /// A `rows × columns` matrix with every entry equal to `value`.
    /// - Complexity: O(rows · columns).
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative dimension \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.storage = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix over the given column-major `elements`.
    /// - Throws: `LinearAlgebraError.dimensionMismatch` if `elements.count != rows * columns`,
    ///   `.invalidArgument` for a negative dimension.
    public init(rows: Int, columns: Int, elements: [Double]) throws {
        guard rows >= 0, columns >= 0 else {
            throw LinearAlgebraError.invalidArgument(
                routine: "Matrix.init", argument: "shape", reason: "negative dimension \(rows)×\(columns)")
        }
        guard elements.count == rows * columns else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: "Matrix.init",
                detail: "\(elements.count) elements for a \(rows)×\(columns) matrix")
        }
        self.rows = rows
        self.columns = columns
        self.storage = elements
    }

    /// A matrix from an array of rows (row-major nested arrays, the way matrices are written).
    /// - Throws: `.dimensionMismatch` if the rows have different lengths.
    public init(rowsOf nested: [[Double]]) throws {
        let r = nested.count
        let c = nested.first?.count ?? 0
        var storage = [Double](repeating: 0, count: r * c)
        for (i, row) in nested.enumerated() {
            guard row.count == c else {
                throw LinearAlgebraError.dimensionMismatch(
                    routine: "Matrix.init(rowsOf:)", detail: "row \(i) has \(row.count) entries, row 0 has \(c)")
            }
            for j in 0..<c { storage[i + j * r] = row[j] }
        }
        self.rows = r
        self.columns = c
        self.storage = storage
    }

    /// A matrix whose entry `(i, j)` is `entry(i, j)`, evaluated column by column.
    /// - Complexity: O(rows · columns) calls of `entry`.
    public init(rows: Int, columns: Int, entry: (_ row: Int, _ column: Int) throws -> Double) rethrows {
        self.init(rows: rows, columns: columns)
        for j in 0..<columns {
            for i in 0..<rows { storage[i + j * rows] = try entry(i, j) }
        }
    }

    /// The `n × n` identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i + i * n] = 1 }
        return m
    }

    /// The `rows × columns` zero matrix.
    public static func zeros(rows: Int, columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns)
    }

    /// A square matrix with `diagonal` on its diagonal and zeros elsewhere.
    public static func diagonal(_ diagonal: [Double]) -> Matrix {
        let n = diagonal.count
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i + i * n] = diagonal[i] }
        return m
    }

    /// A matrix of independent standard normal entries drawn from `generator`.
    public static func randomNormal(
        rows: Int, columns: Int, using generator: inout some RandomNumberGenerator
    ) -> Matrix {
        var m = Matrix(rows: rows, columns: columns)
        m.storage.withUnsafeMutableBufferPointer { RandomSampling.fillStandardNormal($0, using: &generator) }
        return m
    }

    /// A matrix of independent uniform entries in `[0, 1)` drawn from `generator`.
    public static func randomUniform(
        rows: Int, columns: Int, using generator: inout some RandomNumberGenerator
    ) -> Matrix {
        var m = Matrix(rows: rows, columns: columns)
        for k in 0..<(rows * columns) { m.storage[k] = generator.nextUniform() }
        return m
    }

    /// Number of entries, `rows * columns`.
    @inlinable public var count: Int { rows * columns }

    /// True when the matrix is square.
    @inlinable public var isSquare: Bool { rows == columns }

    /// Entry `(row, column)`. Out-of-range indices trap, like array subscripts.
    @inlinable public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
            return storage[row + column * rows]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
            storage[row + column * rows] = newValue
        }
    }

    /// A copy of column `j`.
    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < columns, "Matrix column out of range")
        return Array(storage[(j * rows)..<((j + 1) * rows)])
    }

    /// A copy of row `i`.
    public func row(_ i: Int) -> [Double] {
        precondition(i >= 0 && i < rows, "Matrix row out of range")
        return (0..<columns).map { storage[i + $0 * rows] }
    }

    /// Replaces column `j` with `values`.
    /// - Throws: `.dimensionMismatch` if `values.count != rows`.
    public mutating func setColumn(_ j: Int, to values: [Double]) throws {
        precondition(j >= 0 && j < columns, "Matrix column out of range")
        guard values.count == rows else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: "Matrix.setColumn", detail: "\(values.count) values for a column of \(rows)")
        }
        storage.replaceSubrange((j * rows)..<((j + 1) * rows), with: values)
    }

    /// The diagonal entries `(i, i)` for `i < min(rows, columns)`.
    public var diagonal: [Double] {
        (0..<Swift.min(rows, columns)).map { storage[$0 + $0 * rows] }
    }

    /// The transpose. - Complexity: O(rows · columns), blocked for cache locality.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        let r = rows, c = columns
        let block = 32
        storage.withUnsafeBufferPointer { a in
            t.storage.withUnsafeMutableBufferPointer { b in
                var j0 = 0
                while j0 < c {
                    let j1 = Swift.min(j0 + block, c)
                    var i0 = 0
                    while i0 < r {
                        let i1 = Swift.min(i0 + block, r)
                        for j in j0..<j1 {
                            for i in i0..<i1 { b[j + i * c] = a[i + j * r] }
                        }
                        i0 = i1
                    }
                    j0 = j1
                }
            }
        }
        return t
    }

    /// The sub-matrix of the given row and column ranges.
    public func submatrix(rows rowRange: Range<Int>, columns columnRange: Range<Int>) -> Matrix {
        precondition(rowRange.lowerBound >= 0 && rowRange.upperBound <= rows, "row range out of bounds")
        precondition(columnRange.lowerBound >= 0 && columnRange.upperBound <= columns, "column range out of bounds")
        var s = Matrix(rows: rowRange.count, columns: columnRange.count)
        for (jj, j) in columnRange.enumerated() {
            for (ii, i) in rowRange.enumerated() { s.storage[ii + jj * rowRange.count] = storage[i + j * rows] }
        }
        return s
    }

    /// A matrix with `transform` applied to every entry.
    public func map(_ transform: (Double) throws -> Double) rethrows -> Matrix {
        var m = self
        for k in 0..<m.storage.count { m.storage[k] = try transform(storage[k]) }
        return m
    }

    /// Calls `body` with the column-major storage.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with mutable column-major storage (copy-on-write happens first if shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Double>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    /// A readable description.
    public var description: String {
        var lines: [String] = []
        for i in 0..<Swift.min(rows, 8) {
            let entries = (0..<Swift.min(columns, 8)).map { String(self[i, $0]) }
            lines.append("[" + entries.joined(separator: ", ") + (columns > 8 ? ", …" : "") + "]")
        }
        if rows > 8 { lines.append("…") }
        return "Matrix \(rows)×\(columns)\n" + lines.joined(separator: "\n")
    }
}
