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
    /// The kept entries again, compressed by row (`rowStarts`, `columnIndices`, `rowValues`), so
    /// that both halves of a product are gathers.
    let rowStarts: [Int]
    let columnIndices: [Int32]
    let rowValues: [Double]
    /// Threads for `apply` (1 unless the solver sets its own).
    var threads = 1

    /// Order `n + m`.
    public var dimension: Int { rowDiagonal.count + columnDiagonal.count }
    /// Number of kept off-diagonal entries.
    public var keptEntries: Int { values.count }
    /// Fraction of the plan's mass left out of `P_S`.
    public var leftOutFraction: Double { totalMass > 0 ? max(0, totalMass - keptMass) / totalMass : 0 }

    /// `y = H x`. - Complexity: O(n + m + kept entries).
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let n = rowDiagonal.count
        // Two gathers, one over the compressed rows and one over the compressed columns: no two
        // chunks write the same entry of y, so both run in parallel without reductions.
        gather(diagonal: rowDiagonal, starts: rowStarts, indices: columnIndices, values: rowValues,
               own: 0, other: n, x: x, y: y)
        gather(diagonal: columnDiagonal, starts: columnStarts, indices: rowIndices, values: values,
               own: n, other: 0, x: x, y: y)
    }

    /// `y[own + k] = η (d_k x[own + k] + Σ_l v_kl x[other + l])` for every compressed line `k`.
    private func gather(diagonal: [Double], starts: [Int], indices: [Int32], values: [Double], own: Int, other: Int,
                        x: UnsafeBufferPointer<Double>, y: UnsafeMutableBufferPointer<Double>) {
        let eta = self.eta
        diagonal.withUnsafeBufferPointer { d in
            starts.withUnsafeBufferPointer { st in
                indices.withUnsafeBufferPointer { idx in
                    values.withUnsafeBufferPointer { v in
                        Parallel.forEachChunk(count: d.count, threads: threads, minimumChunk: SparseHessian.minimumChunk) { range in
                            for k in range {
                                var acc = d[k] * x[own + k]
                                for e in st[k]..<st[k + 1] { acc += v[e] * x[other + Int(idx[e])] }
                                y[own + k] = eta * acc
                            }
                        }
                    }
                }
            }
        }
    }

    /// Rows or columns per parallel chunk of `apply` at the least.
    static let minimumChunk = 256

    /// The relative mass rule: every row and every column keeps its largest entries until what it
    /// leaves out is at most `tau` of its own mass. An entry is dropped only when it lies below both
    /// its row's and its column's cut, so each row's and each column's dropped mass is bounded.
    /// Cuts are found per row and column on a histogram of binades relative to the row (column)
    /// sum, which bounds each entry from above: one counting pass and one collecting pass.
    static func buildRelative(plan: UnsafePointer<Double>, n: Int, m: Int, rowSums: [Double], columnSums: [Double],
                              eta: Double, tau: Double, threads: Int = 1) -> SparseHessian {
        let binades = 64
        @inline(__always) func exponent(_ v: Double) -> Int { Int(truncatingIfNeeded: (v.bitPattern >> 52) & 0x7FF) }
        let rowExp = rowSums.map(exponent), colExp = columnSums.map(exponent)
        // Column chunks: each fills its own columns' histograms and its own copy of the row
        // histograms, merged afterwards.
        let chunks = max(1, min(threads, m / SparseHessian.minimumChunk))
        var rowHists = [Double](repeating: 0, count: chunks * n * binades)
        var colHist = [Double](repeating: 0, count: m * binades)
        var masses = [Double](repeating: 0, count: chunks)
        rowHists.withUnsafeMutableBufferPointer { rhAll in
            colHist.withUnsafeMutableBufferPointer { ch in
                masses.withUnsafeMutableBufferPointer { ms in
                    rowExp.withUnsafeBufferPointer { re in
                        Parallel.forEachChunk(count: chunks, threads: chunks) { range in
                            for chunk in range {
                                let rh = rhAll.baseAddress! + chunk * n * binades
                                var mass = 0.0
                                for j in (m * chunk / chunks)..<(m * (chunk + 1) / chunks) {
                                    let col = plan + j * n
                                    let ej = colExp[j]
                                    for i in 0..<n {
                                        let v = col[i]
                                        guard v > 0 else { continue }
                                        let e = exponent(v)
                                        rh[i * binades + min(binades - 1, max(0, re[i] - e))] += v
                                        ch[j * binades + min(binades - 1, max(0, ej - e))] += v
                                        mass += v
                                    }
                                }
                                ms[chunk] = mass
                            }
                        }
                    }
                }
            }
        }
        for chunk in 1..<max(chunks, 1) {
            for k in 0..<(n * binades) { rowHists[k] += rowHists[chunk * n * binades + k] }
        }
        let planMass = masses.reduce(0, +)
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
        let rowCut = cuts(rowHists, rowSums, n), colCut = cuts(colHist, columnSums, m)
        // An entry is kept when its binade is below its row's or its column's cut: the smallest
        // exponent kept per row and column.
        let rowKeep = (0..<n).map { rowExp[$0] - rowCut[$0] }, colKeep = (0..<m).map { colExp[$0] - colCut[$0] }
        return collect(plan: plan, n: n, m: m, rowSums: rowSums, columnSums: columnSums, eta: eta, totalMass: planMass,
                       threads: threads) { i, j, v in
            let e = exponent(v)
            return e > colKeep[j] || e > rowKeep[i]
        }
    }

    static func build(plan: UnsafePointer<Double>, n: Int, m: Int, rowSums: [Double], columnSums: [Double],
                      eta: Double, rule: SparsityRule, threads: Int = 1) -> SparseHessian {
        if case .massThreshold(let tau) = rule {
            return buildRelative(plan: plan, n: n, m: m, rowSums: rowSums, columnSums: columnSums, eta: eta, tau: tau, threads: threads)
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
    /// selects (one pass over the plan, in parallel column chunks), and its compressed-row copy.
    @inline(__always)
    static func collect(plan: UnsafePointer<Double>, n: Int, m: Int, rowSums: [Double], columnSums: [Double], eta: Double,
                        totalMass: Double, threads: Int = 1, keep: (Int, Int, Double) -> Bool) -> SparseHessian {
        let chunks = max(1, min(threads, m / SparseHessian.minimumChunk))
        var counts = [Int](repeating: 0, count: m + 1)
        var pieces = [(rows: [Int32], values: [Double], kept: Double)](repeating: ([], [], 0), count: chunks)
        counts.withUnsafeMutableBufferPointer { cnt in
            pieces.withUnsafeMutableBufferPointer { pc in
                Parallel.forEachChunk(count: chunks, threads: chunks) { range in
                    for chunk in range {
                        var rows: [Int32] = [], values: [Double] = []
                        var kept = 0.0
                        for j in (m * chunk / chunks)..<(m * (chunk + 1) / chunks) {
                            let col = plan + j * n
                            let before = values.count
                            for i in 0..<n {
                                let v = col[i]
                                if v > 0 && keep(i, j, v) {
                                    rows.append(Int32(i))
                                    values.append(v)
                                    kept += v
                                }
                            }
                            cnt[j + 1] = values.count - before
                        }
                        pc[chunk] = (rows, values, kept)
                    }
                }
            }
        }
        for j in 0..<m { counts[j + 1] += counts[j] }
        let rowIdx = pieces.flatMap(\.rows), vals = pieces.flatMap(\.values)
        let kept = pieces.reduce(0) { $0 + $1.kept }
        let starts = counts
        // The same entries by row: counts, prefix sums, fill in column order.
        var rowStarts = [Int](repeating: 0, count: n + 1)
        for i in rowIdx { rowStarts[Int(i) + 1] += 1 }
        for i in 0..<n { rowStarts[i + 1] += rowStarts[i] }
        var next = rowStarts
        var columnIndices = [Int32](repeating: 0, count: vals.count), rowValues = [Double](repeating: 0, count: vals.count)
        for j in 0..<m {
            for k in starts[j]..<starts[j + 1] {
                let i = Int(rowIdx[k])
                columnIndices[next[i]] = Int32(j)
                rowValues[next[i]] = vals[k]
                next[i] += 1
            }
        }
        return SparseHessian(eta: eta, rowDiagonal: rowSums, columnDiagonal: columnSums, columnStarts: starts,
                             rowIndices: rowIdx, values: vals, keptMass: kept, totalMass: totalMass,
                             rowStarts: rowStarts, columnIndices: columnIndices, rowValues: rowValues)
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
