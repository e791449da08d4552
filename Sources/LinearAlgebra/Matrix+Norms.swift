extension Matrix {
    /// Largest absolute entry, `max_ij |a_ij|` (0 for an empty matrix).
    /// - Complexity: O(rows · columns).
    public var maxAbs: Double {
        storage.reduce(0) { Swift.max($0, Swift.abs($1)) }
    }

    /// Frobenius norm `sqrt(Σ a_ij²)`, computed with BLAS `dnrm2` (scaled, no overflow).
    public var frobeniusNorm: Double {
        storage.withUnsafeBufferPointer { UnsafeBLAS.nrm2(count: $0.count, $0.baseAddress!) }
    }

    /// Induced 1-norm: the largest absolute column sum.
    public var oneNorm: Double {
        var best = 0.0
        for j in 0..<columns {
            var s = 0.0
            for i in 0..<rows { s += Swift.abs(storage[i + j * rows]) }
            best = Swift.max(best, s)
        }
        return best
    }

    /// Induced ∞-norm: the largest absolute row sum.
    public var infinityNorm: Double {
        var sums = [Double](repeating: 0, count: rows)
        for j in 0..<columns {
            for i in 0..<rows { sums[i] += Swift.abs(storage[i + j * rows]) }
        }
        return sums.max() ?? 0
    }

    /// Sum of the diagonal entries.
    /// - Throws: `.dimensionMismatch` for a non-square matrix.
    public func trace() throws -> Double {
        try Validate.square(self, routine: "Matrix.trace")
        return diagonal.reduce(0, +)
    }
}
