import Foundation
import LinearAlgebra

/// Log-domain Sinkhorn on point clouds without a stored cost matrix.
///
/// Every iteration forms the cost matrix block by block, twice: a row pass computes
/// `lse_i = log Σ_j exp(η (y_j − C_ij))` for each block of source points and updates
/// `x_i = (log r_i + 1 − lse_i) / η`; a column pass computes the same sums over `i` block by block
/// and combines them across blocks by a stable (maximum, sum) reduction before it updates `y`.
/// The iterates are those of ``Sinkhorn`` in the log domain (`form: .logDomain`), to round-off.
/// Memory is `O((n + m) d)` for the points plus one block of about 2²² costs (32 MB); time is two
/// passes of `n m` exponentials per iteration plus, for the squared Euclidean cost, one GEMM per
/// block (`‖x‖² + ‖y‖² − 2 X Yᵀ`).
///
/// The marginal error is measured for free in the row pass (the column marginals are exact after
/// a column update), so the solver stops on the iterate that met the tolerance. Large
/// `η · range(C)` run through an ``EtaContinuation`` as the dense solvers do. The plan is never
/// formed unless asked for (``OnlineTransportSolution/plan(maxEntries:)``).
public struct OnlineSinkhorn: Sendable {
    /// The regularization (`ε` or `η`).
    public var regularization: Regularization
    /// L1 marginal error at which to stop (default 1e-6).
    public var tolerance: Double
    /// Iteration cap over all continuation stages (default 10,000).
    public var maxIterations: Int
    /// How `η` is reached (default `.automatic`).
    public var continuation: EtaContinuation
    /// L1 marginal error at which an intermediate continuation stage ends (default 1e-5, as
    /// ``Sinkhorn``).
    public var stageTolerance: Double
    /// Source points per cost block (default nil: about 2²² costs, 32 MB, and at least 256 rows per block). Memory
    /// beyond the points is about `2 · blockRows · m` doubles.
    public var blockRows: Int?
    /// Threads for the log-sum-exp passes (the cost blocks' GEMMs use OpenBLAS's own).
    public var threads: Int

    /// Options with the documented defaults.
    public init(regularization: Regularization, tolerance: Double = 1e-6, maxIterations: Int = 10_000,
                continuation: EtaContinuation = .automatic, stageTolerance: Double = 1e-5, blockRows: Int? = nil,
                threads: Int = Parallel.processorCount) {
        self.blockRows = blockRows
        self.regularization = regularization
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.continuation = continuation
        self.stageTolerance = stageTolerance
        self.threads = threads
    }

    /// Solves the entropic OT problem between the clouds.
    /// - Throws: `OptimalTransportError.invalidParameter` for options out of range,
    ///   `.nonFiniteResult` when the potentials or the cost overflow.
    public func solve(_ problem: PointCloudProblem) throws -> OnlineTransportSolution {
        try RoutineError.naming("OnlineSinkhorn.solve") { try unnamedSolve(problem) }
    }

    func unnamedSolve(_ problem: PointCloudProblem) throws -> OnlineTransportSolution {
        try Sinkhorn.validate(regularization: regularization, tolerance: tolerance, maxIterations: maxIterations,
                              stageTolerance: stageTolerance)
        if let blockRows, blockRows < 1 {
            throw OptimalTransportError.invalidParameter(name: "blockRows", value: Double(blockRows), requirement: "must be at least 1")
        }
        let clock = Stopwatch()
        let state = OnlineIterate(problem: problem, blockRows: blockRows, threads: max(1, threads))
        let etas = try continuation.stages(target: regularization.eta,
                                           costRange: problem.costBounds.upper - problem.costBounds.lower)
        var iterations = 0
        var history: [IterationRecord] = []
        var schedule: [ContinuationStage] = []
        var converged = false
        for (k, eta) in etas.enumerated() {
            let last = k == etas.count - 1
            let target = last ? tolerance : max(tolerance, stageTolerance)
            var stageIterations = 0
            var stageConverged = false
            var error = Double.infinity
            while true {
                // Row pass: the error of the current iterate, then the row update (skipped once
                // the iterate is accepted). The first pass of a cold start has no column update
                // behind it: it only starts the iteration.
                let (rowError, value) = try state.rowPass(eta: eta)
                error = rowError
                let started = iterations + stageIterations > 0
                if started {
                    history.append(IterationRecord(iteration: iterations + stageIterations, stage: .sinkhorn, eta: eta,
                                                   marginalError: error, dualValue: problem.mass * value + problem.mass * Foundation.log(problem.mass) / eta,
                                                   seconds: clock.elapsed,
                                                   cgIterations: 0, stepSize: nil, keptEntries: nil))
                    if error <= target {
                        stageConverged = true
                        break
                    }
                }
                if iterations + stageIterations >= maxIterations || (started && !error.isFinite) { break }
                state.updateRows(eta: eta)
                try state.columnPass(eta: eta)
                stageIterations += 1
            }
            iterations += stageIterations
            schedule.append(ContinuationStage(eta: eta, iterations: stageIterations, marginalError: error, tolerance: target,
                                              converged: stageConverged))
            if last { converged = stageConverged }
            if !stageConverged && iterations >= maxIterations { break }
        }
        if schedule.count < etas.count { converged = false }
        return try state.solution(regularization: regularization, converged: converged, tolerance: tolerance,
                                  iterations: iterations, history: history, schedule: schedule, seconds: clock.elapsed)
    }
}

/// The potentials of an online solve on the points of positive mass, and its two passes.
final class OnlineIterate {
    let problem: PointCloudProblem
    let rowIndex: [Int], columnIndex: [Int]
    let r: [Double], c: [Double]
    let logR: [Double], logC: [Double]
    let blocks: CostBlocks
    let threads: Int
    var x: [Double], y: [Double]
    /// The last row pass's `lse_i`, and the `η` it was computed at.
    var rowSums: [Double]
    var referenceEta = Double.nan
    /// The last column pass's totals `lse_j`, and their `η`.
    var columnTotals: [Double] = []
    var columnReferenceEta = Double.nan
    var n: Int { r.count }
    var m: Int { c.count }

    init(problem p: PointCloudProblem, blockRows: Int?, threads: Int) {
        problem = p
        let ri = p.source.indices.filter { p.source[$0] > 0 }, ci = p.target.indices.filter { p.target[$0] > 0 }
        rowIndex = ri
        columnIndex = ci
        let rs = Summation.compensated(ri.map { p.source[$0] }), cs = Summation.compensated(ci.map { p.target[$0] })
        let rr = ri.map { p.source[$0] / rs }, cc = ci.map { p.target[$0] / cs }
        r = rr
        c = cc
        logR = VectorMath.log(rr)
        logC = VectorMath.log(cc)
        let xs = Matrix(rows: ri.count, columns: p.sourcePoints.columns) { i, k in p.sourcePoints[ri[i], k] }
        let ys = Matrix(rows: ci.count, columns: p.targetPoints.columns) { j, k in p.targetPoints[ci[j], k] }
        blocks = CostBlocks(x: xs, y: ys, groundCost: p.groundCost, scale: p.costScale, rowsPerBlock: blockRows ?? CostBlocks.defaultRows(columns: ys.rows),
                             threads: threads)
        self.threads = threads
        x = [Double](repeating: 0, count: ri.count)
        y = [Double](repeating: 0, count: ci.count)
        rowSums = [Double](repeating: 0, count: ri.count)
    }

    /// `lse_i = log Σ_j exp(η (y_j − C_ij))` for every row; returns the L1 error of the row
    /// marginals `exp(η x_i − 1 + lse_i)` against `r` and the dual value of the current iterate.
    func rowPass(eta: Double) throws -> (error: Double, dual: Double) {
        let offsets = y.map { eta * $0 }
        var lse = [Double](repeating: 0, count: n)
        // The previous pass's sums make each row a single pass (checked, and redone exactly
        // where the estimate is off; see LogSumExp.rows).
        let reference = referenceEta == eta ? rowSums : nil
        let references = reference ?? []
        try blocks.forEach { rows, block in
            offsets.withUnsafeBufferPointer { o in
                lse.withUnsafeMutableBufferPointer { out in
                    references.withUnsafeBufferPointer { ref in
                        LogSumExp.rows(rows: rows.count, columns: m, matrix: block, scale: -eta, columnOffsets: o.baseAddress,
                                       reference: reference == nil ? nil : ref.baseAddress! + rows.lowerBound,
                                       into: out.baseAddress! + rows.lowerBound, threads: threads)
                    }
                }
            }
        }
        rowSums = lse
        referenceEta = eta
        var error = 0.0, mass = 0.0
        for i in 0..<n {
            let a = Foundation.exp(eta * x[i] - 1 + lse[i])
            error += abs(a - r[i])
            mass += a
        }
        let dual = -mass / eta + Summation.compensated(zip(r, x).map { $0 * $1 }) + Summation.compensated(zip(c, y).map { $0 * $1 })
        return (error, dual)
    }

    /// `x_i = (log r_i + 1 − lse_i) / η` from the last row pass.
    func updateRows(eta: Double) {
        for i in 0..<n { x[i] = (logR[i] + 1 - rowSums[i]) / eta }
    }

    /// `y_j = (log c_j + 1 − lse_j) / η` with `lse_j = log Σ_i exp(η (x_i − C_ij))`, reduced over
    /// the row blocks as (maximum, scaled sum) pairs.
    func columnPass(eta: Double) throws {
        let offsets = x.map { eta * $0 }
        var total = [Double](repeating: -.infinity, count: m)
        var partial = [Double](repeating: 0, count: m)
        // Each block's sums against the previous pass's totals: a single pass wherever a block
        // holds a fair share of a column's mass (LogSumExp.columns redoes the others exactly).
        let reference = columnReferenceEta == eta ? columnTotals : nil
        let references = reference ?? []
        try blocks.forEach { rows, block in
            offsets.withUnsafeBufferPointer { o in
                partial.withUnsafeMutableBufferPointer { out in
                    references.withUnsafeBufferPointer { ref in
                        LogSumExp.columns(rows: rows.count, columns: m, matrix: block, scale: -eta,
                                          rowOffsets: o.baseAddress! + rows.lowerBound, reference: reference == nil ? nil : ref.baseAddress,
                                          into: out.baseAddress, threads: threads)
                    }
                }
            }
            for j in 0..<m { total[j] = OnlineIterate.logAddExp(total[j], partial[j]) }
        }
        columnTotals = total
        columnReferenceEta = eta
        for j in 0..<m { y[j] = (logC[j] + 1 - total[j]) / eta }
    }

    /// `log(e^a + e^b)` without overflow; `−∞` is the identity.
    @inline(__always) static func logAddExp(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity { return b }
        if b == -.infinity { return a }
        let top = max(a, b)
        return top + Foundation.log(Foundation.exp(a - top) + Foundation.exp(b - top))
    }

    /// The solution of the problem as given: potentials on every point, the transport cost by a
    /// last pass over the blocks.
    func solution(regularization: Regularization, converged: Bool, tolerance: Double, iterations: Int,
                  history: [IterationRecord], schedule: [ContinuationStage], seconds: Double) throws -> OnlineTransportSolution {
        let eta = regularization.eta
        guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else {
            throw OptimalTransportError.nonFiniteResult("the potentials overflowed (η = \(eta))")
        }
        // ⟨C, P⟩ and the marginal error of the returned iterate, in one more pass.
        var cost = 0.0, compensation = 0.0
        var columnSums = [Double](repeating: 0, count: m)
        var rowMass = [Double](repeating: 0, count: n)
        let capacity = blocks.rowsPerBlock * m
        var exponents = [Double](repeating: 0, count: capacity), plan = [Double](repeating: 0, count: capacity)
        try blocks.forEach { rows, block in
            let count = rows.count * m
            for j in 0..<m {
                for i in 0..<rows.count { exponents[i + j * rows.count] = eta * (x[rows.lowerBound + i] + y[j] - block[i + j * rows.count]) - 1 }
            }
            exponents.withUnsafeBufferPointer { e in
                plan.withUnsafeMutableBufferPointer { VectorMath.exp(UnsafeBufferPointer(rebasing: e[0..<count]), into: UnsafeMutableBufferPointer(rebasing: $0[0..<count])) }
            }
            var blockCost = 0.0
            for j in 0..<m {
                for i in 0..<rows.count {
                    let p = plan[i + j * rows.count]
                    blockCost += p * block[i + j * rows.count]
                    columnSums[j] += p
                    rowMass[rows.lowerBound + i] += p
                }
            }
            let t = cost + (blockCost - compensation)
            compensation = (t - cost) - (blockCost - compensation)
            cost = t
        }
        let error = zip(rowMass, r).reduce(0) { $0 + abs($1.0 - $1.1) } + zip(columnSums, c).reduce(0) { $0 + abs($1.0 - $1.1) }
        let mass = problem.mass
        guard cost.isFinite, error.isFinite else {
            throw OptimalTransportError.nonFiniteResult("the plan at the final potentials overflows (η = \(eta))")
        }
        let shift = Foundation.log(mass) / eta
        var xFull = [Double](repeating: -.infinity, count: problem.rows), yFull = [Double](repeating: -.infinity, count: problem.columns)
        for (k, i) in rowIndex.enumerated() { xFull[i] = x[k] + shift }
        for (k, j) in columnIndex.enumerated() { yFull[j] = y[k] }
        let dual = history.last?.dualValue ?? -.infinity
        return OnlineTransportSolution(
            problem: problem, regularization: regularization, sourcePotential: xFull, targetPotential: yFull,
            transportCost: mass * cost, dualValue: dual,
            marginalError: error, converged: converged && error <= tolerance, tolerance: tolerance, iterations: iterations,
            history: history, schedule: schedule, seconds: seconds)
    }
}
