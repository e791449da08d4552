import LinearAlgebra

/// A discrete optimal transport problem: source weights `r` (n bins), target weights `c`
/// (m bins, m ≠ n allowed) and an `n × m` cost matrix `C`.
///
/// The two total masses must agree within `massTolerance` (relative). Solvers work on the
/// unit-mass problem `r / Σr`, `c / Σc` and scale plans and objective values back to the common
/// mass `M = Σr` (so a plan's marginals are `r` and, up to the tolerance, `c`). Bins of zero mass
/// are legal: they are dropped internally, get zero plan rows/columns and potential `−∞`.
public struct TransportProblem: Sendable {
    /// Source weights `r` as given.
    public let source: [Double]
    /// Target weights `c` as given.
    public let target: [Double]
    /// The cost matrix actually used (divided by `costScale` when normalization was requested).
    public let cost: Matrix
    /// The factor the given cost was divided by (`max C` with normalization, otherwise 1): a
    /// transport cost of this problem times `costScale` is the cost in the original units.
    public let costScale: Double
    /// The common total mass `M = Σ r`.
    public let mass: Double

    /// Validates and stores a problem.
    /// - Parameters:
    ///   - source: the source weights `r` (length n).
    ///   - target: the target weights `c` (length m).
    ///   - cost: the `n × m` cost matrix `C`.
    ///   - normalizeCost: divide the cost by its maximum so that `max C = 1` (Tang et al.'s
    ///     benchmarks do this; the regularization then refers to the normalized cost).
    ///   - massTolerance: allowed relative difference of `Σr` and `Σc`.
    /// - Throws: `OptimalTransportError` for empty or zero-mass measures, NaN/Inf or negative
    ///   weights, masses that differ, a cost of the wrong shape, NaN/Inf or negative costs.
    public init(source: [Double], target: [Double], cost: Matrix,
                normalizeCost: Bool = false, massTolerance: Double = 1e-9) throws {
        do {
            let r = try DiscreteMeasure(weights: source, name: "source")
            let c = try DiscreteMeasure(weights: target, name: "target")
            try self.init(source: r, target: c, cost: cost, normalizeCost: normalizeCost, massTolerance: massTolerance)
        } catch {
            throw RoutineError.wrapping(error, in: "TransportProblem.init")
        }
    }

    /// A problem between two validated measures with an explicit cost matrix.
    public init(source: DiscreteMeasure, target: DiscreteMeasure, cost: Matrix,
                normalizeCost: Bool = false, massTolerance: Double = 1e-9) throws {
        do {
            guard massTolerance >= 0, massTolerance.isFinite else {
                throw OptimalTransportError.invalidParameter(name: "massTolerance", value: massTolerance, requirement: "must be ≥ 0 and finite")
            }
            let ms = source.totalMass, mt = target.totalMass
            guard abs(ms - mt) <= massTolerance * max(ms, mt) else {
                throw OptimalTransportError.massMismatch(source: ms, target: mt, tolerance: massTolerance)
            }
            guard cost.rows == source.count, cost.columns == target.count else {
                throw OptimalTransportError.costShapeMismatch(rows: cost.rows, columns: cost.columns,
                                                             expectedRows: source.count, expectedColumns: target.count)
            }
            if let bad = Validate.firstNonFiniteIndex(cost) {
                throw OptimalTransportError.nonFiniteCost(row: bad.row, column: bad.column)
            }
            var largest = 0.0
            for j in 0..<cost.columns {
                for i in 0..<cost.rows {
                    let v = cost[i, j]
                    if v < 0 { throw OptimalTransportError.negativeCost(row: i, column: j, value: v) }
                    largest = max(largest, v)
                }
            }
            let scale = normalizeCost && largest > 0 ? largest : 1
            self.source = source.weights
            self.target = target.weights
            self.cost = scale == 1 ? cost : cost.scaled(by: 1 / scale)
            self.costScale = scale
            self.mass = ms
        } catch {
            throw RoutineError.wrapping(error, in: "TransportProblem.init")
        }
    }

    /// A problem between two measures with support points and a ground cost.
    /// - Throws: as the other initializers, and `.supportMismatch` when a support is missing.
    public init(source: DiscreteMeasure, target: DiscreteMeasure, groundCost: GroundCost,
                normalizeCost: Bool = false, massTolerance: Double = 1e-9) throws {
        do {
            guard let x = source.support, let y = target.support else {
                throw OptimalTransportError.supportMismatch("a ground cost needs support points for both measures")
            }
            try self.init(source: source, target: target, cost: try groundCost.matrix(x, y),
                          normalizeCost: normalizeCost, massTolerance: massTolerance)
        } catch {
            throw RoutineError.wrapping(error, in: "TransportProblem.init")
        }
    }

    /// Number of source bins `n`.
    public var rows: Int { source.count }
    /// Number of target bins `m`.
    public var columns: Int { target.count }
}

/// The unit-mass problem on the bins of positive mass, which every solver works on.
struct ReducedProblem: Sendable {
    /// Indices of the source / target bins kept (positive mass).
    let rowIndex: [Int]
    let columnIndex: [Int]
    /// Unit-mass weights on the kept bins.
    let r: [Double]
    let c: [Double]
    /// Cost restricted to the kept bins.
    let cost: Matrix
    /// Total mass of the original problem.
    let mass: Double
    let fullRows: Int
    let fullColumns: Int

    init(_ p: TransportProblem) {
        let ri = p.source.indices.filter { p.source[$0] > 0 }
        let ci = p.target.indices.filter { p.target[$0] > 0 }
        let rs = Summation.compensated(ri.map { p.source[$0] })
        let cs = Summation.compensated(ci.map { p.target[$0] })
        rowIndex = ri
        columnIndex = ci
        r = ri.map { p.source[$0] / rs }
        c = ci.map { p.target[$0] / cs }
        if ri.count == p.rows && ci.count == p.columns {
            cost = p.cost
        } else {
            cost = Matrix(rows: ri.count, columns: ci.count) { i, j in p.cost[ri[i], ci[j]] }
        }
        mass = p.mass
        fullRows = p.rows
        fullColumns = p.columns
    }

    var n: Int { r.count }
    var m: Int { c.count }

    /// `max C − min C` over the kept bins.
    var costRange: Double {
        cost.withUnsafeBufferPointer { b in
            var low = Double.infinity, high = -Double.infinity
            for v in b { low = min(low, v); high = max(high, v) }
            return b.isEmpty ? 0 : high - low
        }
    }
}
