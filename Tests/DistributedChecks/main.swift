// The distributed checks: every distributed routine against the single-process routine on the
// same data, run under mpirun with 1, 2 and 4 ranks (`make test-mpi`). Every rank builds the
// whole data set from the same seed, takes its block, and compares with the single-process
// result; rank 0 prints "distributed checks on P ranks: N passed, M failed" and the exit code is
// the number of failures (capped at 1).
//
//     DistributedChecks                 run every check
//     DistributedChecks --fail-on RANK  throw on that rank mid-run: the run must end with the error
//                                       printed and a non-zero status, not hang
import Foundation
import KantorovichMPI
import LinearAlgebra
import OptimalTransport
import SensitivitySampling
import SlicedWasserstein

let arguments = CommandLine.arguments
let failingRank: Int? = arguments.firstIndex(of: "--fail-on").flatMap { $0 + 1 < arguments.count ? Int(arguments[$0 + 1]) : nil }

Communicator.run { comm in
    var checks = Checks(comm: comm)
    if let failingRank {
        _ = try comm.allreduce(1, .sum)
        if comm.rank == failingRank { throw DistributedError.invalidParameter(name: "--fail-on", value: Double(failingRank), requirement: "this rank fails on purpose") }
        // The other ranks wait in a collective the failing rank never joins: only an abort ends them.
        _ = try comm.allreduce(1, .sum)
        return 0
    }
    try checks.communicator()
    try checks.leverage()
    try checks.lewis()
    try checks.coreset()
    try checks.sliced()
    try checks.slicedFewDirections()
    try checks.sinkhorn()
    try checks.collectiveErrors()
    try checks.hostileInputs()
    let failed = Int(try comm.allreduce(Double(checks.failed), .sum))
    let passed = Int(try comm.allreduce(Double(checks.passed), .minimum))
    if comm.rank == 0 { print("distributed checks on \(comm.size) ranks: \(passed) passed, \(failed) failed") }
    return failed == 0 ? 0 : 1
}

struct Checks {
    let comm: Communicator
    var passed = 0
    var failed = 0

    init(comm: Communicator) { self.comm = comm }

    mutating func expect(_ condition: Bool, _ what: String) {
        if condition { passed += 1 } else {
            failed += 1
            FileHandle.standardError.write(Data("rank \(comm.rank) of \(comm.size): FAILED \(what)\n".utf8))
        }
    }

    /// This rank's rows of `a`.
    func block(_ a: Matrix) throws -> (Matrix, Range<Int>) {
        let rows = try RowPartition(total: a.rows, parts: comm.size).range(comm.rank)
        return (a.submatrix(rows: rows, columns: 0..<a.columns), rows)
    }

    static func relative(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1) / max(abs($1.1), 1e-300)) }
    }

    mutating func communicator() throws {
        let P = comm.size, r = Double(comm.rank)
        expect(try comm.allreduce([r, 1], .sum) == [Double(P * (P - 1) / 2), Double(P)], "allreduce sum")
        expect(try comm.allreduce(r, .maximum) == Double(P - 1) && (try comm.allreduce(r, .minimum)) == 0, "allreduce max/min")
        // log Σ_r exp(r) and an all −∞ column.
        let lse = try comm.allreduce([r, -.infinity], .logSumExp)
        let expected = log((0..<P).reduce(0.0) { $0 + exp(Double($1)) })
        expect(abs(lse[0] - expected) <= 1e-14 * abs(expected) + 1e-15 && lse[1] == -.infinity, "allreduce log-sum-exp")
        expect(try comm.broadcast(comm.rank == 0 ? [1, 2, 3] : [], root: 0) == [1, 2, 3], "broadcast")
        let gathered = try comm.gather([Double](repeating: r, count: comm.rank), root: 0)
        if comm.rank == 0 { expect(gathered! == (0..<P).map { [Double](repeating: Double($0), count: $0) }, "gather") }
        expect(try comm.allgather([r]).map { $0[0] } == (0..<P).map(Double.init), "allgather")
        let received = try comm.allToAll((0..<P).map { [r * 10 + Double($0)] })
        expect(received.enumerated().allSatisfy { $0.element == [Double($0.offset) * 10 + r] }, "allToAll")
        comm.resetByteCount()
        _ = try comm.allreduce([Double](repeating: 0, count: 10), .sum)
        expect(comm.bytesSent == 80, "byte count of an allreduce")
        if P > 1 {
            if comm.rank == 0 { try comm.send([4, 5], to: 1) }
            if comm.rank == 1 { expect(try comm.receive(from: 0) == [4, 5], "send/receive") }
        }
    }

    mutating func leverage() throws {
        var g = Xoshiro256StarStar(seed: 11)
        let a = Matrix.randomNormal(rows: 2000, columns: 8, using: &g)
        let reference = try LeverageScores.exact(a)
        let (local, rows) = try block(a)
        comm.resetByteCount()
        let tau = try DistributedLeverageScores.exact(local, communicator: comm)
        expect(Checks.relative(tau, Array(reference[rows])) <= 1e-12, "leverage scores within 1e-12 of one process")
        expect(comm.bytesSent == CommunicationModel.leverageScores(columns: 8), "leverage bytes \(comm.bytesSent) as modelled")
        // Fewer rows than ranks on some ranks: blocks of one row or none.
        let small = a.submatrix(rows: 0..<9, columns: 0..<8)
        let (part, smallRows) = try block(small)
        let smallReference = try LeverageScores.exact(small)
        expect(Checks.relative(try DistributedLeverageScores.exact(part, communicator: comm), Array(smallReference[smallRows])) <= 1e-11,
               "leverage scores of 9 rows")
    }

    mutating func lewis() throws {
        var g = Xoshiro256StarStar(seed: 12)
        let a = Matrix.randomNormal(rows: 1500, columns: 6, using: &g)
        let (local, rows) = try block(a)
        for p in [1.0, 3.0, 6.0] {
            let options = LewisWeights(p: p)
            let reference = try options.compute(a)
            comm.resetByteCount()
            let result = try DistributedLewisWeights.compute(local, options: options, communicator: comm)
            expect(comm.bytesSent == CommunicationModel.lewisWeights(columns: 6, iterations: result.iterations), "Lewis bytes as modelled")
            expect(result.converged && reference.converged, "Lewis p = \(p) converged")
            expect(Checks.relative(result.weights, Array(reference.weights[rows])) <= 1e-10, "Lewis p = \(p) within 1e-10 of one process")
            expect(abs(result.iterations - reference.iterations) <= 1, "Lewis p = \(p) iterations \(result.iterations) vs \(reference.iterations)")
        }
    }

    mutating func coreset() throws {
        var g = Xoshiro256StarStar(seed: 13)
        let n = 1200, d = 5
        let a = Matrix.randomNormal(rows: n, columns: d, using: &g)
        let truth = (0..<d).map { Double($0) - 2 }
        let noise = Matrix.randomNormal(rows: n, columns: 1, using: &g)
        let b = try (0..<n).map { try a.multiplied(by: truth)[$0] + 0.3 * noise[$0, 0] }
        let (local, rows) = try block(a)
        let localB = Array(b[rows])
        // Every row kept: the coreset is the data, the regression the full one.
        let full = try LpRegression(p: 1.5).solve(a, b)
        let all = try DistributedCoreset(scheme: .leverage, p: 1.5).regression(local, targets: localB, expectedSize: Double(n), seed: 5,
                                                                                solver: LpRegression(p: 1.5), communicator: comm)
        expect(all.coresetRows == n && all.converged && Checks.relative(all.solution, full.solution) <= 1e-8,
               "coreset of every row gives the full ℓ1.5 regression")
        func objective(_ x: [Double], _ p: Double) throws -> Double {
            let ax = try a.multiplied(by: x)
            return (0..<n).reduce(0) { $0 + pow(abs(ax[$1] - b[$1]), p) }
        }
        for (scheme, p) in [(SamplingScheme.leverage, 2.0), (.lewis, 1.5), (.uniform, 2.0)] {
            let best = try LpRegression(p: p).solve(a, b).objective
            let sampled = try DistributedCoreset(scheme: scheme, p: p).regression(local, targets: localB, expectedSize: 300, seed: 7,
                                                                                   solver: LpRegression(p: p), communicator: comm)
            let ratio = try objective(sampled.solution, p) / best
            expect(sampled.converged && ratio >= 1 - 1e-12 && ratio <= 1.25, "\(scheme) coreset ℓ\(p) objective ratio \(ratio)")
            expect(abs(Double(sampled.coresetRows) - 300) <= 60, "\(scheme) coreset size \(sampled.coresetRows) near 300")
        }
        // Merge-and-reduce: a cap below the sample size.
        let capped = try DistributedCoreset(scheme: .leverage, p: 2, maxRows: 200)
            .sample(local, targets: localB, expectedSize: 600, seed: 9, communicator: comm)
        if comm.rank == 0, let capped {
            expect(capped.rows.rows <= 200 && capped.reductions >= 1, "merge-and-reduce keeps \(capped.rows.rows) ≤ 200 rows")
            expect(Set(capped.indices).count == capped.indices.count && capped.indices.allSatisfy { $0 >= 0 && $0 < n }, "coreset indices distinct and in range")
            let x = try LpRegression(p: 2).solve(capped.rows, capped.targets, rowWeights: capped.powerWeights).solution
            let ratio = try objective(x, 2) / (try LpRegression(p: 2).solve(a, b).objective)
            expect(ratio <= 1.5, "merge-and-reduce coreset ℓ2 objective ratio \(ratio)")
        } else if comm.rank == 0 {
            expect(false, "rank 0 holds the coreset")
        }
    }

    mutating func sliced() throws {
        var g = Xoshiro256StarStar(seed: 14)
        let x = Matrix.randomNormal(rows: 700, columns: 5, using: &g)
        var y = Matrix.randomNormal(rows: 700, columns: 5, using: &g)
        for i in 0..<700 { y[i, 0] += 1 }
        let z = Matrix.randomNormal(rows: 450, columns: 5, using: &g)
        let wx = (0..<700).map { _ in 0.1 + g.nextUniform() }
        let cases: [(Matrix, [Double]?, Matrix, String)] = [(x, nil, y, "equal uniform clouds"), (x, wx, z, "weighted, n ≠ m")]
        for (mu, weights, nu, name) in cases {
            for control in [ControlVariate.none, .both] {
                let options = SlicedWasserstein(projections: 37, p: 2, controlVariate: control, threads: 1)
                let reference = try options.estimate(try EmpiricalMeasure(points: mu, weights: weights), try EmpiricalMeasure(points: nu), seed: 3)
                let (a, ra) = try block(mu)
                let (b, _) = try block(nu)
                comm.resetByteCount()
                let estimate = try DistributedSlicedWasserstein(options).estimate(
                    source: a, sourceWeights: weights.map { Array($0[ra]) }, target: b, seed: 3, communicator: comm)
                let model = CommunicationModel.slicedWasserstein(sourceRows: a.rows, targetRows: b.rows, dimension: 5, directions: 37,
                                                                 ranks: comm.size, rank: comm.rank, sourceWeighted: weights != nil)
                expect(comm.bytesSent == model, "sliced \(name) bytes \(comm.bytesSent) vs model \(model)")
                expect(abs(estimate.powered - reference.powered) <= 1e-12 * abs(reference.powered), "sliced \(name) \(control) within 1e-12: \(estimate.powered) vs \(reference.powered), means \(estimate.controlMeans) vs \(reference.controlMeans), γ \(estimate.coefficients) vs \(reference.coefficients)")
                expect(Checks.relative(estimate.values, reference.values) <= 1e-12, "sliced \(name) \(control) per-direction values")
                expect(Checks.relative(estimate.coefficients, reference.coefficients) <= 1e-9, "sliced \(name) \(control) coefficients")
            }
        }
    }

    /// Fewer directions than ranks: some ranks own none.
    mutating func slicedFewDirections() throws {
        var g = Xoshiro256StarStar(seed: 18)
        let x = Matrix.randomNormal(rows: 90, columns: 4, using: &g), y = Matrix.randomNormal(rows: 70, columns: 4, using: &g)
        let options = SlicedWasserstein(projections: 3, p: 2, controlVariate: .upper, threads: 1)
        let reference = try options.estimate(try EmpiricalMeasure(points: x), try EmpiricalMeasure(points: y), seed: 4)
        let estimate = try DistributedSlicedWasserstein(options).estimate(source: try block(x).0, target: try block(y).0, seed: 4, communicator: comm)
        expect(abs(estimate.powered - reference.powered) <= 1e-12 * abs(reference.powered), "sliced with 3 directions on \(comm.size) ranks")
    }

    mutating func sinkhorn() throws {
        var g = Xoshiro256StarStar(seed: 15)
        let x = Matrix.randomNormal(rows: 500, columns: 3, using: &g)
        let y = Matrix.randomNormal(rows: 400, columns: 3, using: &g)
        var r = (0..<500).map { _ in g.nextUniform() }
        r[7] = 0
        let c = [Double](repeating: 1.0 / 400, count: 400)
        let total = r.reduce(0, +)
        r = r.map { $0 / total }
        let target = try DiscreteMeasure(weights: c, support: y)
        let solver = OnlineSinkhorn(regularization: .eta(200), tolerance: 1e-9, blockRows: 64, threads: 1)
        let problem = try PointCloudProblem(source: try DiscreteMeasure(weights: r, support: x), target: target,
                                            groundCost: .squaredEuclidean, normalizeCost: true)
        let reference = try solver.solve(problem)
        let (local, rows) = try block(x)
        comm.resetByteCount()
        let result = try DistributedSinkhorn(solver).solve(sourcePoints: local, sourceWeights: Array(r[rows]), target: target,
                                                           groundCost: .squaredEuclidean, normalizeCost: true, communicator: comm)
        expect(result.converged && reference.converged, "online Sinkhorn converged")
        let model = CommunicationModel.sinkhorn(targetPoints: 400, iterations: result.iterations, stages: result.schedule.count)
        expect(comm.bytesSent == model, "online Sinkhorn bytes \(comm.bytesSent) vs model \(model)")
        expect(abs(result.transportCost - reference.transportCost) <= 1e-12 * abs(reference.transportCost),
               "online Sinkhorn cost \(result.transportCost) vs \(reference.transportCost)")
        expect(abs(result.iterations - reference.iterations) <= 1, "online Sinkhorn iterations \(result.iterations) vs \(reference.iterations)")
        expect(result.schedule.map(\.eta) == reference.schedule.map(\.eta), "online Sinkhorn continuation schedule")
        let finite = { (v: [Double]) in v.map { $0.isFinite ? $0 : 0 } }
        expect(zip(finite(result.sourcePotential), finite(Array(reference.sourcePotential[rows]))).allSatisfy { abs($0 - $1) <= 1e-9 }
               && zip(finite(result.targetPotential), finite(reference.targetPotential)).allSatisfy { abs($0 - $1) <= 1e-9 },
               "online Sinkhorn potentials within 1e-9")
        expect(rows.contains(7) == (result.sourcePotential.contains(-.infinity)), "zero-mass point gets −∞")
    }

    /// Bad input on one rank: every rank throws, none hangs.
    mutating func collectiveErrors() throws {
        var g = Xoshiro256StarStar(seed: 16)
        var a = Matrix.randomNormal(rows: 200, columns: 4, using: &g)
        a[199, 2] = .nan   // in the last rank's block
        let (local, _) = try block(a)
        do {
            _ = try DistributedLeverageScores.exact(local, communicator: comm)
            expect(false, "a NaN on one rank throws on every rank")
        } catch let error as RoutineError {
            let last = comm.rank == comm.size - 1
            if last {
                expect(error.rootCause as? SensitivitySamplingError == .nonFiniteEntry(row: local.rows - 1, column: 2), "the rank with the NaN names it: \(error)")
            } else {
                expect(error.rootCause as? DistributedError == .peerFailed(rank: comm.size - 1, routine: "validation"), "the others name the failing rank: \(error)")
            }
        }
        // Ranks that disagree on the dimension.
        let (b, _) = try block(Matrix.randomNormal(rows: 40, columns: 3, using: &g))
        let bad = comm.rank == 0 && comm.size > 1 ? Matrix(rows: b.rows, columns: 2) : b
        do {
            _ = try TallSkinnyQR.triangularFactor(bad, communicator: comm)
            expect(comm.size == 1, "ranks with different column counts throw")
        } catch {
            expect(comm.size > 1 && (error as? DistributedError).map { if case .shapeMismatch = $0 { true } else { false } } == true,
                   "column mismatch is a shape mismatch: \(error)")
        }
        // A rank-deficient matrix.
        var deficient = Matrix.randomNormal(rows: 100, columns: 3, using: &g)
        for i in 0..<100 { deficient[i, 2] = deficient[i, 0] }
        let (d, _) = try block(deficient)
        do {
            _ = try DistributedLeverageScores.exact(d, communicator: comm)
            expect(false, "rank-deficient matrix throws")
        } catch let error as RoutineError {
            expect(error.rootCause is SensitivitySamplingError, "rank deficiency is a typed error: \(error)")
        }
    }

    /// Every entry point fed bad input (on every rank, or on one): a typed error on every rank,
    /// never a crash, a hang or a plausible number.
    mutating func hostileInputs() throws {
        var g = Xoshiro256StarStar(seed: 17)
        let a = Matrix.randomNormal(rows: 60, columns: 3, using: &g)
        let (local, rows) = try block(a)
        let b = (0..<60).map { Double($0) }
        let localB = Array(b[rows])
        let empty = Matrix(rows: 0, columns: 3)
        let last = comm.size - 1
        func throwsEverywhere(_ what: String, _ body: () throws -> Void) {
            var threw = false
            do { try body() } catch { threw = true }
            expect(threw, "\(what) throws")
        }
        throwsEverywhere("leverage scores of an empty matrix") { _ = try DistributedLeverageScores.exact(empty, communicator: comm) }
        throwsEverywhere("leverage scores of a wide matrix") { _ = try DistributedLeverageScores.exact(Matrix(rows: comm.rank == 0 ? 2 : 0, columns: 3, repeating: 1), communicator: comm) }
        var infinite = local
        if comm.rank == last && infinite.rows > 0 { infinite[0, 0] = .infinity }
        throwsEverywhere("leverage scores with +∞ on the last rank") { _ = try DistributedLeverageScores.exact(infinite, communicator: comm) }
        var zeroRow = local
        if comm.rank == last && zeroRow.rows > 0 { for j in 0..<3 { zeroRow[0, j] = 0 } }
        throwsEverywhere("Lewis weights with a zero row") { _ = try DistributedLewisWeights.compute(zeroRow, options: LewisWeights(p: 1), communicator: comm) }
        throwsEverywhere("Lewis weights with p = 0.5") { _ = try DistributedLewisWeights.compute(local, options: LewisWeights(p: 0.5), communicator: comm) }
        throwsEverywhere("Lewis weights with tolerance NaN") { _ = try DistributedLewisWeights.compute(local, options: LewisWeights(p: 1, tolerance: .nan), communicator: comm) }
        throwsEverywhere("Lewis weights with maxIterations −1") { _ = try DistributedLewisWeights.compute(local, options: LewisWeights(p: 1, maxIterations: -1), communicator: comm) }
        let coreset = DistributedCoreset(scheme: .leverage, p: 2)
        for size in [0.0, -3, .nan, .infinity, 61] {
            throwsEverywhere("coreset of expected size \(size)") { _ = try coreset.sample(local, targets: localB, expectedSize: size, seed: 1, communicator: comm) }
        }
        throwsEverywhere("coreset with a short b") { _ = try coreset.sample(local, targets: comm.rank == last ? [] : localB, expectedSize: 10, seed: 1, communicator: comm) }
        throwsEverywhere("coreset with the sensitivity scheme") { _ = try DistributedCoreset(scheme: .sensitivity, p: 1).sample(local, targets: localB, expectedSize: 10, seed: 1, communicator: comm) }
        throwsEverywhere("coreset with maxRows 1") { _ = try DistributedCoreset(scheme: .uniform, p: 1, maxRows: 1).sample(local, targets: localB, expectedSize: 10, seed: 1, communicator: comm) }
        throwsEverywhere("coreset regression with a solver of another p") { _ = try coreset.regression(local, targets: localB, expectedSize: 30, seed: 1, solver: LpRegression(p: 1), communicator: comm) }
        var badB = localB
        if comm.rank == last && !badB.isEmpty { badB[0] = .nan }
        throwsEverywhere("coreset with NaN in b") { _ = try coreset.sample(local, targets: badB, expectedSize: 10, seed: 1, communicator: comm) }
        // Sliced Wasserstein.
        let sliced = DistributedSlicedWasserstein(SlicedWasserstein(projections: 10, threads: 1))
        throwsEverywhere("sliced with empty clouds") { _ = try sliced.estimate(source: empty, target: empty, seed: 1, communicator: comm) }
        throwsEverywhere("sliced with NaN on the last rank") { _ = try sliced.estimate(source: infinite, target: local, seed: 1, communicator: comm) }
        throwsEverywhere("sliced with different dimensions") { _ = try sliced.estimate(source: local, target: Matrix(rows: local.rows, columns: 2), seed: 1, communicator: comm) }
        throwsEverywhere("sliced with negative weights") {
            _ = try sliced.estimate(source: local, sourceWeights: local.rows > 0 && comm.rank == last ? [-1] + [Double](repeating: 1, count: local.rows - 1) : [Double](repeating: 1, count: local.rows), target: local, seed: 1, communicator: comm)
        }
        throwsEverywhere("sliced with zero total weight") { _ = try sliced.estimate(source: local, sourceWeights: [Double](repeating: 0, count: local.rows), target: local, seed: 1, communicator: comm) }
        if comm.size > 1 {
            throwsEverywhere("sliced with weights on one rank only") {
                _ = try sliced.estimate(source: local, sourceWeights: comm.rank == 0 ? [Double](repeating: 1, count: local.rows) : nil, target: local, seed: 1, communicator: comm)
            }
        }
        for bad in [0, -2] {
            throwsEverywhere("sliced with \(bad) projections") { _ = try DistributedSlicedWasserstein(SlicedWasserstein(projections: bad, threads: 1)).estimate(source: local, target: local, seed: 1, communicator: comm) }
        }
        throwsEverywhere("sliced with p = 0.5") { _ = try DistributedSlicedWasserstein(SlicedWasserstein(projections: 10, p: 0.5, threads: 1)).estimate(source: local, target: local, seed: 1, communicator: comm) }
        // Sinkhorn.
        let target = try DiscreteMeasure(weights: [Double](repeating: 1.0 / 60, count: 60), support: a)
        let uniform = [Double](repeating: 1.0 / 60, count: local.rows)
        let sinkhorn = DistributedSinkhorn(OnlineSinkhorn(regularization: .eta(10), threads: 1))
        throwsEverywhere("Sinkhorn with a mass mismatch") { _ = try sinkhorn.solve(sourcePoints: local, sourceWeights: uniform.map { $0 * 2 }, target: target, groundCost: .squaredEuclidean, communicator: comm) }
        throwsEverywhere("Sinkhorn with a negative weight") {
            _ = try sinkhorn.solve(sourcePoints: local, sourceWeights: comm.rank == last && !uniform.isEmpty ? [-1] + uniform.dropFirst() : uniform, target: target, groundCost: .squaredEuclidean, communicator: comm)
        }
        throwsEverywhere("Sinkhorn with +∞ in a point") { _ = try sinkhorn.solve(sourcePoints: infinite, sourceWeights: uniform, target: target, groundCost: .squaredEuclidean, communicator: comm) }
        throwsEverywhere("Sinkhorn with a short weight vector") { _ = try sinkhorn.solve(sourcePoints: local, sourceWeights: comm.rank == last ? [] : uniform, target: target, groundCost: .squaredEuclidean, communicator: comm) }
        throwsEverywhere("Sinkhorn with a target without support") { _ = try sinkhorn.solve(sourcePoints: local, sourceWeights: uniform, target: try DiscreteMeasure(weights: [1]), groundCost: .squaredEuclidean, communicator: comm) }
        throwsEverywhere("Sinkhorn with points of another dimension") { _ = try sinkhorn.solve(sourcePoints: Matrix(rows: local.rows, columns: 2), sourceWeights: uniform, target: target, groundCost: .squaredEuclidean, communicator: comm) }
        throwsEverywhere("Sinkhorn with zero source mass") { _ = try sinkhorn.solve(sourcePoints: local, sourceWeights: [Double](repeating: 0, count: local.rows), target: target, groundCost: .squaredEuclidean, communicator: comm) }
        throwsEverywhere("Sinkhorn with η = NaN") { _ = try DistributedSinkhorn(OnlineSinkhorn(regularization: .eta(.nan))).solve(sourcePoints: local, sourceWeights: uniform, target: target, groundCost: .squaredEuclidean, communicator: comm) }
        throwsEverywhere("Sinkhorn with blockRows 0") { _ = try DistributedSinkhorn(OnlineSinkhorn(regularization: .eta(10), blockRows: 0)).solve(sourcePoints: local, sourceWeights: uniform, target: target, groundCost: .squaredEuclidean, communicator: comm) }
        throwsEverywhere("Sinkhorn with a Minkowski exponent 0.5") { _ = try sinkhorn.solve(sourcePoints: local, sourceWeights: uniform, target: target, groundCost: .minkowski(0.5), communicator: comm) }
        // Communicator and partition arguments.
        throwsEverywhere("broadcast from rank −1") { _ = try comm.broadcast([1], root: -1) }
        throwsEverywhere("gather to a rank beyond the group") { _ = try comm.gather([1], root: comm.size) }
        throwsEverywhere("allToAll with too few blocks") { _ = try comm.allToAll([]) }
        throwsEverywhere("partition of −1 rows") { _ = try RowPartition(total: -1, parts: 2) }
        throwsEverywhere("partition into 0 parts") { _ = try RowPartition(total: 5, parts: 0) }
        // Still in step: a collective after all of that.
        expect(try comm.allreduce(1, .sum) == Double(comm.size), "ranks still in step after the hostile inputs")
    }
}
