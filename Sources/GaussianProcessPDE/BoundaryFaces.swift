import LinearAlgebra

/// A per-axis factor of a Kronecker product, real or complex (`re + i·im`).
struct ComplexFactor {
    let re: Matrix
    let im: Matrix?

    /// `op(F) x` along one axis for a complex tensor `(xr, xi)` (`xi` nil: real), `op` the
    /// identity or the conjugate transpose.
    func apply(adjoint: Bool, axis: Int, dims: [Int], _ xr: [Double], _ xi: [Double]?) -> ([Double], [Double]?) {
        // Shapes are fixed by the callers.
        func app(_ m: Matrix, _ v: [Double]) -> [Double] { Kronecker.applyUnchecked(m, transposed: adjoint, axis: axis, dimensions: dims, v) }
        guard let ai = im else { return (app(re, xr), xi.map { app(re, $0) }) }
        let rr = app(re, xr), ir = app(ai, xr)
        guard let xi else { return (rr, adjoint ? ir.map { -$0 } : ir) }
        let ri = app(re, xi), ii = app(ai, xi)
        // F = Fr + iFi:  (Fr xr − Fi xi) + i(Fr xi + Fi xr);   Fᴴ: (Frᵀxr + Fiᵀxi) + i(Frᵀxi − Fiᵀxr)
        return adjoint ? (zip(rr, ii).map { $0 + $1 }, zip(ri, ir).map { $0 - $1 })
                       : (zip(rr, ii).map { $0 - $1 }, zip(ri, ir).map { $0 + $1 })
    }

    /// Row `i` as a 1 × n factor.
    func row(_ i: Int) -> ComplexFactor {
        func pick(_ m: Matrix) -> Matrix { Matrix(rows: 1, columns: m.columns) { _, j in m[i, j] } }
        return ComplexFactor(re: pick(re), im: im.map(pick))
    }
}

/// The boundary points of a tensor grid split into disjoint faces (each point belongs to the
/// first axis at whose end it lies), so that the boundary rows of a Kronecker product
/// `B (⊗F_k) x` and their adjoint `(⊗F_k)ᴴ Bᵀ t` cost O(N + n_b Σ n_k) instead of the
/// O(N Σ n_k) of the full product: on face `{i_k = e}` only row `e` of `F_k` is needed, and
/// applying it first shrinks the tensor to the face before the other factors act.
struct BoundaryFaces {
    struct Face {
        let axis: Int
        let end: Int
        /// The face's tensor dimensions (`dims` with axis `axis` of length 1).
        let dims: [Int]
        /// Boundary-point numbers (in the model's boundary order) and their flat index on the face.
        let boundary: [Int]
        let offset: [Int]
    }

    let dims: [Int]
    let faces: [Face]
    let count: Int

    /// - Parameter multi: the boundary points' multi-indices (every point has some index at
    ///   either end of its axis).
    init(dims: [Int], boundary multi: [[Int]]) {
        self.dims = dims
        count = multi.count
        var groups: [[Int]: ([Int], [Int])] = [:]
        var order: [[Int]] = []
        for (j, m) in multi.enumerated() {
            guard let k = (0..<dims.count).first(where: { m[$0] == 0 || m[$0] == dims[$0] - 1 }) else { continue }
            let key = [k, m[k]]
            var faceDims = dims
            faceDims[k] = 1
            var flat = 0
            for a in 0..<dims.count { flat = flat * faceDims[a] + (a == k ? 0 : m[a]) }
            if groups[key] == nil { groups[key] = ([], []); order.append(key) }
            groups[key]!.0.append(j)
            groups[key]!.1.append(flat)
        }
        faces = order.map { key in
            var faceDims = dims
            faceDims[key[0]] = 1
            return Face(axis: key[0], end: key[1], dims: faceDims, boundary: groups[key]!.0, offset: groups[key]!.1)
        }
    }

    /// `B (⊗F_k) x`: the product at the boundary points (in boundary order).
    func rows(_ factors: [ComplexFactor], _ xr: [Double], _ xi: [Double]?) -> (re: [Double], im: [Double]?) {
        var outR = [Double](repeating: 0, count: count)
        var outI: [Double]? = (xi != nil || factors.contains { $0.im != nil }) ? outR : nil
        for face in faces {
            var (tr, ti) = factors[face.axis].row(face.end).apply(adjoint: false, axis: face.axis, dims: dims, xr, xi)
            for k in 0..<dims.count where k != face.axis {
                (tr, ti) = factors[k].apply(adjoint: false, axis: k, dims: face.dims, tr, ti)
            }
            for (j, o) in zip(face.boundary, face.offset) {
                outR[j] = tr[o]
                if outI != nil { outI![j] = ti?[o] ?? 0 }
            }
        }
        return (outR, outI)
    }

    /// `(⊗F_k)ᴴ Bᵀ t` for real `t` on the boundary points.
    func adjoint(_ factors: [ComplexFactor], _ t: [Double]) -> (re: [Double], im: [Double]?) {
        let total = dims.reduce(1, *)
        var outR = [Double](repeating: 0, count: total)
        var outI: [Double]? = factors.contains { $0.im != nil } ? outR : nil
        for face in faces {
            var tr = [Double](repeating: 0, count: face.dims.reduce(1, *))
            for (j, o) in zip(face.boundary, face.offset) { tr[o] = t[j] }
            var ti: [Double]? = nil
            for k in 0..<dims.count where k != face.axis {
                (tr, ti) = factors[k].apply(adjoint: true, axis: k, dims: face.dims, tr, ti)
            }
            (tr, ti) = factors[face.axis].row(face.end).apply(adjoint: true, axis: face.axis, dims: face.dims, tr, ti)
            for i in 0..<total { outR[i] += tr[i] }
            if let ti { for i in 0..<total { outI![i] += ti[i] } }
        }
        return (outR, outI)
    }
}
