import LinearAlgebra

/// The sparsified negative Hessian of the entropic dual used by SNS's Newton step:
///
///     H = η [[diag(P1), P_S], [P_Sᵀ, diag(Pᵀ1)]]   (= −∇²f with P replaced by P_S off the diagonal)
///
/// where `P_S` keeps a subset `S` of the plan's entries chosen by a `SparsityRule`. `H` is
/// positive semidefinite; the gradient `∇f` is orthogonal to its null direction `(1, −1)`, so
/// conjugate gradient started from zero solves `H Δ = ∇f`. As a `LinearOperator` it applies `H`.
public struct SparseHessian: LinearOperator, Sendable {
    /// `η`.
    public let eta: Double
    /// `P1` (exact).
    public let rowDiagonal: [Double]
    /// `Pᵀ1` (exact).
    public let columnDiagonal: [Double]
    /// Compressed-column storage of `P_S`: entries of column `j` are `columnStarts[j]..<columnStarts[j+1]`.
    public let columnStarts: [Int]
    /// Row index of each kept entry.
    public let rowIndices: [Int32]
    /// Value of each kept entry.
    public let values: [Double]
    /// Mass of the kept entries.
    public let keptMass: Double
    /// Mass of the whole plan.
    public let totalMass: Double

    /// Order `n + m`.
    public var dimension: Int { rowDiagonal.count + columnDiagonal.count }
    /// Number of kept off-diagonal entries.
    public var keptEntries: Int { values.count }
    /// Fraction of the plan's mass left out of `P_S`.
    public var leftOutFraction: Double { totalMass > 0 ? max(0, totalMass - keptMass) / totalMass : 0 }

    /// `y = H x`. - Complexity: O(n + m + kept entries).
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let n = rowDiagonal.count, m = columnDiagonal.count
        rowDiagonal.withUnsafeBufferPointer { d1 in
            for i in 0..<n { y[i] = d1[i] * x[i] }
        }
        columnStarts.withUnsafeBufferPointer { cs in
            rowIndices.withUnsafeBufferPointer { ri in
                values.withUnsafeBufferPointer { vals in
                    columnDiagonal.withUnsafeBufferPointer { d2 in
                        for j in 0..<m {
                            let xj = x[n + j]
                            var acc = d2[j] * xj
                            for k in cs[j]..<cs[j + 1] {
                                let i = Int(ri[k])
                                let p = vals[k]
                                y[i] += p * xj
                                acc += p * x[i]
                            }
                            y[n + j] = acc
                        }
                    }
                }
            }
        }
        for k in 0..<(n + m) { y[k] *= eta }
    }

    /// The relative mass rule: every row and every column keeps its largest entries until what it
    /// leaves out is at most `tau` of its own mass. An entry is dropped only when it lies below both
    /// its row's and its column's cut, so each row's and each column's dropped mass is bounded.
    /// Cuts are found per row and column on a histogram of binades relative to the row (column)
    /// sum, which bounds each entry from above: one counting pass and one collecting pass.
    static func buildRelative(plan: UnsafePointer<Double>, n: Int, m: Int, rowSums: [Double], columnSums: [Double],
                              eta: Double, tau: Double) -> SparseHessian {
        let binades = 64
        @inline(__always) func exponent(_ v: Double) -> Int { Int(truncatingIfNeeded: (v.bitPattern >> 52) & 0x7FF) }
        let rowExp = rowSums.map(exponent), colExp = columnSums.map(exponent)
        var rowHist = [Double](repeating: 0, count: n * binades)
        var colHist = [Double](repeating: 0, count: m * binades)
        var planMass = 0.0
        rowHist.withUnsafeMutableBufferPointer { rh in
            colHist.withUnsafeMutableBufferPointer { ch in
                for j in 0..<m {
                    let col = plan + j * n
                    let ej = colExp[j]
                    var colMass = 0.0
                    for i in 0..<n {
                        let v = col[i]
                        guard v > 0 else { continue }
                        let e = exponent(v)
                        rh[i * binades + min(binades - 1, max(0, rowExp[i] - e))] += v
                        ch[j * binades + min(binades - 1, max(0, ej - e))] += v
                        colMass += v
                    }
                    planMass += colMass
                }
            }
        }
        // Cut k: keep binades 0..<k (relative to the sum), drop k...; the largest drop within tau.
        func cuts(_ hist: [Double], _ sums: [Double], _ count: Int) -> [Int] {
            (0..<count).map { i in
                let allowed = tau * sums[i]
                var dropped = 0.0
                var cut = binades
                for k in stride(from: binades - 1, through: 0, by: -1) {
                    if dropped + hist[i * binades + k] > allowed { break }
                    dropped += hist[i * binades + k]
                    cut = k
                }
                return cut
            }
        }
        let rowCut = cuts(rowHist, rowSums, n), colCut = cuts(colHist, columnSums, m)
        return collect(plan: plan, n: n, m: m, rowSums: rowSums, columnSums: columnSums, eta: eta, totalMass: planMass) { i, j, v in
            let e = exponent(v)
            return colExp[j] - e < colCut[j] || rowExp[i] - e < rowCut[i]
        }
    }

    /// Selects the entries of a dense column-major plan (`n × m`) by `rule`.
    /// Selection is by a histogram of the entries' exponent and leading mantissa bits (one pass),
    /// then one collecting pass: no sort of the `n m` entries.
    /// - Complexity: O(n m) plus a sort of one histogram bucket for the fixed budget.
    static func build(plan: UnsafePointer<Double>, n: Int, m: Int, rowSums: [Double], columnSums: [Double],
                      eta: Double, rule: SparsityRule) -> SparseHessian {
        if case .massThreshold(let tau) = rule {
            return buildRelative(plan: plan, n: n, m: m, rowSums: rowSums, columnSums: columnSums, eta: eta, tau: tau)
        }
        let total = n * m
        let buckets = 1 << 16
        var counts = [Int32](repeating: 0, count: buckets)
        var masses = [Double](repeating: 0, count: buckets)
        var planMass = 0.0
        counts.withUnsafeMutableBufferPointer { cnt in
            masses.withUnsafeMutableBufferPointer { ms in
                for k in 0..<total {
                    let v = plan[k]
                    if v > 0 {
                        let key = Int(truncatingIfNeeded: v.bitPattern >> 47)
                        cnt[key] += 1
                        ms[key] += v
                        planMass += v
                    }
                }
            }
        }
        // Threshold bucket and, for a fixed budget, the exact threshold value inside it.
        var thresholdKey = buckets
        var boundaryValue = 0.0
        do {
            let lambda: Double
            if case .fixedBudget(let l) = rule { lambda = l } else if case .entriesPerRow(let kRow) = rule { lambda = kRow / Double(n) } else { lambda = 1 }
            let budget = min(total, Int((lambda * Double(n) * Double(m)).rounded(.up)))
            var above = 0
            thresholdKey = 0
            for k in stride(from: buckets - 1, through: 0, by: -1) where counts[k] > 0 {
                if above + Int(counts[k]) >= budget {
                    thresholdKey = k
                    let need = budget - above
                    var candidates: [Double] = []
                    candidates.reserveCapacity(Int(counts[k]))
                    for e in 0..<total where plan[e] > 0 && Int(truncatingIfNeeded: plan[e].bitPattern >> 47) == k {
                        candidates.append(plan[e])
                    }
                    candidates.sort(by: >)
                    boundaryValue = need > 0 ? candidates[need - 1] : .infinity
                    break
                }
                above += Int(counts[k])
            }
        }
        return collect(plan: plan, n: n, m: m, rowSums: rowSums, columnSums: columnSums, eta: eta, totalMass: planMass) { _, _, v in
            let key = Int(truncatingIfNeeded: v.bitPattern >> 47)
            return key > thresholdKey || (key == thresholdKey && v >= boundaryValue)
        }
    }

    /// The compressed-column Hessian of the positive plan entries that `keep(row, column, value)`
    /// selects (one pass over the plan).
    @inline(__always)
    static func collect(plan: UnsafePointer<Double>, n: Int, m: Int, rowSums: [Double], columnSums: [Double], eta: Double,
                        totalMass: Double, keep: (Int, Int, Double) -> Bool) -> SparseHessian {
        var starts = [Int](repeating: 0, count: m + 1)
        var rowIdx: [Int32] = []
        var vals: [Double] = []
        var kept = 0.0
        for j in 0..<m {
            let col = plan + j * n
            for i in 0..<n {
                let v = col[i]
                if v > 0 && keep(i, j, v) {
                    rowIdx.append(Int32(i))
                    vals.append(v)
                    kept += v
                }
            }
            starts[j + 1] = vals.count
        }
        return SparseHessian(eta: eta, rowDiagonal: rowSums, columnDiagonal: columnSums, columnStarts: starts,
                             rowIndices: rowIdx, values: vals, keptMass: kept, totalMass: totalMass)
    }
}

extension EntropicDual {
    /// The sparsified negative Hessian `H` at the plan `plan` (see `SparseHessian`).
    /// - Throws: `.supportMismatch` for a plan of the wrong shape, `.invalidParameter` for a rule
    ///   out of range.
    public func sparsifiedHessian(plan: Matrix, rule: SparsityRule) throws -> SparseHessian {
        try rule.validate()
        guard plan.rows == rows, plan.columns == columns else {
            throw OptimalTransportError.supportMismatch("plan is \(plan.rows)×\(plan.columns), problem is \(rows)×\(columns)")
        }
        var rs = [Double](repeating: 0, count: rows), cs = [Double](repeating: 0, count: columns)
        for j in 0..<columns { for i in 0..<rows { rs[i] += plan[i, j]; cs[j] += plan[i, j] } }
        return plan.withUnsafeBufferPointer { p in
            SparseHessian.build(plan: p.baseAddress!, n: rows, m: columns, rowSums: rs, columnSums: cs, eta: eta, rule: rule)
        }
    }
}
