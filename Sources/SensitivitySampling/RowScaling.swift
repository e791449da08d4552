import LinearAlgebra

/// Helpers on row-scaled matrices shared by Lewis weights, regression and sampling.
enum RowScaling {
    /// `diag(s) A` (each row multiplied by its factor).
    static func scaled(_ a: Matrix, _ s: [Double]) -> Matrix {
        var out = a
        let n = a.rows
        out.withUnsafeMutableBufferPointer { x in
            for j in 0..<a.columns {
                let col = x.baseAddress! + j * n
                for i in 0..<n { col[i] *= s[i] }
            }
        }
        return out
    }

    /// `Aᵀ diag(w) A` (both triangles) by `dsyrk` on `diag(√w) A`.
    static func gram(_ a: Matrix, weights w: [Double]) throws -> Matrix {
        let b = scaled(a, w.map { $0.squareRoot() })
        var g = Matrix(rows: a.columns, columns: a.columns)
        try BLAS.syrk(b, transpose: true, into: &g)
        return g
    }

    /// `q_i = a_iᵀ M⁻¹ a_i` for a symmetric positive definite `M` (Cholesky + `dtrsm`).
    static func quadraticForms(_ a: Matrix, _ m: Matrix) throws -> [Double] {
        let c = try Cholesky(m, jitter: .escalating)
        var y = a
        try BLAS.trsm(c.factor, lower: true, transpose: true, side: .right, &y)
        return LeverageScores.rowNorms(y)
    }

    /// Selected rows of `A`, each multiplied by its factor.
    static func rows(_ a: Matrix, _ indices: [Int], factors: [Double]) -> Matrix {
        let k = indices.count, n = a.rows
        var out = Matrix(rows: k, columns: a.columns)
        a.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                for j in 0..<a.columns {
                    for (r, i) in indices.enumerated() { o[r + j * k] = factors[r] * x[i + j * n] }
                }
            }
        }
        return out
    }
}
