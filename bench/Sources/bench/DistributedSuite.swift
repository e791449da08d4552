import Foundation
import KantorovichMPI
import LinearAlgebra
import OptimalTransport
import SensitivitySampling
import SlicedWasserstein

/// `bench distributed` (run it under mpirun: `make bench-mpi RANKS=4`): each distributed routine
/// against the single-process routine on the same data. Every rank builds the data from the seed
/// and takes its block of rows; the distributed call is timed between barriers (seconds = the
/// slowest rank), then rank 0 runs the single-process routine on the whole data while the others
/// wait. One record per case and method: `distributed` (`error` = relative difference from the
/// single-process result — for the coreset, the excess of its solution's objective over the full
/// optimum; `extra.bytesSentPerRank` = the largest payload any rank sent,
/// `extra.bytesModelDeviation` = the largest |measured / model − 1| over the ranks) and
/// `single-process`. With more ranks than cores (`--oversubscribe`) ranks share cores: the
/// seconds then measure correctness and communication, not speed-up.
enum DistributedSuite {
    static func run(_ context: inout BenchContext) throws {
        guard let comm = context.communicator else {
            throw DistributedError.invalidParameter(name: "suite", value: .nan, requirement: "the distributed suite needs MPI")
        }
        if comm.rank == 0 { print("\n== distributed (\(comm.size) ranks) ==") }
        let quick = context.quick
        try leverage(&context, comm, n: quick ? 20_000 : 1_000_000, d: 20)
        try lewis(&context, comm, n: quick ? 20_000 : 1_000_000, d: 20)
        try coreset(&context, comm, n: quick ? 20_000 : 200_000, d: 20, size: quick ? 600 : 3_000, cap: quick ? 500 : 2_000)
        try sliced(&context, comm, n: quick ? 5_000 : 200_000, d: 20, L: quick ? 64 : 256)
        try sinkhorn(&context, comm, n: quick ? 2_000 : 20_000)
    }

    /// The distributed call timed between barriers (the slowest rank's seconds) and the bytes each
    /// rank sent, with their deviation from the model.
    struct Measured<T> {
        let result: T
        let seconds: Double
        let largestBytes: Int
        let modelDeviation: Double
    }

    static func measure<T>(_ comm: Communicator, model: (T) -> Int, _ body: () throws -> T) throws -> Measured<T> {
        try comm.barrier()
        comm.resetByteCount()
        let clock = Stopwatch()
        let result = try body()
        let mine = clock.elapsed
        let bytes = comm.bytesSent
        let deviation = abs(Double(bytes) / Double(max(model(result), 1)) - 1)
        let figures = try comm.allreduce([mine, Double(bytes), deviation], .maximum)
        return Measured(result: result, seconds: figures[0], largestBytes: Int(figures[1]), modelDeviation: figures[2])
    }

    /// This rank's rows of `a`.
    static func block(_ a: Matrix, _ comm: Communicator) throws -> (Matrix, Range<Int>) {
        let rows = try RowPartition(total: a.rows, parts: comm.size).range(comm.rank)
        return (a.submatrix(rows: rows, columns: 0..<a.columns), rows)
    }

    static func relativeDifference(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1) / max(abs($1.1), 1e-300)) }
    }

    /// A tall matrix with rows of very different leverage: Gaussian entries, every 1000th row
    /// scaled by 30.
    static func tallMatrix(n: Int, d: Int, seed: UInt64) -> Matrix {
        var g = Xoshiro256StarStar(seed: seed)
        var a = Matrix(rows: n, columns: d) { _, _ in g.nextStandardNormal() }
        for i in stride(from: 0, to: n, by: 1000) { for j in 0..<d { a[i, j] *= 30 } }
        return a
    }

    static func record(_ context: inout BenchContext, _ comm: Communicator, caseName: String, table: inout Table,
                       measured: Measured<some Any>, iterations: Int?, difference: Double, value: Double?, converged: Bool?,
                       modelBytes: Int, referenceSeconds: Double, referenceIterations: Int?, extra: [String: JSONValue]) {
        guard comm.rank == 0 else { return }
        var figures = extra
        figures["ranks"] = .integer(comm.size)
        figures["bytesSentPerRank"] = .integer(measured.largestBytes)
        figures["bytesModelPerRank"] = .integer(modelBytes)
        figures["bytesModelDeviation"] = .number(measured.modelDeviation)
        context.add(Record(suite: "distributed", caseName: caseName, method: "distributed", iterations: iterations,
                           seconds: measured.seconds, error: difference, value: value, baseline: "single-process",
                           converged: converged, extra: figures))
        context.add(Record(suite: "distributed", caseName: caseName, method: "single-process", iterations: referenceIterations,
                           seconds: referenceSeconds, error: nil, value: value, baseline: nil, converged: nil, extra: ["ranks": .integer(1)]))
        table.add(["distributed", Fmt.int(iterations), Fmt.seconds(measured.seconds), Fmt.sci(difference), String(measured.largestBytes),
                   String(modelBytes), Fmt.sci(measured.modelDeviation)])
        table.add(["single-process", Fmt.int(referenceIterations), Fmt.seconds(referenceSeconds), "—", "—", "—", "—"])
        table.print()
    }

    static let headers = ["method", "iterations", "seconds", "rel. difference", "bytes/rank (max)", "model", "model deviation"]

    static func leverage(_ context: inout BenchContext, _ comm: Communicator, n: Int, d: Int) throws {
        let caseName = "leverage-n\(n)-d\(d)"
        Progress.log("distributed: \(caseName)")
        let a = tallMatrix(n: n, d: d, seed: context.seed &+ 21)
        let (local, _) = try block(a, comm)
        let measured = try measure(comm, model: { _ in CommunicationModel.leverageScores(columns: d) }) {
            try DistributedLeverageScores.exact(local, communicator: comm)
        }
        let gathered = try comm.gather(measured.result, root: 0)
        var table = Table("\(caseName): exact leverage scores by tall-skinny QR, \(comm.size) ranks", headers)
        if let gathered {
            let clock = Stopwatch()
            let reference = try LeverageScores.exact(a)
            let seconds = clock.elapsed
            record(&context, comm, caseName: caseName, table: &table, measured: measured, iterations: nil,
                   difference: relativeDifference(gathered.flatMap { $0 }, reference), value: reference.reduce(0, +), converged: nil,
                   modelBytes: CommunicationModel.leverageScores(columns: d), referenceSeconds: seconds, referenceIterations: nil,
                   extra: ["n": .integer(n), "d": .integer(d)])
        }
        try comm.barrier()
    }

    static func lewis(_ context: inout BenchContext, _ comm: Communicator, n: Int, d: Int) throws {
        let caseName = "lewis-p1-n\(n)-d\(d)"
        Progress.log("distributed: \(caseName)")
        let a = tallMatrix(n: n, d: d, seed: context.seed &+ 21)
        let (local, _) = try block(a, comm)
        let options = LewisWeights(p: 1)
        let measured = try measure(comm, model: { CommunicationModel.lewisWeights(columns: d, iterations: $0.iterations) }) {
            try DistributedLewisWeights.compute(local, options: options, communicator: comm)
        }
        let gathered = try comm.gather(measured.result.weights, root: 0)
        var table = Table("\(caseName): ℓ1 Lewis weights, one tall-skinny QR per iteration, \(comm.size) ranks", headers)
        if let gathered {
            let reference = try options.compute(a)
            record(&context, comm, caseName: caseName, table: &table, measured: measured, iterations: measured.result.iterations,
                   difference: relativeDifference(gathered.flatMap { $0 }, reference.weights), value: measured.result.residual,
                   converged: measured.result.converged,
                   modelBytes: CommunicationModel.lewisWeights(columns: d, iterations: measured.result.iterations),
                   referenceSeconds: reference.seconds, referenceIterations: reference.iterations,
                   extra: ["n": .integer(n), "d": .integer(d), "p": .number(1), "referenceConverged": .bool(reference.converged)])
        }
        try comm.barrier()
    }

    /// ℓ1 regression on a Lewis-weight coreset sampled by every rank from its rows, merged up a
    /// tree with merges above `cap` rows reduced, solved on rank 0. `error` = the coreset
    /// solution's full ℓ1 objective over the full regression's optimum, minus 1; the single-process
    /// record is the full regression on rank 0.
    static func coreset(_ context: inout BenchContext, _ comm: Communicator, n: Int, d: Int, size: Int, cap: Int) throws {
        let caseName = "coreset-lewis-p1-n\(n)-d\(d)"
        Progress.log("distributed: \(caseName)")
        let a = tallMatrix(n: n, d: d, seed: context.seed &+ 24)
        var g = Xoshiro256StarStar(seed: context.seed &+ 25)
        let truth = (0..<d).map { _ in g.nextStandardNormal() }
        let ax = try a.multiplied(by: truth)
        // Heavy-tailed noise: a Cauchy-like ratio of normals, where ℓ1 regression is the right fit.
        let b = (0..<n).map { ax[$0] + g.nextStandardNormal() / max(abs(g.nextStandardNormal()), 0.05) }
        let (local, rows) = try block(a, comm)
        let sampler = DistributedCoreset(scheme: .lewis, p: 1, maxRows: cap)
        let measured = try measure(comm, model: { _ in 0 }) {
            try sampler.regression(local, targets: Array(b[rows]), expectedSize: Double(size), seed: context.seed &+ 26,
                                   solver: LpRegression(p: 1, maxIterations: 5_000), communicator: comm)
        }
        var table = Table("\(caseName): ℓ1 regression on a Lewis coreset of expected size \(size), merges above \(cap) rows reduced, \(comm.size) ranks",
                          ["method", "iterations", "seconds", "objective ratio − 1", "bytes/rank (max)", "coreset rows", "converged"])
        if comm.rank == 0 {
            let full = try LpRegression(p: 1, maxIterations: 5_000).solve(a, b)
            let fitted = try a.multiplied(by: measured.result.solution)
            let objective = (0..<n).reduce(0.0) { $0 + abs(fitted[$1] - b[$1]) }
            let excess = objective / full.objective - 1
            let r = measured.result
            context.add(Record(suite: "distributed", caseName: caseName, method: "distributed", iterations: nil, seconds: measured.seconds,
                               error: excess, value: objective, baseline: "single-process", converged: r.converged,
                               extra: ["ranks": .integer(comm.size), "bytesSentPerRank": .integer(measured.largestBytes),
                                       "coresetRows": .integer(r.coresetRows), "expectedSize": .integer(size), "maxRows": .integer(cap),
                                       "n": .integer(n), "d": .integer(d)]))
            context.add(Record(suite: "distributed", caseName: caseName, method: "single-process", iterations: full.iterations,
                               seconds: full.seconds, error: 0, value: full.objective, baseline: nil, converged: full.converged,
                               extra: ["ranks": .integer(1)]))
            table.add(["distributed", "—", Fmt.seconds(measured.seconds), Fmt.sci(excess), String(measured.largestBytes), String(r.coresetRows),
                       r.converged ? "yes" : "no"])
            table.add(["single-process", String(full.iterations), Fmt.seconds(full.seconds), "0", "—", String(n), full.converged ? "yes" : "no"])
            table.print()
        }
        try comm.barrier()
    }

    static func sliced(_ context: inout BenchContext, _ comm: Communicator, n: Int, d: Int, L: Int) throws {
        let caseName = "sliced-n\(n)-d\(d)-L\(L)"
        Progress.log("distributed: \(caseName)")
        var g = Xoshiro256StarStar(seed: context.seed &+ 22)
        let scales = (0..<d).map { 0.5 + Double($0) / Double(d) }
        let x = Matrix(rows: n, columns: d) { _, _ in g.nextStandardNormal() }
        let y = Matrix(rows: n, columns: d) { _, k in 1 + scales[k] * g.nextStandardNormal() }
        let (localX, _) = try block(x, comm)
        let (localY, _) = try block(y, comm)
        let options = SlicedWasserstein(projections: L, p: 2, controlVariate: .both, threads: context.threads)
        let seed = context.seed &+ 23
        let model = CommunicationModel.slicedWasserstein(sourceRows: localX.rows, targetRows: localY.rows, dimension: d, directions: L,
                                                         ranks: comm.size, rank: comm.rank)
        let measured = try measure(comm, model: { _ in model }) {
            try DistributedSlicedWasserstein(options).estimate(source: localX, target: localY, seed: seed, communicator: comm)
        }
        let largestModel = Int(try comm.allreduce(Double(model), .maximum))
        var table = Table("\(caseName): SW₂² with both control variates, all-to-all transpose of the projections, \(comm.size) ranks", headers)
        if comm.rank == 0 {
            let clock = Stopwatch()
            let reference = try options.estimate(try EmpiricalMeasure(points: x), try EmpiricalMeasure(points: y), seed: seed)
            let seconds = clock.elapsed
            let e = measured.result
            let difference = max(abs(e.powered - reference.powered) / abs(reference.powered),
                                 relativeDifference(e.values, reference.values))
            record(&context, comm, caseName: caseName, table: &table, measured: measured, iterations: L, difference: difference,
                   value: e.powered, converged: nil, modelBytes: largestModel, referenceSeconds: seconds, referenceIterations: L,
                   extra: ["n": .integer(n), "d": .integer(d), "L": .integer(L), "standardError": .number(e.standardError)])
        }
        try comm.barrier()
    }

    static func sinkhorn(_ context: inout BenchContext, _ comm: Communicator, n: Int) throws {
        let caseName = "sinkhorn-online-n\(n)"
        Progress.log("distributed: \(caseName)")
        var g = Xoshiro256StarStar(seed: context.seed &+ 5)
        let x = Matrix(rows: n, columns: 3) { _, _ in g.nextStandardNormal() }
        let y = Matrix(rows: n, columns: 3) { _, _ in 1 + g.nextStandardNormal() }
        let (localX, _) = try block(x, comm)
        let weights = [Double](repeating: 1 / Double(n), count: n)
        let target = try DiscreteMeasure(weights: weights, support: y, name: "target")
        let solver = OnlineSinkhorn(regularization: .eta(100), tolerance: 1e-6, threads: context.threads)
        let measured = try measure(comm, model: { CommunicationModel.sinkhorn(targetPoints: n, iterations: $0.iterations, stages: $0.schedule.count) }) {
            try DistributedSinkhorn(solver).solve(sourcePoints: localX, sourceWeights: [Double](repeating: 1 / Double(n), count: localX.rows),
                                                  target: target, groundCost: .squaredEuclidean, normalizeCost: true, communicator: comm)
        }
        let s = measured.result
        var table = Table("\(caseName): online Sinkhorn, 3-D clouds, squared Euclidean / max, η = 100, tolerance 1e-6, source rows sharded over \(comm.size) ranks", headers)
        if comm.rank == 0 {
            let problem = try PointCloudProblem(source: try DiscreteMeasure(weights: weights, support: x, name: "source"), target: target,
                                                groundCost: .squaredEuclidean, normalizeCost: true)
            let reference = try solver.solve(problem)
            let difference = abs(s.transportCost - reference.transportCost) / abs(reference.transportCost)
            record(&context, comm, caseName: caseName, table: &table, measured: measured, iterations: s.iterations, difference: difference,
                   value: s.transportCost, converged: s.converged,
                   modelBytes: CommunicationModel.sinkhorn(targetPoints: n, iterations: s.iterations, stages: s.schedule.count),
                   referenceSeconds: reference.seconds, referenceIterations: reference.iterations,
                   extra: ["n": .integer(n), "d": .integer(3), "eta": .number(100), "marginalError": .number(s.marginalError),
                           "iterationDifference": .integer(s.iterations - reference.iterations)])
        }
        try comm.barrier()
    }
}
