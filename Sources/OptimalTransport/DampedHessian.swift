import LinearAlgebra

/// `H + μ diag(H)`, the Levenberg–Marquardt-damped sparsified Hessian.
struct DampedHessian: LinearOperator {
    let hessian: SparseHessian
    let diagonal: [Double]
    let damping: Double
    var dimension: Int { hessian.dimension }
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        hessian.apply(x, into: y)
        if damping > 0 {
            for k in 0..<diagonal.count { y[k] += damping * diagonal[k] * x[k] }
        }
    }
}
