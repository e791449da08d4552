/// A linear map `y = A x` on vectors of length `dimension`, applied without exposing `A`'s storage.
///
/// Implementations must write every entry of `y` and must not keep the buffers.
public protocol LinearOperator {
    /// Length of the vectors the operator maps (it is square).
    var dimension: Int { get }
    /// Writes `A x` into `y`.
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>)
}

/// A dense square matrix as a `LinearOperator` (BLAS `dgemv`).
public struct MatrixOperator: LinearOperator, Sendable {
    /// The matrix.
    public let matrix: Matrix

    /// Wraps a square matrix.
    /// - Throws: `.dimensionMismatch` if `matrix` is not square.
    public init(_ matrix: Matrix) throws {
        try Validate.square(matrix, routine: "MatrixOperator")
        self.matrix = matrix
    }

    /// Order of the matrix.
    public var dimension: Int { matrix.rows }

    /// Writes the operator applied to `x` into `y`.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        guard dimension > 0 else { return }
        matrix.withUnsafeBufferPointer { a in
            UnsafeBLAS.gemv(transpose: false, rows: dimension, columns: dimension, alpha: 1, a: a.baseAddress!,
                            lda: dimension, x: x.baseAddress!, beta: 0, y: y.baseAddress!)
        }
    }
}

/// A `LinearOperator` defined by a closure.
public struct ClosureOperator: LinearOperator {
    /// Length of the vectors the operator maps.
    public let dimension: Int
    let body: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void

    /// An operator of the given dimension whose action is `body(x, y)` (write `A x` into `y`).
    public init(dimension: Int, _ body: @escaping (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void) {
        precondition(dimension >= 0, "ClosureOperator: negative dimension")
        self.dimension = dimension
        self.body = body
    }

    /// Writes the operator applied to `x` into `y`.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) { body(x, y) }
}

/// The diagonal operator `y = d ⊙ x`; as a preconditioner, pass the *inverse* diagonal
/// (`JacobiPreconditioner` does that for you).
public struct DiagonalOperator: LinearOperator, Sendable {
    /// The diagonal.
    public let diagonal: [Double]
    /// The operator `x ↦ diagonal ⊙ x`.
    public init(_ diagonal: [Double]) { self.diagonal = diagonal }
    /// Length of the diagonal.
    public var dimension: Int { diagonal.count }
    /// Writes the operator applied to `x` into `y`.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        diagonal.withUnsafeBufferPointer { d in
            for i in 0..<d.count { y[i] = d[i] * x[i] }
        }
    }
}

/// Jacobi (diagonal) preconditioner `M⁻¹ = diag(1 / a_ii)`.
public struct JacobiPreconditioner: LinearOperator, Sendable {
    let inverse: [Double]
    /// Builds the preconditioner from the operator's diagonal.
    /// - Throws: `.invalidArgument` if some diagonal entry is not positive and finite.
    public init(diagonal: [Double]) throws {
        for (i, d) in diagonal.enumerated() where !(d > 0 && d.isFinite) {
            throw LinearAlgebraError.invalidArgument(
                routine: "JacobiPreconditioner", argument: "diagonal[\(i)]", reason: "must be positive and finite, got \(d)")
        }
        inverse = diagonal.map { 1 / $0 }
    }
    /// Length of the diagonal.
    public var dimension: Int { inverse.count }
    /// Writes the operator applied to `x` into `y`.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        inverse.withUnsafeBufferPointer { d in
            for i in 0..<d.count { y[i] = d[i] * x[i] }
        }
    }
}

/// The identity, used when no preconditioner is given.
public struct IdentityOperator: LinearOperator, Sendable {
    /// Length of the vectors the operator maps.
    public let dimension: Int
    /// The identity on vectors of length `dimension`.
    public init(dimension: Int) { self.dimension = dimension }
    /// Writes the operator applied to `x` into `y`.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<dimension { y[i] = x[i] }
    }
}
