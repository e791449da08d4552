import Foundation
import LinearAlgebra
import SensitivitySampling

/// `bench sensitivity`: ℓp subspace embeddings by importance sampling (Woodruff & Yasuda, ICML
/// 2023). `iterations` = rows needed for distortion ≤ 0.1 in 9 of 10 seeds; `error` = the measured
/// distortion at that size (a certified lower bound from probes and local ascent).
enum SensitivitySuite {
    static let methods: [(String, SamplingScheme)] = [("uniform", .uniform), ("leverage", .leverage), ("lewis", .lewis),
                                                       ("root-leverage", .rootLeverage), ("sensitivity", .sensitivity),
                                                       ("combined", .combined)]

    static func run(_ context: inout BenchContext) throws {
        print("\n== sensitivity ==")
        let quick = context.quick
        let n = quick ? 800 : 4000, d = quick ? 4 : 6
        let seeds = quick ? 5 : 10
        let needed = quick ? 4 : 9
        let families: [MatrixFamily] = quick ? [.gaussian, .spiked, .identityBlocks] : MatrixFamily.allCases
        let ps: [Double] = quick ? [1, 3] : [1, 1.5, 3]
        for family in families {
            let a = try family.generate(rows: n, columns: d, seed: context.seed)
            var gb = Xoshiro256StarStar(seed: context.seed &+ 1)
            let xStar = (0..<d).map { _ in gb.nextStandardNormal() }
            let ax = try a.multiplied(by: xStar)
            let b = ax.map { v -> Double in
                let z = gb.nextStandardNormal(), c1 = gb.nextStandardNormal(), c2 = gb.nextStandardNormal()
                return v + 0.5 * z / ((c1 * c1 + c2 * c2) / 2).squareRoot()
            }
            for p in ps {
                try rowsCase(&context, family: family, a: a, b: b, p: p, seeds: seeds, needed: needed)
            }
        }
        try scoreTimings(&context)
        try exactL1(&context)
    }

    static func rowsCase(_ context: inout BenchContext, family: MatrixFamily, a: Matrix, b: [Double], p: Double,
                         seeds: Int, needed: Int) throws {
        let n = a.rows, d = a.columns
        let pName = p == 1.5 ? "1.5" : String(Int(p))
        let caseName = "rows-\(family.rawValue)-p\(pName)"
        Progress.log("sensitivity: \(caseName)")
        var table = Table("\(caseName): n = \(n), d = \(d); rows needed for distortion ≤ 0.1 in \(needed) of \(seeds) seeds",
                          ["method", "rows needed", "distortion there", "vs uniform", "regression ratio @ \(20 * d) rows", "score seconds"])
        var plot = SVGPlot(title: "\(caseName): median distortion against expected sample size", xLabel: "expected rows", yLabel: "distortion (lower bound)",
                           logX: true, logY: true)
        var uniformRows: Int?
        for (name, scheme) in methods {
            // Sensitivities by the Lewis-sample approximation (50 d rows): exact per-row regressions
            // over all n rows cost minutes here.
            let sampler = SensitivitySampler(scheme: scheme, p: p, sensitivitySampleSize: 50 * d, threads: context.threads)
            let clock = Stopwatch()
            let scores = scheme == .rootLeverage ? nil : try sampler.scores(a)
            var scoreSeconds = clock.elapsed
            if scheme == .rootLeverage {
                // Recursive: scores are recomputed inside every sample; time one sample of 20 d rows.
                let c = Stopwatch()
                _ = try sampler.sample(a, expectedSize: Double(20 * d), seed: context.seed)
                scoreSeconds = c.elapsed
            }
            func draw(_ m: Double, _ seed: UInt64) throws -> RowSample {
                if let scores { return try Sampler.bernoulli(scores: scores, expectedSize: min(m, Double(scores.filter { $0 > 0 }.count)), p: p, seed: seed) }
                return try sampler.sample(a, expectedSize: m, seed: seed)
            }
            func distortions(_ m: Double) throws -> [Double] {
                try (0..<seeds).map { s in
                    let sample = try draw(m, context.seed &+ UInt64(100 * s))
                    return try Distortion.lowerBound(a, sample, probes: 48, ascentSteps: 25, seed: UInt64(s))
                }
            }
            func ok(_ ds: [Double]) -> Bool { ds.filter { $0 <= 0.1 }.count >= needed }
            // Geometric grid, then bisection between the last failing and the first passing size.
            var grid: [Double] = []
            var m = Double(2 * d)
            while m < Double(n) / 2 { grid.append(m.rounded()); m *= 1.6 }
            var found: (Double, [Double])?
            var lastFail = Double(d)
            var curve: [(Double, Double)] = []
            for size in grid {
                let ds = try distortions(size)
                curve.append((size, ds.sorted()[ds.count / 2]))
                if ok(ds) { found = (size, ds); break }
                lastFail = size
            }
            if var (hi, dsHi) = found {
                var lo = lastFail
                for _ in 0..<3 where hi - lo > 2 {
                    let mid = ((lo + hi) / 2).rounded()
                    let ds = try distortions(mid)
                    if ok(ds) { hi = mid; dsHi = ds } else { lo = mid }
                }
                found = (hi, dsHi)
            }
            plot.add(name, curve)
            // Regression ratio at a fixed size, mean over seeds.
            var ratios: [Double] = []
            for s in 0..<min(seeds, 5) {
                let sample = try draw(Double(20 * d), context.seed &+ UInt64(7 + s))
                ratios.append(try Distortion.regressionRatio(a, b, sample))
            }
            let ratio = ratios.reduce(0, +) / Double(ratios.count)
            let rowsNeeded = found.map { Int($0.0) }
            if name == "uniform" { uniformRows = rowsNeeded }
            let distortion = found.map { $0.1.sorted()[needed - 1] }
            let vsUniform: String = {
                guard let r = rowsNeeded else { return "never ≤ n/2" }
                guard let u = uniformRows else { return "uniform never" }
                return Fmt.ratio(Double(r) / Double(u))
            }()
            table.add([name, rowsNeeded.map(String.init) ?? "never ≤ n/2", Fmt.sci(distortion), name == "uniform" ? "1.00×" : vsUniform,
                       String(format: "%.4f", ratio), Fmt.seconds(scoreSeconds)])
            context.add(Record(suite: "sensitivity", caseName: caseName, method: name, iterations: rowsNeeded, seconds: scoreSeconds,
                               error: distortion, value: ratio, baseline: "uniform", converged: rowsNeeded != nil,
                               extra: ["n": .integer(n), "d": .integer(d), "p": .number(p), "seeds": .integer(seeds),
                                       "regressionRatio": .number(ratio), "rowsVsUniform": rowsNeeded.flatMap { r in uniformRows.map { .number(Double(r) / Double($0)) } } ?? .null]))
        }
        table.print()
        context.writePlot(plot, name: "sensitivity-\(caseName)")
    }

    /// Score timings at n = 100,000, d = 50 (NumPy: about 650 ms for QR leverage, 17 s for ℓ1 Lewis).
    static func scoreTimings(_ context: inout BenchContext) throws {
        let n = context.quick ? 20_000 : 100_000, d = 50
        let caseName = "scores-n\(n)-d\(d)"
        Progress.log("sensitivity: \(caseName)")
        let a = try MatrixFamily.gaussian.generate(rows: n, columns: d, seed: context.seed)
        let repeats = context.quick ? 1 : 3
        var exact: [Double] = []
        let tExact = try bestTime(repeats: repeats) { exact = try LeverageScores.exact(a) }
        var approx: [Double] = []
        let tApprox = try bestTime(repeats: repeats) { approx = try LeverageScores.approximate(a, seed: context.seed) }
        let rel = zip(approx, exact).map { abs($0 / $1 - 1) }.sorted()
        var lewis: LewisWeights.Result?
        let tLewis = try bestTime(repeats: repeats, warmup: false) { lewis = try LewisWeights(p: 1).compute(a) }
        var table = Table("\(caseName): score computation (best of \(repeats))", ["method", "seconds", "iterations", "error", "note"])
        table.add(["leverage-exact", Fmt.seconds(tExact), "—", Fmt.sci(abs(exact.reduce(0, +) - Double(d))), "|Σ τ − d|"])
        table.add(["leverage-approximate", Fmt.seconds(tApprox), "—", Fmt.sci(rel[rel.count / 2]), "median |τ̃/τ − 1|; 99th pct \(Fmt.sci(rel[rel.count * 99 / 100]))"])
        table.add(["lewis-p1", Fmt.seconds(tLewis), "\(lewis!.iterations)", Fmt.sci(lewis!.residual), "fixed-point residual, Σ w = \(String(format: "%.8f", lewis!.weights.reduce(0, +)))"])
        table.print()
        context.add(Record(suite: "sensitivity", caseName: caseName, method: "leverage-exact", iterations: nil, seconds: tExact,
                           error: abs(exact.reduce(0, +) - Double(d)), value: nil, extra: ["n": .integer(n), "d": .integer(d)]))
        context.add(Record(suite: "sensitivity", caseName: caseName, method: "leverage-approximate", iterations: nil, seconds: tApprox,
                           error: rel[rel.count / 2], value: nil, baseline: "leverage-exact",
                           extra: ["percentile99RelativeError": .number(rel[rel.count * 99 / 100])]))
        context.add(Record(suite: "sensitivity", caseName: caseName, method: "lewis-p1", iterations: lewis!.iterations, seconds: tLewis,
                           error: lewis!.residual, value: lewis!.weights.reduce(0, +), converged: lewis!.converged))
    }

    /// Exact ℓ1 sensitivities of the Student-t (ν = 1.5) 2000 × 8 matrix of the fixture
    /// `Fixtures/l1_sensitivities.json`, against its LP reference (SciPy's HiGHS, one LP per row).
    /// `iterations` = simplex pivots over all rows, `error` = worst relative difference of a row.
    static func exactL1(_ context: inout BenchContext) throws {
        let caseName = "sensitivities-l1-student-t-n2000-d8"
        Progress.log("sensitivity: \(caseName)")
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/l1_sensitivities.json")
        guard let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any],
              let rowsOfA = json["a"] as? [[Double]], let reference = json["sensitivities"] as? [Double] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let a = try Matrix(rowsOf: rowsOfA)
        var scores: Sensitivities.Scores?
        let seconds = try bestTime(repeats: 1, warmup: false) { scores = try Sensitivities.exact(a, p: 1, threads: context.threads) }
        let s = scores!
        let worst = zip(s.values, reference).map { abs($0 - $1) / $1 }.max() ?? .nan
        var table = Table("\(caseName): exact ℓ1 sensitivities (simplex on vertices, every row certified by its dual) vs HiGHS LPs",
                          ["method", "seconds", "pivots", "worst rel. error", "converged", "unconverged rows"])
        table.add(["vertex-simplex", Fmt.seconds(seconds), "\(s.rowSolves.iterations)", Fmt.sci(worst), s.converged ? "yes" : "no",
                   "\(s.unconvergedRows.count)"])
        table.print()
        context.add(Record(suite: "sensitivity", caseName: caseName, method: "vertex-simplex", iterations: s.rowSolves.iterations,
                           seconds: seconds, error: worst, value: Sensitivities.total(s.values), converged: s.converged,
                           extra: ["rows": .integer(a.rows), "d": .integer(a.columns), "unconvergedRows": .integer(s.unconvergedRows.count),
                                   "worstDualViolation": .number(s.rowSolves.worstCriterion)]))
    }
}
