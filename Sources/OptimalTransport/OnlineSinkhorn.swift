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
        try validate()
        let clock = Stopwatch()
        let state = OnlineIterate(problem: problem, blockRows: blockRows, threads: max(1, threads))
        let run = try iterate(state, costRange: problem.costBounds.upper - problem.costBounds.lower, reductions: .local, clock: clock)
        return try state.solution(problem: problem, regularization: regularization, run: run, tolerance: tolerance,
                                  seconds: clock.elapsed)
    }

    /// Throws `.invalidParameter` for options out of range.
    package func validate() throws {
        try Sinkhorn.validate(regularization: regularization, tolerance: tolerance, maxIterations: maxIterations,
                              stageTolerance: stageTolerance)
        if let blockRows, blockRows < 1 {
            throw OptimalTransportError.invalidParameter(name: "blockRows", value: Double(blockRows), requirement: "must be at least 1")
        }
    }

    /// How an online iteration ran.
    package struct Run {
        /// Iterations over all stages.
        package var iterations: Int
        /// Per-iteration records.
        package var history: [IterationRecord]
        /// The continuation as it ran.
        package var schedule: [ContinuationStage]
        /// Whether the target stage met the tolerance.
        package var converged: Bool
    }

    /// The continuation and the Sinkhorn iterations on `state`, whose rows may be one shard of
    /// the source points: the marginal error and the dual value of the row pass, and the column
    /// log-sum-exps, go through `reductions`, so every shard takes the same decisions.
    package func iterate(_ state: OnlineIterate, costRange: Double, reductions: Reductions, clock: Stopwatch) throws -> Run {
        let etas = try continuation.stages(target: regularization.eta, costRange: costRange)
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
                let (rowError, value) = try state.rowPass(eta: eta, reductions: reductions)
                error = rowError
                let started = iterations + stageIterations > 0
                if started {
                    history.append(IterationRecord(iteration: iterations + stageIterations, stage: .sinkhorn, eta: eta,
                                                   marginalError: error, dualValue: state.mass * value + state.mass * Foundation.log(state.mass) / eta,
                                                   seconds: clock.elapsed,
                                                   cgIterations: 0, stepSize: nil, keptEntries: nil))
                    if error <= target {
                        stageConverged = true
                        break
                    }
                }
                if iterations + stageIterations >= maxIterations || (started && !error.isFinite) { break }
                state.updateRows(eta: eta)
                try state.columnPass(eta: eta, reductions: reductions)
                stageIterations += 1
            }
            iterations += stageIterations
            schedule.append(ContinuationStage(eta: eta, iterations: stageIterations, marginalError: error, tolerance: target,
                                              converged: stageConverged))
            if last { converged = stageConverged }
            if !stageConverged && iterations >= maxIterations { break }
        }
        if schedule.count < etas.count { converged = false }
        return Run(iterations: iterations, history: history, schedule: schedule, converged: converged)
    }
}

/// The potentials of an online solve on the points of positive mass, and its two passes.
package final class OnlineIterate {
    /// The common mass of the problem (all shards).
    let mass: Double
    package let rowIndex: [Int], columnIndex: [Int]
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

    convenience init(problem p: PointCloudProblem, blockRows: Int?, threads: Int) {
        let rs = Summation.compensated(p.source.filter { $0 > 0 })
        self.init(sourcePoints: p.sourcePoints, sourceWeights: p.source, sourceTotal: rs, targetPoints: p.targetPoints,
                  targetWeights: p.target, groundCost: p.groundCost, costScale: p.costScale, mass: p.mass,
                  blockRows: blockRows, threads: threads)
    }

    /// The iterate on source points that may be one shard of the whole source cloud: the
    /// weights are divided by `sourceTotal`, the positive source weights' total over all shards,
    /// and costs by `costScale` (the problem's, over all shards). Zero-mass points are dropped.
    package init(sourcePoints: Matrix, sourceWeights: [Double], sourceTotal: Double, targetPoints: Matrix,
                 targetWeights: [Double], groundCost: GroundCost, costScale: Double, mass: Double, blockRows: Int?, threads: Int) {
        self.mass = mass
        let ri = sourceWeights.indices.filter { sourceWeights[$0] > 0 }, ci = targetWeights.indices.filter { targetWeights[$0] > 0 }
        rowIndex = ri
        columnIndex = ci
        let cs = Summation.compensated(ci.map { targetWeights[$0] })
        let rr = ri.map { sourceWeights[$0] / sourceTotal }, cc = ci.map { targetWeights[$0] / cs }
        r = rr
        c = cc
        logR = VectorMath.log(rr)
        logC = VectorMath.log(cc)
        let xs = Matrix(rows: ri.count, columns: sourcePoints.columns) { i, k in sourcePoints[ri[i], k] }
        let ys = Matrix(rows: ci.count, columns: targetPoints.columns) { j, k in targetPoints[ci[j], k] }
        blocks = CostBlocks(x: xs, y: ys, groundCost: groundCost, scale: costScale,
                            rowsPerBlock: blockRows ?? CostBlocks.defaultRows(columns: ys.rows), threads: threads)
        self.threads = threads
        x = [Double](repeating: 0, count: ri.count)
        y = [Double](repeating: 0, count: ci.count)
        rowSums = [Double](repeating: 0, count: ri.count)
    }

    /// The source potentials of this iterate's points of positive mass (in the order of
    /// `rowIndex`), before the mass shift.
    package var sourcePotentials: [Double] { x }
    /// The target potentials of the points of positive mass (in the order of `columnIndex`).
    package var targetPotentials: [Double] { y }

    /// `lse_i = log Σ_j exp(η (y_j − C_ij))` for every row; returns the L1 error of the row
    /// marginals `exp(η x_i − 1 + lse_i)` against `r` and the dual value of the current iterate.
    func rowPass(eta: Double, reductions: Reductions) throws -> (error: Double, dual: Double) {
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
        let sums = try reductions.sum([error, mass, Summation.compensated(zip(r, x).map { $0 * $1 })])
        let dual = -sums[1] / eta + sums[2] + Summation.compensated(zip(c, y).map { $0 * $1 })
        return (sums[0], dual)
    }

    /// `x_i = (log r_i + 1 − lse_i) / η` from the last row pass.
    func updateRows(eta: Double) {
        for i in 0..<n { x[i] = (logR[i] + 1 - rowSums[i]) / eta }
    }

    /// `y_j = (log c_j + 1 − lse_j) / η` with `lse_j = log Σ_i exp(η (x_i − C_ij))`, reduced over
    /// the row blocks as (maximum, scaled sum) pairs.
    func columnPass(eta: Double, reductions: Reductions) throws {
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
        total = try reductions.logSumExp(total)
        columnTotals = total
        columnReferenceEta = eta
        for j in 0..<m { y[j] = (logC[j] + 1 - total[j]) / eta }
    }

    /// `log(e^a + e^b)` without overflow; `−∞` is the identity.
    @inline(__always) package static func logAddExp(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity { return b }
        if b == -.infinity { return a }
        let top = max(a, b)
        return top + Foundation.log(Foundation.exp(a - top) + Foundation.exp(b - top))
    }

    /// The solution of the problem as given: potentials on every point, the transport cost by a
    /// last pass over the blocks.
    func solution(problem: PointCloudProblem, regularization: Regularization, run: OnlineSinkhorn.Run, tolerance: Double,
                  seconds: Double) throws -> OnlineTransportSolution {
        let eta = regularization.eta
        let (cost, error) = try finalPass(eta: eta, reductions: .local)
        let mass = problem.mass
        let shift = Foundation.log(mass) / eta
        var xFull = [Double](repeating: -.infinity, count: problem.rows), yFull = [Double](repeating: -.infinity, count: problem.columns)
        for (k, i) in rowIndex.enumerated() { xFull[i] = x[k] + shift }
        for (k, j) in columnIndex.enumerated() { yFull[j] = y[k] }
        let dual = run.history.last?.dualValue ?? -.infinity
        return OnlineTransportSolution(
            problem: problem, regularization: regularization, sourcePotential: xFull, targetPotential: yFull,
            transportCost: mass * cost, dualValue: dual,
            marginalError: error, converged: run.converged && error <= tolerance, tolerance: tolerance, iterations: run.iterations,
            history: run.history, schedule: run.schedule, seconds: seconds)
    }

    /// `⟨C, P⟩` of the unit-mass plan and its L1 marginal error, in one more pass over the
    /// blocks; both reduced over the shards.
    /// - Throws: `.nonFiniteResult` when the potentials or the plan overflow.
    package func finalPass(eta: Double, reductions: Reductions) throws -> (cost: Double, marginalError: Double) {
        // Decided over all shards, so that every shard throws or none does.
        let overflowed = try reductions.maximum(x.allSatisfy(\.isFinite) && y.allSatisfy(\.isFinite) ? 0 : 1)
        guard overflowed == 0 else {
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
        columnSums = try reductions.sum(columnSums)
        let rowError = zip(rowMass, r).reduce(0) { $0 + abs($1.0 - $1.1) }
        let totals = try reductions.sum([cost, rowError])
        let error = totals[1] + zip(columnSums, c).reduce(0) { $0 + abs($1.0 - $1.1) }
        guard totals[0].isFinite, error.isFinite else {
            throw OptimalTransportError.nonFiniteResult("the plan at the final potentials overflows (η = \(eta))")
        }
        return (totals[0], error)
    }
}
