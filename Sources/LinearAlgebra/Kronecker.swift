/// Kronecker-product algebra that never forms the product.
///
/// Convention (the column-major `vec`): `(A ⊗ B) vec(X) = vec(B X Aᵀ)`, so in a product
/// `A₁ ⊗ A₂ ⊗ … ⊗ A_K` the **last** factor acts on the fastest-varying index of the vector.
/// A grid with axes (x₁, …, x_K) therefore stores its values with x_K varying fastest.
public enum Kronecker {
    /// `y = (A₁ ⊗ A₂ ⊗ … ⊗ A_K) x` for any number of (possibly rectangular) factors, one GEMM
    /// sweep per factor.
    /// - Throws: `.emptyInput` for no factors, `.dimensionMismatch` if `x.count ≠ Π columns(A_t)`.
    /// - Complexity: O(N · Σ_t m_t) for square factors of total size N — instead of O(N²).
    public static func multiply(_ factors: [Matrix], _ x: [Double]) throws -> [Double] {
        let routine = "Kronecker.multiply"
        guard !factors.isEmpty else { throw LinearAlgebraError.emptyInput(routine: routine, argument: "factors") }
        let inputSize = factors.reduce(1) { $0 * $1.columns }
        guard x.count == inputSize else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: routine,
                detail: "factors take a vector of \(inputSize) entries (\(factors.map { "\($0.rows)×\($0.columns)" }.joined(separator: " ⊗ "))), got \(x.count)")
        }
        var dims = factors.map(\.columns)
        var current = x
        for t in stride(from: factors.count - 1, through: 0, by: -1) {
            current = applyUnchecked(factors[t], transposed: false, axis: t, dimensions: dims, current)
            dims[t] = factors[t].rows
        }
        try Validate.finiteResult(current, rows: current.count, routine: routine)
        return current
    }

    /// `y = (I ⊗ … ⊗ op(A) ⊗ … ⊗ I) x`: `A` (or `Aᵀ` when `transposed`) applied along axis `axis`
    /// of a tensor with the given dimensions (last axis fastest); the axis changes length from
    /// `dimensions[axis]` to the rows of `op(A)`.
    /// - Throws: `.dimensionMismatch` if `x.count ≠ Π dimensions`, the axis is out of range, or
    ///   `op(A)` does not take `dimensions[axis]` entries.
    /// - Complexity: O(N m) for a tensor of N entries and `op(A)` with m rows.
    public static func apply(_ a: Matrix, transposed: Bool = false, alongAxis axis: Int, dimensions: [Int],
                             to x: [Double]) throws -> [Double] {
        let routine = "Kronecker.apply"
        guard axis >= 0 && axis < dimensions.count else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "axis \(axis) of a \(dimensions.count)-axis tensor")
        }
        let entries = try Validate.tensorEntries(dimensions, routine: routine)
        guard x.count == entries else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "tensor \(dimensions) has \(entries) entries, got \(x.count)")
        }
        guard (transposed ? a.rows : a.columns) == dimensions[axis] else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "a \(a.rows)×\(a.columns) matrix\(transposed ? " (transposed)" : "") along an axis of length \(dimensions[axis])")
        }
        let y = applyUnchecked(a, transposed: transposed, axis: axis, dimensions: dimensions, x)
        try Validate.finiteResult(y, rows: y.count, routine: routine)
        return y
    }

    /// `apply` without argument checks (callers guarantee the shapes).
    /// `apply` without its checks, for this package's hot loops whose shapes are fixed by
    /// construction; NaN and ∞ propagate (the caller's own checks catch them).
    package static func applyUnchecked(_ a: Matrix, transposed: Bool, axis t: Int, dimensions dims: [Int], _ x: [Double]) -> [Double] {
        let fast = dims[(t + 1)...].reduce(1, *)
        let slow = dims[..<t].reduce(1, *)
        let n = transposed ? a.rows : a.columns, m = transposed ? a.columns : a.rows
        let lda = Swift.max(a.rows, 1)
        var next = [Double](repeating: 0, count: fast * m * slow)
        guard fast * m * slow > 0 && n > 0 else { return next }
        a.withUnsafeBufferPointer { ab in
            x.withUnsafeBufferPointer { xb in
                next.withUnsafeMutableBufferPointer { yb in
                    if fast == 1 {
                        // out (m × slow) = op(A) · X (n × slow)
                        UnsafeBLAS.gemm(transposeA: transposed, transposeB: false, m: m, n: slow, k: n, alpha: 1,
                                        a: ab.baseAddress!, lda: lda, b: xb.baseAddress!, ldb: n,
                                        beta: 0, c: yb.baseAddress!, ldc: m)
                    } else {
                        // for each slow index: out (fast × m) = X (fast × n) · op(A)ᵀ
                        for s in 0..<slow {
                            UnsafeBLAS.gemm(transposeA: false, transposeB: !transposed, m: fast, n: m, k: n, alpha: 1,
                                            a: xb.baseAddress! + s * fast * n, lda: fast,
                                            b: ab.baseAddress!, ldb: lda,
                                            beta: 0, c: yb.baseAddress! + s * fast * m, ldc: fast)
                        }
                    }
                }
            }
        }
        return next
    }

    /// `y = (I ⊗ … ⊗ op(T)⁻¹ ⊗ … ⊗ I) x` for a square triangular `T` (`lower` or upper, `Tᵀ` when
    /// `transposed`) along axis `axis` of a tensor with the given dimensions (last axis fastest):
    /// triangular solves (`dtrsm`), never an explicit inverse. Two such solves with a Cholesky
    /// factor apply `K⁻¹` along an axis as accurately as `Cholesky.solve`.
    /// - Throws: `.dimensionMismatch` as `apply`, `.singular` for a zero on `T`'s diagonal.
    /// - Complexity: O(N n) for a tensor of N entries and an n × n factor.
    public static func solveTriangular(_ t: Matrix, lower: Bool, transposed: Bool = false, alongAxis axis: Int, dimensions dims: [Int],
                                       to x: [Double]) throws -> [Double] {
        let routine = "Kronecker.solveTriangular"
        try Validate.square(t, routine: routine)
        guard axis >= 0 && axis < dims.count else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "axis \(axis) of a \(dims.count)-axis tensor")
        }
        let entries = try Validate.tensorEntries(dims, routine: routine)
        guard x.count == entries else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "tensor \(dims) has \(entries) entries, got \(x.count)")
        }
        let n = dims[axis]
        guard t.rows == n else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "a \(t.rows)×\(t.columns) factor along an axis of length \(n)")
        }
        for i in 0..<n where t[i, i] == 0 { throw LinearAlgebraError.singular(routine: routine, index: i + 1) }
        return solveTriangularUnchecked(t, lower: lower, transposed: transposed, axis: axis, dimensions: dims, x)
    }

    /// `solveTriangular` without its checks (shapes fixed by construction, non-zero diagonal).
    package static func solveTriangularUnchecked(_ t: Matrix, lower: Bool, transposed: Bool, axis: Int, dimensions dims: [Int],
                                                 _ x: [Double]) -> [Double] {
        let n = dims[axis]
        let fast = dims[(axis + 1)...].reduce(1, *)
        let slow = dims[..<axis].reduce(1, *)
        var y = x
        guard !x.isEmpty else { return y }
        t.withUnsafeBufferPointer { tb in
            y.withUnsafeMutableBufferPointer { yb in
                if fast == 1 {
                    // Y (n × slow) = op(T)⁻¹ X
                    UnsafeBLAS.trsm(left: true, lower: lower, transpose: transposed, m: n, n: slow, t: tb.baseAddress!, ldt: n,
                                    b: yb.baseAddress!, ldb: n)
                } else {
                    // each slow slab (fast × n): Y_s = X_s op(T)⁻ᵀ
                    for s in 0..<slow {
                        UnsafeBLAS.trsm(left: false, lower: lower, transpose: !transposed, m: fast, n: n, t: tb.baseAddress!, ldt: n,
                                        b: yb.baseAddress! + s * fast * n, ldb: fast)
                    }
                }
            }
        }
        return y
    }

    /// `X₍ₜ₎ Y₍ₜ₎ᵀ`, the product of the mode-`t` unfoldings of two tensors with the same
    /// dimensions (last axis fastest): the `n_t × n_t` matrix with entries
    /// `M_ij = Σ x[…, i, …] y[…, j, …]`, summed over every index but the one of axis `t`.
    /// It is what the derivative of a Kronecker quadratic form `xᵀ(… ⊗ ∂A_t ⊗ …)y` with respect
    /// to one factor needs: `Σ_ij ∂A_t[i, j] M_ij` when the other factors are the identity.
    /// - Throws: `.dimensionMismatch` if the axis is out of range or either tensor does not have
    ///   `Π dimensions` entries.
    /// - Complexity: O(N n_t) for tensors of N entries.
    public static func unfoldedProduct(_ x: [Double], _ y: [Double], alongAxis t: Int, dimensions dims: [Int]) throws -> Matrix {
        let routine = "Kronecker.unfoldedProduct"
        guard t >= 0 && t < dims.count else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "axis \(t) of a \(dims.count)-axis tensor")
        }
        let total = try Validate.tensorEntries(dims, routine: routine)
        guard x.count == total, y.count == total else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "tensor \(dims) has \(total) entries, got \(x.count) and \(y.count)")
        }
        return unfoldedProductUnchecked(x, y, axis: t, dimensions: dims)
    }

    /// `unfoldedProduct` without its checks (shapes fixed by construction).
    package static func unfoldedProductUnchecked(_ x: [Double], _ y: [Double], axis t: Int, dimensions dims: [Int]) -> Matrix {
        let total = x.count
        let fast = dims[(t + 1)...].reduce(1, *)
        let slow = dims[..<t].reduce(1, *)
        let n = dims[t]
        var m = Matrix(rows: n, columns: n)
        guard total > 0 else { return m }
        m.withUnsafeMutableBufferPointer { mb in
            x.withUnsafeBufferPointer { xb in
                y.withUnsafeBufferPointer { yb in
                    if fast == 1 {
                        // X, Y: n × slow (column-major) → M = X Yᵀ
                        UnsafeBLAS.gemm(transposeA: false, transposeB: true, m: n, n: n, k: slow, alpha: 1,
                                        a: xb.baseAddress!, lda: n, b: yb.baseAddress!, ldb: n, beta: 0, c: mb.baseAddress!, ldc: n)
                    } else {
                        // each slow slab: X_s, Y_s fast × n (column-major) → M += X_sᵀ Y_s
                        for s in 0..<slow {
                            UnsafeBLAS.gemm(transposeA: true, transposeB: false, m: n, n: n, k: fast, alpha: 1,
                                            a: xb.baseAddress! + s * fast * n, lda: fast, b: yb.baseAddress! + s * fast * n, ldb: fast,
                                            beta: s == 0 ? 0 : 1, c: mb.baseAddress!, ldc: n)
                        }
                    }
                }
            }
        }
        return m
    }

    /// The explicit product `A₁ ⊗ … ⊗ A_K` (for tests and small problems only).
    /// - Complexity: O(Π rows · Π columns) memory.
    public static func product(_ factors: [Matrix]) -> Matrix {
        guard var result = factors.first else { return Matrix(rows: 1, columns: 1, repeating: 1) }
        for b in factors.dropFirst() {
            let a = result
            var c = Matrix(rows: a.rows * b.rows, columns: a.columns * b.columns)
            for ja in 0..<a.columns {
                for ia in 0..<a.rows {
                    let s = a[ia, ja]
                    for jb in 0..<b.columns {
                        for ib in 0..<b.rows { c[ia * b.rows + ib, ja * b.columns + jb] = s * b[ib, jb] }
                    }
                }
            }
            result = c
        }
        return result
    }

    /// `log det(A₁ ⊗ … ⊗ A_K) = Σ_t (N / n_t) log det A_t`, from the factors' log-determinants and
    /// orders (`N = Π n_t`).
    /// - Throws: `.dimensionMismatch` if the two arrays differ in length.
    public static func logDeterminant(factorLogDeterminants: [Double], orders: [Int]) throws -> Double {
        guard factorLogDeterminants.count == orders.count else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: "Kronecker.logDeterminant",
                detail: "\(factorLogDeterminants.count) log-determinants for \(orders.count) factors")
        }
        let total = try Validate.tensorEntries(orders, routine: "Kronecker.logDeterminant", argument: "orders")
        var s = 0.0
        for (ld, n) in zip(factorLogDeterminants, orders) { s += Double(total / Swift.max(n, 1)) * ld }
        return s
    }

    /// `log det(A₁ ⊗ … ⊗ A_K)` for symmetric positive definite factors (Cholesky of each factor).
    /// - Throws: whatever `Cholesky` throws for a factor.
    public static func logDeterminant(ofPositiveDefinite factors: [Matrix], jitter: CholeskyJitter = .none) throws -> Double {
        let choleskys = try factors.map { try Cholesky($0, jitter: jitter) }
        return try logDeterminant(factorLogDeterminants: choleskys.map(\.logDeterminant), orders: factors.map(\.rows))
    }
}
