extension Matrix {
    /// Entrywise sum `self + other`.
    /// - Throws: `.dimensionMismatch` unless the shapes agree.
    public func adding(_ other: Matrix) throws -> Matrix {
        try checkSameShape(other, routine: "Matrix.adding")
        var m = self
        m.storage.withUnsafeMutableBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                UnsafeBLAS.axpy(count: a.count, alpha: 1, x: b.baseAddress!, y: a.baseAddress!)
            }
        }
        return m
    }

    /// Entrywise difference `self − other`.
    /// - Throws: `.dimensionMismatch` unless the shapes agree.
    public func subtracting(_ other: Matrix) throws -> Matrix {
        try checkSameShape(other, routine: "Matrix.subtracting")
        var m = self
        m.storage.withUnsafeMutableBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                UnsafeBLAS.axpy(count: a.count, alpha: -1, x: b.baseAddress!, y: a.baseAddress!)
            }
        }
        return m
    }

    /// `alpha · self`.
    public func scaled(by alpha: Double) -> Matrix {
        var m = self
        for k in 0..<m.storage.count { m.storage[k] *= alpha }
        return m
    }

    /// Adds `value` to every diagonal entry in place (a ridge or jitter shift).
    public mutating func addToDiagonal(_ value: Double) {
        let n = Swift.min(rows, columns)
        for i in 0..<n { storage[i + i * rows] += value }
    }

    /// The matrix product `op(self) · op(other)`, where `op` transposes when asked (BLAS `dgemm`).
    /// - Throws: `.dimensionMismatch` when the inner dimensions differ.
    /// - Complexity: O(m · n · k) floating-point operations.
    public func multiplied(
        by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false
    ) throws -> Matrix {
        let m = transposeSelf ? columns : rows
        let n = transposeOther ? other.rows : other.columns
        var c = Matrix(rows: m, columns: n)
        try BLAS.gemm(self, other, transposeA: transposeSelf, transposeB: transposeOther, into: &c)
        return c
    }

    /// The matrix–vector product `op(self) · x` (BLAS `dgemv`).
    /// - Throws: `.dimensionMismatch` when `x` has the wrong length.
    public func multiplied(by x: [Double], transposed: Bool = false) throws -> [Double] {
        var y = [Double](repeating: 0, count: transposed ? columns : rows)
        try BLAS.gemv(self, x, transpose: transposed, into: &y)
        return y
    }

    func checkSameShape(_ other: Matrix, routine: String) throws {
        guard rows == other.rows, columns == other.columns else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: routine, detail: "\(rows)×\(columns) and \(other.rows)×\(other.columns)")
        }
    }
}
