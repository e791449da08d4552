import LinearAlgebra

/// An optimal transport problem between two point clouds with a ground cost, for solvers that
/// never store the `n × m` cost matrix (``OnlineSinkhorn``).
///
/// Costs are formed in blocks of rows when they are needed: `O((n + m) d)` memory for the points
/// and one block. Validation and normalization take one pass over the blocks: every cost is
/// checked finite, and with `normalizeCost` divided by the largest. Points of zero mass are legal:
/// solvers drop them and give them zero plan rows or columns and potential `−∞`.
public struct PointCloudProblem: Sendable {
    /// Source weights `r` as given.
    public let source: [Double]
    /// Target weights `c` as given.
    public let target: [Double]
    /// Source points, one per row (`n × d`).
    public let sourcePoints: Matrix
    /// Target points, one per row (`m × d`).
    public let targetPoints: Matrix
    /// The ground cost.
    public let groundCost: GroundCost
    /// The factor costs are divided by (`max C` with normalization, otherwise 1).
    public let costScale: Double
    /// The common total mass `M = Σ r`.
    public let mass: Double
    /// Smallest and largest cost between points of positive mass, after scaling.
    let costBounds: (lower: Double, upper: Double)

    /// Validates the measures and scans the costs once.
    /// - Parameters:
    ///   - source: the source measure, with its support points.
    ///   - target: the target measure, with support points of the same dimension.
    ///   - groundCost: the cost between two points.
    ///   - normalizeCost: divide every cost by the largest, so that `max C = 1`.
    ///   - massTolerance: allowed relative difference of the two masses.
    /// - Throws: `OptimalTransportError.supportMismatch` for a missing support or supports of
    ///   different dimensions, `.massMismatch`, `.nonFiniteCost` where a cost overflows, and the
    ///   ground cost's own errors (a Minkowski exponent below 1).
    public init(source: DiscreteMeasure, target: DiscreteMeasure, groundCost: GroundCost, normalizeCost: Bool = false,
                massTolerance: Double = 1e-9) throws {
        do {
            guard let x = source.support, let y = target.support else {
                throw OptimalTransportError.supportMismatch("a point-cloud problem needs support points for both measures")
            }
            guard x.columns == y.columns else {
                throw OptimalTransportError.supportMismatch("points of dimension \(x.columns) and \(y.columns)")
            }
            guard massTolerance >= 0, massTolerance.isFinite else {
                throw OptimalTransportError.invalidParameter(name: "massTolerance", value: massTolerance, requirement: "must be ≥ 0 and finite")
            }
            let ms = source.totalMass, mt = target.totalMass
            guard abs(ms - mt) <= massTolerance * max(ms, mt) else {
                throw OptimalTransportError.massMismatch(source: ms, target: mt, tolerance: massTolerance)
            }
            // One pass: the largest cost of all (the normalization, as for a dense problem) and
            // the range over the points of positive mass (which continuation schedules refer to).
            var largest = 0.0, lower = Double.infinity, upper = -Double.infinity
            let keptColumns = target.weights.indices.filter { target.weights[$0] > 0 }
            let blocks = CostBlocks(x: x, y: y, groundCost: groundCost, scale: 1, rowsPerBlock: CostBlocks.defaultRows(columns: y.rows))
            try blocks.forEach { rows, block in
                for v in block.elements { largest = max(largest, v) }
                for i in rows where source.weights[i] > 0 {
                    for j in keptColumns {
                        let v = block[i - rows.lowerBound, j]
                        lower = min(lower, v)
                        upper = max(upper, v)
                    }
                }
            }
            let scale = normalizeCost && largest > 0 ? largest : 1
            self.source = source.weights
            self.target = target.weights
            sourcePoints = x
            targetPoints = y
            self.groundCost = groundCost
            costScale = scale
            mass = ms
            costBounds = (lower / scale, upper / scale)
        } catch {
            throw RoutineError.wrapping(error, in: "PointCloudProblem.init")
        }
    }

    /// Number of source points `n`.
    public var rows: Int { source.count }
    /// Number of target points `m`.
    public var columns: Int { target.count }
}

/// Blocks of rows of the cost matrix between two point sets, formed on demand.
struct CostBlocks {
    let x: Matrix
    let y: Matrix
    let groundCost: GroundCost
    /// Costs are divided by this.
    let scale: Double
    let rowsPerBlock: Int

    /// About 2²⁰ entries (8 MB) per block.
    static func defaultRows(columns: Int) -> Int { max(1, (1 << 20) / max(columns, 1)) }

    /// The costs of source points `rows` against every target point (`rows.count × m`).
    func block(_ rows: Range<Int>) throws -> Matrix {
        let part = Matrix(rows: rows.count, columns: x.columns) { i, k in x[rows.lowerBound + i, k] }
        let c = try groundCost.unnamedMatrix(part, y)
        return scale == 1 ? c : c.scaled(by: 1 / scale)
    }

    /// Calls `body` with each block's row range and costs, in order.
    func forEach(_ body: (Range<Int>, Matrix) throws -> Void) throws {
        var start = 0
        while start < x.rows {
            let rows = start..<min(x.rows, start + rowsPerBlock)
            try body(rows, try block(rows))
            start = rows.upperBound
        }
    }
}
