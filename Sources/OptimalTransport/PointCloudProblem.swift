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
            let (largest, lower, upper) = try PointCloudProblem.scanCosts(x, source.weights, y, target.weights, groundCost)
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

    /// The largest cost of all, and the smallest and largest between points of positive mass,
    /// in one pass over the cost blocks (`x` may be one shard of the source points).
    /// - Throws: `.nonFiniteCost` (row index within `x`) where a cost overflows.
    package static func scanCosts(_ x: Matrix, _ sourceWeights: [Double], _ y: Matrix, _ targetWeights: [Double],
                                  _ groundCost: GroundCost) throws -> (largest: Double, lower: Double, upper: Double) {
        var largest = 0.0, lower = Double.infinity, upper = -Double.infinity
        let keptColumns = targetWeights.indices.filter { targetWeights[$0] > 0 }
        let blocks = CostBlocks(x: x, y: y, groundCost: groundCost, scale: 1, rowsPerBlock: CostBlocks.defaultRows(columns: y.rows))
        try blocks.forEach { rows, block in
            for k in 0..<(rows.count * y.rows) {
                guard block[k].isFinite else {
                    throw OptimalTransportError.nonFiniteCost(row: rows.lowerBound + k % rows.count, column: k / rows.count)
                }
                largest = max(largest, block[k])
            }
            for i in rows where sourceWeights[i] > 0 {
                for j in keptColumns {
                    let v = block[i - rows.lowerBound + j * rows.count]
                    lower = min(lower, v)
                    upper = max(upper, v)
                }
            }
        }
        return (largest, lower, upper)
    }

    /// Number of source points `n`.
    public var rows: Int { source.count }
    /// Number of target points `m`.
    public var columns: Int { target.count }
}

/// Blocks of rows of the cost matrix between two point sets, formed on demand into one reused
/// buffer.
///
/// The squared Euclidean cost has its own path: points scaled once by a power of two (as
/// ``GroundCost`` does, so no cost changes), their squared norms computed once, and per block one
/// GEMM `−2 X Yᵀ` followed by one pass adding the norms (identical points get an exactly computed
/// cost, as in ``GroundCost``). Other costs are formed by ``GroundCost`` per block.
final class CostBlocks {
    let x: Matrix
    let y: Matrix
    let groundCost: GroundCost
    /// Costs are divided by this.
    let scale: Double
    let rowsPerBlock: Int
    /// Threads for the pass that completes a block.
    let threads: Int
    /// Squared Euclidean path: scaled points, their squared norms, and the factor back to costs.
    private let scaledX: Matrix?, scaledY: Matrix?
    private let normsX: [Double], normsY: [Double]
    private let factor: Double
    private let buffer: UnsafeMutablePointer<Double>

    init(x: Matrix, y: Matrix, groundCost: GroundCost, scale: Double, rowsPerBlock: Int, threads: Int = Parallel.processorCount) {
        self.threads = max(1, threads)
        self.x = x
        self.y = y
        self.groundCost = groundCost
        self.scale = scale
        self.rowsPerBlock = max(1, min(rowsPerBlock, max(x.rows, 1)))
        buffer = .allocate(capacity: max(1, self.rowsPerBlock * y.rows))
        let largest = max(x.elements.map(abs).max() ?? 0, y.elements.map(abs).max() ?? 0)
        if groundCost == .squaredEuclidean && largest > 0 && largest.isFinite {
            let s = Double(sign: .plus, exponent: largest.exponent + 1, significand: 1)
            let sx = x.scaled(by: 1 / s), sy = y.scaled(by: 1 / s)
            scaledX = sx
            scaledY = sy
            normsX = (0..<x.rows).map { i in (0..<x.columns).reduce(0.0) { $0 + sx[i, $1] * sx[i, $1] } }
            normsY = (0..<y.rows).map { j in (0..<y.columns).reduce(0.0) { $0 + sy[j, $1] * sy[j, $1] } }
            factor = s * s / scale
        } else {
            scaledX = nil
            scaledY = nil
            normsX = []
            normsY = []
            factor = 1
        }
    }

    deinit { buffer.deallocate() }

    /// Dimensions up to which squared Euclidean costs are formed from the differences directly.
    static let directDimensions = 8

    /// About 2²² entries (32 MB) per block, and at least 256 rows: the row log-sum-exps split a
    /// block's rows between threads in chunks of at least 64, so thinner blocks ran on one thread
    /// (measured: 52-row blocks at m = 20,000 took 3.6 ns per entry and pass, against 0.7 ns for
    /// the dense solver).
    static func defaultRows(columns: Int) -> Int { max(256, (1 << 22) / max(columns, 1)) }

    /// The costs of source points `rows` against every target point, column-major with leading
    /// dimension `rows.count`, in the reused buffer.
    private func fill(_ rows: Range<Int>) throws -> UnsafeMutablePointer<Double> {
        let r = rows.count, m = y.rows, d = x.columns, out = buffer
        guard let sx = scaledX, let sy = scaledY else {
            let part = Matrix(rows: r, columns: d) { i, k in x[rows.lowerBound + i, k] }
            let c = try groundCost.unnamedMatrix(part, y)
            c.withUnsafeBufferPointer { cb in
                for k in 0..<(r * m) { out[k] = scale == 1 ? cb[k] : cb[k] / scale }
            }
            return out
        }
        guard m > 0, r > 0 else { return out }
        if d == 0 {
            for k in 0..<(r * m) { out[k] = 0 }
            return out
        }
        if d <= CostBlocks.directDimensions {
            // Few coordinates: the differences directly, exact for identical points and cheaper
            // than a GEMM with an inner dimension this small (measured: the GEMM and the pass
            // adding the norms took 2.1 ns per entry at d = 3, n = m = 20,000).
            let xRows = x.rows, first = rows.lowerBound, factor = self.factor, threads = self.threads
            sx.withUnsafeBufferPointer { xb in
                sy.withUnsafeBufferPointer { yb in
                    CostBlocks.squaredDifferences(x: xb.baseAddress! + first, xRows: xRows, y: yb.baseAddress!, m: m, rows: r, d: d,
                                                  factor: factor, into: out, threads: threads)
                }
            }
            return out
        }
        squaredExpansion(rows, sx: sx, sy: sy)
        return out
    }

    /// `‖x‖² + ‖y‖² − 2 X Yᵀ` for many coordinates: one GEMM, one pass adding the norms.
    private func squaredExpansion(_ rows: Range<Int>, sx: Matrix, sy: Matrix) {
        let r = rows.count, m = y.rows, d = x.columns
        let buffer = self.buffer, xRows = x.rows, first = rows.lowerBound, factor = self.factor, threads = self.threads
        sx.withUnsafeBufferPointer { xb in
            sy.withUnsafeBufferPointer { yb in
                UnsafeBLAS.gemm(transposeA: false, transposeB: true, m: r, n: m, k: d, alpha: -2,
                                a: xb.baseAddress! + first, lda: xRows, b: yb.baseAddress!, ldb: m,
                                beta: 0, c: buffer, ldc: r)
                normsX.withUnsafeBufferPointer { nxb in
                    normsY.withUnsafeBufferPointer { nyb in
                        let nx = nxb.baseAddress! + first, ny = nyb.baseAddress!
                        Parallel.forEachChunk(count: m, threads: threads, minimumChunk: max(1, 16_384 / r)) { columns in
                            for j in columns {
                                let column = buffer + j * r, yn = ny[j]
                                // Vectorizable: the costs from the expansion.
                                var smallest = Double.infinity
                                for i in 0..<r {
                                    let v = column[i] + nx[i] + yn
                                    column[i] = v * factor
                                    smallest = Swift.min(smallest, v - 1e-14 * (nx[i] + yn))
                                }
                                guard smallest < 0 else { continue }
                                // Near-identical points: the expansion leaves round-off; compute exactly.
                                for i in 0..<r where column[i] / factor < 1e-14 * (nx[i] + yn) {
                                    var v = 0.0
                                    for k in 0..<d {
                                        let t = xb[first + i + k * xRows] - yb[j + k * m]
                                        v += t * t
                                    }
                                    column[i] = v * factor
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `c_ij = factor · Σ_k (x_ik − y_jk)²` for `rows` source points (column-major, leading
    /// dimension `xRows`) against `m` target points, into `out` (leading dimension `rows`).
    static func squaredDifferences(x: UnsafePointer<Double>, xRows: Int, y: UnsafePointer<Double>, m: Int, rows r: Int, d: Int,
                                   factor: Double, into out: UnsafeMutablePointer<Double>, threads: Int) {
        Parallel.forEachChunk(count: m, threads: threads, minimumChunk: max(1, 16_384 / max(r, 1))) { columns in
            for j in columns {
                let column = out + j * r
                let y0 = y[j]
                for i in 0..<r {
                    let t = x[i] - y0
                    column[i] = t * t
                }
                var k = 1
                while k < d {
                    let xk = x + k * xRows, yk = y[j + k * m]
                    for i in 0..<r {
                        let t = xk[i] - yk
                        column[i] += t * t
                    }
                    k += 1
                }
                for i in 0..<r { column[i] *= factor }
            }
        }
    }

    /// Calls `body` with each block's row range and its costs (column-major, leading dimension
    /// the block's row count), in order. The pointer is valid during the call only.
    func forEach(_ body: (Range<Int>, UnsafePointer<Double>) throws -> Void) throws {
        var start = 0
        while start < x.rows {
            let rows = start..<min(x.rows, start + rowsPerBlock)
            try body(rows, try fill(rows))
            start = rows.upperBound
        }
    }
}

