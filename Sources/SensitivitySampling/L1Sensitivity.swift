import LinearAlgebra

/// Exact ℓ1 sensitivities by a simplex method on vertices: `1/σ_i = min {‖Bx‖₁ : a_iᵀx = 1}` is a
/// linear program in `x ∈ ℝᵈ` whose optimum is attained at a vertex, where `d − 1` rows of `B`
/// (the set `Z`) are orthogonal to `x` and `a_iᵀx = 1`.
///
/// From a vertex, optimality is certified by the dual: with `s_j = sign(b_jᵀx)` off `Z`, there are
/// `u ∈ [−1, 1]^Z` and `λ` with `Σ_{j∉Z} s_j b_j + Σ_{j∈Z} u_j b_j = λ a_i` (the subgradient
/// condition), found by one `d × d` solve. If some `|u_k| > 1`, releasing `k` from `Z` along the
/// edge that keeps the other constraints gives slope `1 − |u_k| < 0`; the exact line search on the
/// piecewise-linear objective walks its breakpoints until the slope turns non-negative, and the row
/// at that breakpoint joins `Z`. Each pivot strictly decreases the objective away from degenerate
/// vertices, and the pivot count is capped.
///
/// The start is a vertex near the ℓ2 minimizer `x = G⁻¹a_i / (a_iᵀG⁻¹a_i)`, `G = BᵀB`: the `d − 1`
/// rows with the smallest residuals there that are linearly independent together with `a_i`.
/// The result is exact to round-off (the objective is summed at a vertex solved directly), which
/// iteratively reweighted least squares reaches only slowly on ℓ1.
struct L1Sensitivity {
    /// `B` row-major (`n × d`).
    let rows: [Double]
    let n: Int
    let d: Int
    /// `G⁻¹ = (BᵀB)⁻¹` (row-major `d × d`), for the starting point.
    let gramInverse: [Double]
    /// A vertex is optimal when every `|u_k| ≤ 1 + dualTolerance`.
    static let dualTolerance = 1e-12
    /// Pivots allowed per row, beyond which the row is reported as not converged.
    let maxPivots: Int

    init(_ b: Matrix, maxPivots: Int) throws {
        n = b.rows
        d = b.columns
        var r = [Double](repeating: 0, count: n * d)
        for j in 0..<d { for i in 0..<n { r[i * d + j] = b[i, j] } }
        rows = r
        let inverse = try Cholesky(try b.multiplied(by: b, transposeSelf: true), jitter: .none).inverse()
        var gi = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { gi[i * d + j] = inverse[i, j] } }
        gramInverse = gi
        self.maxPivots = maxPivots
    }

    struct Outcome {
        var objective: Double
        var pivots: Int
        var converged: Bool
        /// `max_k |u_k| − 1` at the last vertex (≤ dualTolerance when optimal).
        var dualViolation: Double
    }

    @inline(__always) func dot(_ j: Int, _ x: [Double]) -> Double {
        var s = 0.0
        let base = j * d
        for k in 0..<d { s += rows[base + k] * x[k] }
        return s
    }

    /// Solves the `d × d` system `m y = rhs` (row-major `m`, overwritten) by Gaussian elimination
    /// with partial pivoting; nil when singular to working precision.
    static func solve(_ m: inout [Double], _ rhs: inout [Double], _ d: Int) -> [Double]? {
        for c in 0..<d {
            var p = c, best = abs(m[c * d + c])
            for r in (c + 1)..<max(d, c + 1) where abs(m[r * d + c]) > best { p = r; best = abs(m[r * d + c]) }
            guard best > 0, best.isFinite else { return nil }
            if p != c {
                for k in 0..<d { m.swapAt(c * d + k, p * d + k) }
                rhs.swapAt(c, p)
            }
            let pivot = m[c * d + c]
            for r in (c + 1)..<max(d, c + 1) {
                let f = m[r * d + c] / pivot
                if f == 0 { continue }
                for k in c..<d { m[r * d + k] -= f * m[c * d + k] }
                rhs[r] -= f * rhs[c]
            }
        }
        var y = [Double](repeating: 0, count: d)
        for c in stride(from: d - 1, through: 0, by: -1) {
            var s = rhs[c]
            for k in (c + 1)..<max(d, c + 1) { s -= m[c * d + k] * y[k] }
            y[c] = s / m[c * d + c]
        }
        return y.allSatisfy(\.isFinite) ? y : nil
    }

    /// The matrix whose rows are `b_j` (j ∈ Z) and then `a` (row-major), optionally transposed.
    func vertexMatrix(_ z: [Int], _ a: [Double], transposed: Bool) -> [Double] {
        var m = [Double](repeating: 0, count: d * d)
        for (r, j) in z.enumerated() {
            for k in 0..<d {
                if transposed { m[k * d + r] = rows[j * d + k] } else { m[r * d + k] = rows[j * d + k] }
            }
        }
        for k in 0..<d {
            if transposed { m[k * d + d - 1] = a[k] } else { m[(d - 1) * d + k] = a[k] }
        }
        return m
    }

    /// The vertex of `Z`: `b_jᵀx = 0` on `Z`, `aᵀx = 1`.
    func vertex(_ z: [Int], _ a: [Double]) -> [Double]? {
        var m = vertexMatrix(z, a, transposed: false)
        var rhs = [Double](repeating: 0, count: d)
        rhs[d - 1] = 1
        return L1Sensitivity.solve(&m, &rhs, d)
    }

    /// `min {‖Bx‖₁ : aᵀx = 1}` for the constraint row `a` (length d).
    func minimize(_ a: [Double]) -> Outcome {
        if d == 1 {
            let x = [1 / a[0]]
            var f = 0.0
            for j in 0..<n { f += abs(dot(j, x)) }
            return Outcome(objective: f, pivots: 0, converged: true, dualViolation: 0)
        }
        // Start: the ℓ2 minimizer, then d − 1 independent rows of smallest residual.
        var ga = [Double](repeating: 0, count: d)
        for r in 0..<d { for k in 0..<d { ga[r] += gramInverse[r * d + k] * a[k] } }
        let scale = zip(a, ga).reduce(0) { $0 + $1.0 * $1.1 }
        let x2 = ga.map { $0 / scale }
        let residual2 = (0..<n).map { abs(dot($0, x2)) }
        let order = (0..<n).sorted { residual2[$0] < residual2[$1] }
        var basis: [[Double]] = []          // orthonormal basis of span(a, chosen rows)
        func addIfIndependent(_ v: [Double]) -> Bool {
            var w = v
            for q in basis {
                let c = zip(q, w).reduce(0) { $0 + $1.0 * $1.1 }
                for k in 0..<d { w[k] -= c * q[k] }
            }
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let original = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 1e-9 * original, norm > 0 else { return false }
            basis.append(w.map { $0 / norm })
            return true
        }
        _ = addIfIndependent(a)
        var z: [Int] = []
        for j in order where z.count < d - 1 {
            if addIfIndependent(Array(rows[(j * d)..<(j * d + d)])) { z.append(j) }
        }
        guard z.count == d - 1, var x = vertex(z, a) else {
            return Outcome(objective: .nan, pivots: 0, converged: false, dualViolation: .infinity)
        }
        var inZ = [Bool](repeating: false, count: n)
        for j in z { inZ[j] = true }
        var r = (0..<n).map { dot($0, x) }
        var pivots = 0
        var violation = Double.infinity
        var breakpoints: [(t: Double, weight: Double, row: Int)] = []
        breakpoints.reserveCapacity(n)
        while true {
            // g = Σ_{j ∉ Z} sign(r_j) b_j; solve Mᵀ w = −g for w = (u_Z, −λ).
            var g = [Double](repeating: 0, count: d)
            for j in 0..<n where !inZ[j] && r[j] != 0 {
                let s: Double = r[j] > 0 ? 1 : -1
                let base = j * d
                for k in 0..<d { g[k] += s * rows[base + k] }
            }
            var mt = vertexMatrix(z, a, transposed: true)
            var rhs = g.map { -$0 }
            guard let w = L1Sensitivity.solve(&mt, &rhs, d) else { break }
            var leave = -1
            var largest = 1.0
            for (pos, _) in z.enumerated() where abs(w[pos]) > largest { largest = abs(w[pos]); leave = pos }
            violation = largest - 1
            if leave < 0 || violation <= L1Sensitivity.dualTolerance {
                violation = max(violation, 0)
                break
            }
            if pivots >= maxPivots { break }
            // Edge: b_kᵀδ = σ = sign(u_k), other Z rows and a stay at 0.
            let sigma: Double = w[leave] > 0 ? 1 : -1
            var m = vertexMatrix(z, a, transposed: false)
            var e = [Double](repeating: 0, count: d)
            e[leave] = sigma
            guard let delta = L1Sensitivity.solve(&m, &e, d) else { break }
            // Slope at 0+: 1 − |u_k|; crossing breakpoint j adds 2|b_jᵀδ|.
            var slope = 1 - abs(w[leave])
            breakpoints.removeAll(keepingCapacity: true)
            for j in 0..<n where !inZ[j] {
                let dj = dot(j, delta)
                if dj == 0 { continue }
                if r[j] == 0 {
                    // A degenerate row already at zero: |t d_j| adds |d_j| to the slope from t = 0.
                    breakpoints.append((0, abs(dj), j))
                } else if (dj > 0) != (r[j] > 0) {
                    breakpoints.append((-r[j] / dj, 2 * abs(dj), j))
                }
            }
            breakpoints.sort { $0.t < $1.t }
            var enter = -1
            for bp in breakpoints {
                slope += bp.weight
                if slope >= 0 { enter = bp.row; break }
            }
            guard enter >= 0 else { break }     // unbounded below: impossible for a full-rank B
            inZ[z[leave]] = false
            z[leave] = enter
            inZ[enter] = true
            guard let next = vertex(z, a) else { break }
            x = next
            r = (0..<n).map { dot($0, x) }
            for j in z { r[j] = 0 }
            pivots += 1
        }
        var f = 0.0
        for j in 0..<n where !inZ[j] { f += abs(r[j]) }
        return Outcome(objective: f, pivots: pivots, converged: violation <= L1Sensitivity.dualTolerance, dualViolation: violation)
    }
}
