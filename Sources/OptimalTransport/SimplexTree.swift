import LinearAlgebra

/// The spanning-tree basis of the network simplex on the complete bipartite graph of a
/// transportation problem, and its pivots.
///
/// Nodes `0..<n` are sources (supply `r_i`), `n..<n+m` sinks (demand `c_j`), and node `n + m` an
/// artificial root. Arc `i·m + j` goes from source `i` to sink `j` with cost `C_ij`; artificial arc
/// `n·m + u` joins node `u` to the root (`u → root` for a source, `root → u` for a sink) with cost
/// `M = max C` (1 for an all-zero cost). Any flow through the root costs `2M > max C` per unit
/// more than some direct arc, so no optimal flow uses it, and `M` stays at the scale of the costs
/// (a big-M in the thousands would cost the potentials their last digits).
///
/// The tree is stored by node: parent, the tree arc to the parent, its direction and its flow
/// (non-tree arcs carry no flow: arcs are uncapacitated), depth, sibling lists of children and the
/// potential `π` with reduced costs `c(s → t) + π_s − π_t`, zero on tree arcs. No per-arc array
/// exists: memory is `O(n + m)` beside the cost. Pivots keep the tree strongly feasible (every
/// zero-flow arc points toward the root) by leaving on the last blocking arc of the cycle in the
/// direction of flow from the apex (Cunningham's rule), which rules out cycling.
final class SimplexTree {
    let n: Int, m: Int, nodes: Int, root: Int
    let realArcs: Int, arcCount: Int
    /// Row-major costs `C_ij` at `i·m + j`.
    let cost: UnsafeMutablePointer<Double>
    let artificialCost: Double
    let parent: UnsafeMutablePointer<Int>
    let pred: UnsafeMutablePointer<Int>
    /// Whether the tree arc to the parent points from the node to its parent.
    let up: UnsafeMutablePointer<Bool>
    let flow: UnsafeMutablePointer<Double>
    let depth: UnsafeMutablePointer<Int>
    let firstChild: UnsafeMutablePointer<Int>
    let nextSibling: UnsafeMutablePointer<Int>
    let previousSibling: UnsafeMutablePointer<Int>
    let pi: UnsafeMutablePointer<Double>
    let stack: UnsafeMutablePointer<Int>
    let path: UnsafeMutablePointer<Int>
    /// Next arc the block search looks at.
    var nextArc = 0

    /// The star basis: every source sends its supply to the root, the root every sink its demand.
    /// Costs are divided by `costUnit` (potentials are then in that unit).
    init(cost c: Matrix, supply r: [Double], demand d: [Double], costUnit: Double = 1) {
        n = r.count
        m = d.count
        nodes = n + m
        root = nodes
        realArcs = n * m
        arcCount = realArcs + nodes
        let rowMajor = UnsafeMutablePointer<Double>.allocate(capacity: max(n * m, 1))
        var largest = 0.0
        c.withUnsafeBufferPointer { cb in
            for j in 0..<d.count {
                for i in 0..<r.count {
                    let v = costUnit == 1 ? cb[i + j * r.count] : cb[i + j * r.count] / costUnit
                    rowMajor[i * d.count + j] = v
                    largest = max(largest, v)
                }
            }
        }
        cost = rowMajor
        artificialCost = largest > 0 ? largest : 1
        let count = nodes + 1
        parent = .allocate(capacity: count)
        pred = .allocate(capacity: count)
        up = .allocate(capacity: count)
        flow = .allocate(capacity: count)
        depth = .allocate(capacity: count)
        firstChild = .allocate(capacity: count)
        nextSibling = .allocate(capacity: count)
        previousSibling = .allocate(capacity: count)
        pi = .allocate(capacity: count)
        stack = .allocate(capacity: count)
        path = .allocate(capacity: count)
        parent[root] = -1
        pred[root] = -1
        up[root] = false
        flow[root] = 0
        depth[root] = 0
        pi[root] = 0
        firstChild[root] = -1
        nextSibling[root] = -1
        previousSibling[root] = -1
        for u in 0..<nodes {
            parent[u] = root
            pred[u] = realArcs + u
            up[u] = u < n
            flow[u] = u < n ? r[u] : d[u - n]
            depth[u] = 1
            pi[u] = u < n ? -artificialCost : artificialCost
            firstChild[u] = -1
            nextSibling[u] = -1
            previousSibling[u] = -1
            addChild(u, to: root)
        }
    }

    deinit {
        cost.deallocate()
        for p in [parent, pred, depth, firstChild, nextSibling, previousSibling, stack, path] { p.deallocate() }
        up.deallocate()
        flow.deallocate()
        pi.deallocate()
    }

    /// Tail and head of an arc.
    @inline(__always) func endpoints(_ e: Int) -> (Int, Int) {
        if e < realArcs { return (e / m, n + e % m) }
        let u = e - realArcs
        return u < n ? (u, root) : (root, u)
    }

    @inline(__always) func arcCost(_ e: Int) -> Double { e < realArcs ? cost[e] : artificialCost }

    @inline(__always) func reducedCost(_ e: Int) -> Double {
        let (s, t) = endpoints(e)
        return arcCost(e) + pi[s] - pi[t]
    }

    /// Block search: scans arcs cyclically in blocks of `blockSize` and returns the most negative
    /// reduced cost (below `-tolerance`) of the first block that has one, or nil when no arc has
    /// one (the basis is optimal).
    func enteringArc(blockSize: Int, tolerance: Double) -> Int? {
        var best = -1
        var bestValue = -tolerance
        var scanned = 0, inBlock = 0
        let sinks = pi + n
        while scanned < arcCount {
            let e = nextArc
            var length = 1
            if e < realArcs {
                let i = e / m, j0 = e - i * m
                length = min(m - j0, blockSize - inBlock, arcCount - scanned)
                let row = cost + i * m
                let pii = pi[i]
                for j in j0..<(j0 + length) {
                    let value = row[j] + pii - sinks[j]
                    if value < bestValue {
                        bestValue = value
                        best = i * m + j
                    }
                }
            } else {
                let value = reducedCost(e)
                if value < bestValue {
                    bestValue = value
                    best = e
                }
            }
            nextArc = e + length == arcCount ? 0 : e + length
            scanned += length
            inBlock += length
            if inBlock >= blockSize {
                if best >= 0 { return best }
                inBlock = 0
            }
        }
        return best >= 0 ? best : nil
    }

    /// `max(0, −min reduced cost)` over all arcs, relative to the largest cost: the pricing's own
    /// optimality measure.
    func worstReducedCost() -> Double {
        var worst = 0.0
        for i in 0..<n {
            let row = cost + i * m, pii = pi[i]
            for j in 0..<m { worst = min(worst, row[j] + pii - pi[n + j]) }
        }
        for e in realArcs..<arcCount { worst = min(worst, reducedCost(e)) }
        return -worst / artificialCost
    }

    /// Pushes flow around the cycle the entering arc closes and exchanges it with the leaving arc.
    /// Returns the amount pushed (0 for a degenerate pivot), or nil if the cycle has no blocking
    /// arc (impossible on a transportation network: no arc leaves a sink).
    func pivot(entering e: Int) -> Double? {
        let (s, t) = endpoints(e)
        // The apex of the cycle.
        var a = s, b = t
        while a != b {
            if depth[a] > depth[b] {
                a = parent[a]
            } else if depth[b] > depth[a] {
                b = parent[b]
            } else {
                a = parent[a]
                b = parent[b]
            }
        }
        let join = a
        // Flow goes join → … → s → t → … → join. The leaving arc is the last blocking one in that
        // order: on the s side the blocking arc nearest s (strict comparison while climbing from
        // s), on the t side the one nearest the apex (non-strict while climbing from t).
        var delta = Double.infinity
        var leaving = -1
        var leavingOnSourceSide = true
        var w = s
        while w != join {
            if up[w] && flow[w] < delta {
                delta = flow[w]
                leaving = w
            }
            w = parent[w]
        }
        w = t
        while w != join {
            if !up[w] && flow[w] <= delta {
                delta = flow[w]
                leaving = w
                leavingOnSourceSide = false
            }
            w = parent[w]
        }
        guard leaving >= 0 else { return nil }
        if delta > 0 {
            w = s
            while w != join {
                flow[w] += up[w] ? -delta : delta
                w = parent[w]
            }
            w = t
            while w != join {
                flow[w] += up[w] ? delta : -delta
                w = parent[w]
            }
        }
        // Re-hang the subtree below the leaving arc from the entering arc: the path from the
        // entering arc's endpoint on that side up to the leaving node is reversed.
        let sigma = reducedCost(e)
        let a0 = leavingOnSourceSide ? s : t
        let b0 = leavingOnSourceSide ? t : s
        var k = 0
        w = a0
        path[0] = w
        while w != leaving {
            w = parent[w]
            k += 1
            path[k] = w
        }
        // Detach every path node from its parent (the leaving node's link is the leaving arc).
        for q in 0...k { removeChild(path[q]) }
        var carriedPred = e, carriedUp = (a0 == s), carriedFlow = delta
        var newParent = b0
        for q in 0...k {
            let v = path[q]
            let (oldPred, oldUp, oldFlow) = (pred[v], up[v], flow[v])
            parent[v] = newParent
            pred[v] = carriedPred
            up[v] = carriedUp
            flow[v] = carriedFlow
            addChild(v, to: newParent)
            carriedPred = oldPred
            carriedUp = !oldUp
            carriedFlow = oldFlow
            newParent = v
        }
        // Potentials and depths of the moved subtree: the entering arc's reduced cost becomes 0.
        let shift = leavingOnSourceSide ? -sigma : sigma
        var top = 0
        stack[0] = a0
        while top >= 0 {
            let v = stack[top]
            top -= 1
            pi[v] += shift
            depth[v] = depth[parent[v]] + 1
            var child = firstChild[v]
            while child >= 0 {
                top += 1
                stack[top] = child
                child = nextSibling[child]
            }
        }
        return delta
    }

    @inline(__always) func addChild(_ v: Int, to p: Int) {
        let first = firstChild[p]
        nextSibling[v] = first
        previousSibling[v] = -1
        if first >= 0 { previousSibling[first] = v }
        firstChild[p] = v
    }

    @inline(__always) func removeChild(_ v: Int) {
        let p = parent[v]
        let before = previousSibling[v], after = nextSibling[v]
        if before >= 0 { nextSibling[before] = after } else { firstChild[p] = after }
        if after >= 0 { previousSibling[after] = before }
        nextSibling[v] = -1
        previousSibling[v] = -1
    }
}
