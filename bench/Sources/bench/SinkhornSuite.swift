import Foundation
import LinearAlgebra
import OptimalTransport

/// `bench sinkhorn`: log-domain/stabilized Sinkhorn against Sinkhorn-Newton-Sparse (Tang et al.,
/// ICLR 2024) on the paper's kinds of problems. `error` = L1 marginal error of the unit-mass problem.
enum SinkhornSuite {
    struct Method {
        let name: String
        let solve: (TransportProblem) throws -> TransportSolution
    }

    static func run(_ context: inout BenchContext) throws {
        print("\n== sinkhorn ==")
        let quick = context.quick
        // First, so that the process's peak resident memory is this solve's.
        try onlineClouds(&context, n: quick ? 2000 : 20_000)
        let eta = 1200.0
        let n = quick ? 200 : 500
        var g = Xoshiro256StarStar(seed: context.seed)
        let uniform = [Double](repeating: 1 / Double(n), count: n)
        let random = try TransportProblem(source: uniform, target: uniform, cost: Matrix.randomUniform(rows: n, columns: n, using: &g))
        let cap = quick ? 40_000 : 1_000_000
        let threads = context.threads

        func methods(tolerance: Double, warmUp: Int = 20, extra: [Method] = []) -> [Method] {
            [Method(name: "sinkhorn") { try Sinkhorn(regularization: .eta(eta), tolerance: tolerance, maxIterations: cap, threads: threads).solve($0) },
             Method(name: "sinkhorn-plain") {
                 try Sinkhorn(regularization: .eta(eta), tolerance: tolerance, maxIterations: cap, acceleration: .none, threads: threads).solve($0)
             },
             Method(name: "sns") { try SinkhornNewtonSparse(regularization: .eta(eta), tolerance: tolerance, warmUpIterations: warmUp, threads: threads).solve($0) },
             Method(name: "sns-newton-only") { try SinkhornNewtonSparse(regularization: .eta(eta), tolerance: tolerance, warmUpIterations: warmUp, interleaveSinkhorn: false, threads: threads).solve($0) },
             Method(name: "sns-fixed-lambda") {
                 try SinkhornNewtonSparse(regularization: .eta(eta), tolerance: tolerance, warmUpIterations: warmUp, sparsity: .paper, threads: threads).solve($0)
             }] + extra
        }

        try runCase(&context, "random-assignment-n\(n)-eta1200", random, tolerance: 1e-10, methods(tolerance: 1e-10))
        if !quick {
            try runCase(&context, "random-assignment-n\(n)-eta1200-machine", random, tolerance: 1e-15, methods(tolerance: 1e-15))
            try seedsSummary(&context, n: n, eta: eta)
        }

        let side = quick ? 14 : 28
        let scale = Double(side) / 28
        let source = blobs(side, [(8 * scale, 9 * scale, 3 * scale, 1), (19 * scale, 17 * scale, 4 * scale, 1.5)])
        let target = blobs(side, [(13 * scale, 20 * scale, 3.5 * scale, 1), (20 * scale, 7 * scale, 2.5 * scale, 0.8), (6 * scale, 22 * scale, 2 * scale, 0.4)])
        let w2 = try TransportProblem.grid(source: source, target: target, groundCost: .squaredEuclidean)
        try runCase(&context, "densities-\(side)x\(side)-w2-eta1200", w2, tolerance: 1e-10, methods(tolerance: 1e-10))
        let w1 = try TransportProblem.grid(source: source, target: target, groundCost: .manhattan)
        let paperWarmUp = Method(name: "sns-n1-700") {
            try SinkhornNewtonSparse(regularization: .eta(eta), tolerance: 1e-10, warmUpIterations: 700, threads: threads).solve($0)
        }
        try runCase(&context, "densities-\(side)x\(side)-w1-eta1200", w1, tolerance: 1e-10, methods(tolerance: 1e-10, extra: [paperWarmUp]))

        let cloudN = quick ? 500 : 2000
        try runCase(&context, "gaussian-clouds-n\(cloudN)-eta1200", try gaussianClouds(cloudN, seed: context.seed), tolerance: 1e-10,
                    methods(tolerance: 1e-10))
        try iterationCost(&context, n: quick ? 1000 : 2000)
        for n in quick ? [1000] : [1000, 3000] { try exactClouds(&context, n: n) }
        try etaSweep(&context, n: 100, etas: quick ? [1e3, 1e5] : [1e3, 1e4, 1e5, 1e6])
    }

    /// Sinkhorn on 3-D Gaussian clouds (X ~ N(0, I), Y ~ N(1, I), uniform weights) with the squared
    /// Euclidean cost normalized to max 1, η = 100, tolerance 1e-6, without storing the cost
    /// (`OnlineSinkhorn`). `extra.peakResidentMB` is the process's peak resident memory after the
    /// solve (this case runs first in the suite). At n = 2000 the dense log-domain Sinkhorn runs
    /// beside it as the baseline (same iterates); at 20,000 its cost matrix alone would be 3.2 GB.
    static func onlineClouds(_ context: inout BenchContext, n: Int) throws {
        let caseName = "online-clouds-n\(n)-eta100"
        Progress.log("sinkhorn: \(caseName)")
        var g = Xoshiro256StarStar(seed: context.seed &+ 5)
        let x = Matrix(rows: n, columns: 3) { _, _ in g.nextStandardNormal() }
        let y = Matrix(rows: n, columns: 3) { _, _ in 1 + g.nextStandardNormal() }
        let mu = try DiscreteMeasure.uniform(support: x, name: "source"), nu = try DiscreteMeasure.uniform(support: y, name: "target")
        let setup = Stopwatch()
        let problem = try PointCloudProblem(source: mu, target: nu, groundCost: .squaredEuclidean, normalizeCost: true)
        let setupSeconds = setup.elapsed
        let s = try OnlineSinkhorn(regularization: .eta(100), tolerance: 1e-6, threads: context.threads).solve(problem)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peakMB = Double(usage.ru_maxrss) / 1024
        var table = Table("\(caseName): Sinkhorn without a stored cost, 3-D clouds, squared Euclidean cost / max, η = 100, tolerance 1e-6",
                          ["method", "iterations", "seconds", "final error", "<C,P>", "converged", "peak RSS", "cost scan"])
        table.add(["online-sinkhorn", String(s.iterations), Fmt.seconds(s.seconds), Fmt.sci(s.marginalError), String(format: "%.10f", s.transportCost),
                   s.converged ? "yes" : "no", String(format: "%.0f MB", peakMB), Fmt.seconds(setupSeconds)])
        context.add(Record(suite: "sinkhorn", caseName: caseName, method: "online-sinkhorn", iterations: s.iterations, seconds: s.seconds,
                           error: s.marginalError, value: s.transportCost, baseline: n <= 5000 ? "sinkhorn-log-domain" : nil, converged: s.converged,
                           extra: ["n": .integer(n), "d": .integer(3), "eta": .number(100), "peakResidentMB": .number(peakMB),
                                   "costScanSeconds": .number(setupSeconds), "denseCostMB": .number(Double(n) * Double(n) * 8 / 1e6)]))
        if n <= 5000 {
            let dense = try Sinkhorn(regularization: .eta(100), tolerance: 1e-6, form: .logDomain, threads: context.threads)
                .solve(try TransportProblem(source: mu, target: nu, groundCost: .squaredEuclidean, normalizeCost: true))
            table.add(["sinkhorn-log-domain", String(dense.iterations), Fmt.seconds(dense.seconds), Fmt.sci(dense.marginalError),
                       String(format: "%.10f", dense.transportCost), dense.converged ? "yes" : "no", "—", "—"])
            context.add(Record(suite: "sinkhorn", caseName: caseName, method: "sinkhorn-log-domain", iterations: dense.iterations,
                               seconds: dense.seconds, error: dense.marginalError, value: dense.transportCost, converged: dense.converged,
                               extra: ["n": .integer(n)]))
        }
        table.print()
    }

    /// Entropic OT at large η on a 100 × 100 random cost in [0, 1] (uniform weights), tolerance
    /// 1e-9, with the default η-continuation, and for comparison solved directly (iteration caps
    /// 100,000 Sinkhorn iterations / 200 Newton steps). One record per method and η; `error` = L1
    /// marginal error, `extra.gapToExact` = ⟨C, P⟩ − the network simplex's exact cost.
    static func etaSweep(_ context: inout BenchContext, n: Int, etas: [Double]) throws {
        let caseName = "eta-sweep-random-n\(n)"
        var g = Xoshiro256StarStar(seed: context.seed &+ 7)
        let w = [Double](repeating: 1 / Double(n), count: n)
        let problem = try TransportProblem(source: w, target: w, cost: Matrix.randomUniform(rows: n, columns: n, using: &g))
        let exact = try NetworkSimplex().solve(problem)
        let threads = context.threads
        var table = Table("\(caseName): entropic OT at large η, C ~ U[0, 1], tolerance 1e-9; gap = ⟨C, P⟩ − exact cost (network simplex)",
                          ["method", "η", "stages", "iterations", "(sinkhorn+newton+fallback)", "seconds", "final error", "gap to exact",
                           "log(n²)/η", "converged"])
        for eta in etas {
            let methods: [(String, () throws -> TransportSolution)] = [
                ("sinkhorn", { try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9, threads: threads).solve(problem) }),
                ("sns", { try SinkhornNewtonSparse(regularization: .eta(eta), tolerance: 1e-9, threads: threads).solve(problem) }),
                ("sinkhorn-direct", { try Sinkhorn(regularization: .eta(eta), tolerance: 1e-9, continuation: .none, threads: threads).solve(problem) }),
                ("sns-direct", { try SinkhornNewtonSparse(regularization: .eta(eta), tolerance: 1e-9, continuation: .none, threads: threads).solve(problem) }),
            ]
            for (name, solve) in methods {
                Progress.log("sinkhorn: \(caseName) \(name) η = \(Fmt.sci(eta, 0))")
                let s = try solve()
                let gap = s.transportCost - exact.transportCost
                table.add([name, Fmt.sci(eta, 0), "\(s.schedule.count)", "\(s.iterations)",
                           "\(s.sinkhornIterations)+\(s.newtonIterations)+\(s.fallbackIterations)", Fmt.seconds(s.seconds),
                           Fmt.sci(s.marginalError), Fmt.sci(gap), Fmt.sci(2 * Foundation.log(Double(n)) / eta), s.converged ? "yes" : "no"])
                context.add(Record(suite: "sinkhorn", caseName: caseName, method: name, iterations: s.iterations, innerIterations: s.cgIterations,
                                   seconds: s.seconds, error: s.marginalError, value: s.transportCost, baseline: "sinkhorn", converged: s.converged,
                                   extra: ["eta": .number(eta), "n": .integer(n), "gapToExact": .number(gap), "exactCost": .number(exact.transportCost),
                                           "newtonIterations": .integer(s.newtonIterations), "stages": .integer(s.schedule.count),
                                           "schedule": .string(s.schedule.map { "\(Fmt.sci($0.eta, 0)):\($0.iterations)" }.joined(separator: " "))]))
            }
        }
        table.print()
    }

    /// Exact transport (network simplex) between the 2-D Gaussian clouds of
    /// `Fixtures/exact_transport.json` (X ~ N(0, I), Y ~ N(1, I), uniform weights, squared
    /// Euclidean cost), against POT's `ot.emd` cost stored there. `iterations` = pivots, `error` =
    /// relative difference from POT's cost.
    static func exactClouds(_ context: inout BenchContext, n: Int) throws {
        let caseName = "exact-clouds-n\(n)"
        Progress.log("sinkhorn: \(caseName)")
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/exact_transport.json")
        guard let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any],
              let clouds = json["clouds\(n)"] as? [String: Any], let x = clouds["x"] as? [[Double]], let y = clouds["y"] as? [[Double]],
              let reference = clouds["cost"] as? Double else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let problem = try TransportProblem(source: try DiscreteMeasure.uniform(support: try Matrix(rowsOf: x), name: "source"),
                                           target: try DiscreteMeasure.uniform(support: try Matrix(rowsOf: y), name: "target"),
                                           groundCost: .squaredEuclidean)
        // The pivot rule, measured: block search with the default ⌈√(nm)⌉ arcs per block, and
        // blocks 16× smaller and 4× and 16× larger (full runs only).
        let root = Int((Double(n) * Double(n)).squareRoot().rounded(.up))
        var variants: [(name: String, block: Int?)] = [("network-simplex", nil)]
        if !context.quick {
            variants += [("block-sqrt/16", max(1, root / 16)), ("block-4sqrt", 4 * root), ("block-16sqrt", 16 * root)]
        }
        let header = ["method", "block", "pivots", "degenerate", "seconds", "cost", "rel. diff. from POT", "dual violation", "gap", "converged"]
        var table = Table("\(caseName): exact OT between 2-D Gaussian clouds, squared Euclidean cost, vs POT ot.emd's cost", header)
        for variant in variants {
            var solution: ExactTransportSolution?
            let repeats = context.quick || variant.block != nil ? 1 : 3
            let seconds = try bestTime(repeats: repeats, warmup: false) {
                solution = try NetworkSimplex(blockSize: variant.block).solve(problem)
            }
            let s = solution!
            let error = abs(s.transportCost - reference) / reference
            let block: Int = variant.block ?? root
            let row: [String] = [variant.name, String(block), String(s.pivots), String(s.degeneratePivots), Fmt.seconds(seconds),
                                 String(format: "%.15g", s.transportCost), Fmt.sci(error), Fmt.sci(s.certificate.dualViolation),
                                 Fmt.sci(s.certificate.complementaryGap), s.converged ? "yes" : "no"]
            table.add(row)
            var extra: [String: JSONValue] = ["n": .integer(n), "blockSize": .integer(block), "potCost": .number(reference)]
            extra["degeneratePivots"] = .integer(s.degeneratePivots)
            extra["planEntries"] = .integer(s.plan.count)
            extra["primalResidual"] = .number(s.certificate.primalResidual)
            extra["dualViolation"] = .number(s.certificate.dualViolation)
            extra["complementaryGap"] = .number(s.certificate.complementaryGap)
            context.add(Record(suite: "sinkhorn", caseName: caseName, method: variant.name, iterations: s.pivots, seconds: seconds,
                               error: error, value: s.transportCost, baseline: "network-simplex", converged: s.converged, extra: extra))
        }
        table.print()
    }

    /// Solves one problem with every method; table, records and convergence plots.
    static func runCase(_ context: inout BenchContext, _ caseName: String, _ problem: TransportProblem,
                        tolerance: Double, _ methods: [Method]) throws {
        var results: [(String, TransportSolution)] = []
        for m in methods {
            Progress.log("sinkhorn: \(caseName) \(m.name)")
            let s = try m.solve(problem)
            Progress.log("sinkhorn: \(caseName) \(m.name): \(s.iterations) iterations, \(Fmt.seconds(s.seconds)), error \(Fmt.sci(s.marginalError))")
            results.append((m.name, s))
        }
        let base = results[0].1
        var table = Table("\(caseName): n = \(problem.rows), m = \(problem.columns), η = 1200, L1 marginal tolerance \(Fmt.sci(tolerance, 0))",
                          ["method", "iterations", "(sinkhorn+newton+fallback)", "CG", "seconds", "final error", "<C,P>", "converged",
                           "iterations vs sinkhorn", "speed-up"])
        for (name, s) in results {
            let iterRatio = Double(base.iterations) / Double(max(1, s.iterations))
            let speedup = base.seconds / s.seconds
            table.add([name, "\(s.iterations)", "\(s.sinkhornIterations)+\(s.newtonIterations)+\(s.fallbackIterations)",
                       "\(s.cgIterations)", Fmt.seconds(s.seconds), Fmt.sci(s.marginalError), String(format: "%.10f", s.transportCost),
                       s.converged ? "yes" : "NO", Fmt.ratio(iterRatio), Fmt.ratio(speedup)])
            context.add(Record(suite: "sinkhorn", caseName: caseName, method: name, iterations: s.iterations, innerIterations: s.cgIterations,
                               seconds: s.seconds, error: s.marginalError, value: s.transportCost, baseline: "sinkhorn", converged: s.converged,
                               extra: ["n": .integer(problem.rows), "m": .integer(problem.columns), "eta": .number(1200), "tolerance": .number(tolerance),
                                       "sinkhornIterations": .integer(s.sinkhornIterations), "newtonIterations": .integer(s.newtonIterations),
                                       "fallbackIterations": .integer(s.fallbackIterations), "cgIterations": .integer(s.cgIterations),
                                       "iterationRatio": .number(iterRatio), "speedup": .number(speedup),
                                       "entropicObjective": .number(s.entropicObjective)]))
        }
        table.print()
        var byIteration = SVGPlot(title: "\(caseName): L1 marginal error", xLabel: "iteration", yLabel: "L1 marginal error", logX: true, logY: true)
        var byTime = SVGPlot(title: "\(caseName): L1 marginal error", xLabel: "seconds", yLabel: "L1 marginal error", logX: true, logY: true)
        for (name, s) in results {
            let stride = max(1, s.history.count / 2000)
            let pts = s.history.enumerated().filter { $0.offset % stride == 0 || $0.offset == s.history.count - 1 }.map(\.element)
            byIteration.add(name, pts.map { (Double($0.iteration), $0.marginalError) })
            byTime.add(name, pts.map { ($0.seconds, $0.marginalError) })
        }
        context.writePlot(byIteration, name: "sinkhorn-\(caseName)-iterations")
        context.writePlot(byTime, name: "sinkhorn-\(caseName)-time")
    }

    /// Sinkhorn's iteration count varies a lot between random instances; SNS's does not.
    static func seedsSummary(_ context: inout BenchContext, n: Int, eta: Double) throws {
        let caseName = "random-assignment-n\(n)-eta1200-seeds"
        var rows: [(UInt64, TransportSolution, TransportSolution)] = []
        for k in 1...5 {
            let seed = context.seed &+ UInt64(k)
            var g = Xoshiro256StarStar(seed: seed)
            let w = [Double](repeating: 1 / Double(n), count: n)
            let p = try TransportProblem(source: w, target: w, cost: Matrix.randomUniform(rows: n, columns: n, using: &g))
            Progress.log("sinkhorn: \(caseName) seed \(seed)")
            let sk = try Sinkhorn(regularization: .eta(eta), tolerance: 1e-10, maxIterations: 1_000_000, threads: context.threads).solve(p)
            let sns = try SinkhornNewtonSparse(regularization: .eta(eta), tolerance: 1e-10, threads: context.threads).solve(p)
            rows.append((seed, sk, sns))
        }
        var table = Table("\(caseName): five more random instances, tolerance 1e-10", ["seed", "sinkhorn iterations", "seconds", "sns iterations", "seconds", "iterations ratio", "speed-up"])
        for (seed, sk, sns) in rows {
            table.add(["\(seed)", "\(sk.iterations)", Fmt.seconds(sk.seconds), "\(sns.iterations)", Fmt.seconds(sns.seconds),
                       Fmt.ratio(Double(sk.iterations) / Double(sns.iterations)), Fmt.ratio(sk.seconds / sns.seconds)])
        }
        table.print()
        let skIters = rows.map { Double($0.1.iterations) }.sorted(), snsIters = rows.map { Double($0.2.iterations) }.sorted()
        let snsTimes = rows.map { $0.2.seconds }.sorted(), skTimes = rows.map { $0.1.seconds }.sorted()
        for (method, iters, times, conv) in [("sinkhorn", skIters, skTimes, rows.allSatisfy { $0.1.converged }),
                                             ("sns", snsIters, snsTimes, rows.allSatisfy { $0.2.converged })] {
            context.add(Record(suite: "sinkhorn", caseName: caseName, method: method, iterations: Int(iters[2]), seconds: times[2],
                               error: nil, value: nil, baseline: "sinkhorn", converged: conv,
                               extra: ["medianOf": .integer(5), "minIterations": .integer(Int(iters[0])), "maxIterations": .integer(Int(iters[4])),
                                       "maxSeconds": .number(times[4])]))
        }
    }

    /// Seconds per Sinkhorn iteration (the form the solver picks, and pure log domain) against two
    /// dgemv passes over the same matrix: the bandwidth limit of an iteration.
    static func iterationCost(_ context: inout BenchContext, n: Int) throws {
        let caseName = "iteration-cost-n\(n)"
        Progress.log("sinkhorn: \(caseName)")
        var g = Xoshiro256StarStar(seed: context.seed)
        let w = [Double](repeating: 1 / Double(n), count: n)
        let p = try TransportProblem(source: w, target: w, cost: Matrix.randomUniform(rows: n, columns: n, using: &g))
        let iterations = context.quick ? 100 : 300
        func perIteration(_ form: Sinkhorn.Form, _ count: Int) throws -> Double {
            // From the solver's own history: time between the end of iteration 2 and the end of
            // the last one (excludes set-up and the first, log-domain, iteration).
            let s = try Sinkhorn(regularization: .eta(1200), tolerance: 1e-300, maxIterations: count + 2, form: form, threads: context.threads).solve(p)
            return (s.history[s.history.count - 1].seconds - s.history[1].seconds) / Double(s.history.count - 2)
        }
        let kernel = try perIteration(.automatic, iterations)
        let log = try perIteration(.logDomain, iterations / 5)
        let m = p.cost
        var x = [Double](repeating: 1, count: n), y = [Double](repeating: 0, count: n)
        let gemv2 = bestTime(repeats: 20) {
            m.withUnsafeBufferPointer { a in
                x.withUnsafeMutableBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
                    UnsafeBLAS.gemv(transpose: false, rows: n, columns: n, alpha: 1, a: a.baseAddress!, lda: n, x: xb.baseAddress!, beta: 0, y: yb.baseAddress!)
                    UnsafeBLAS.gemv(transpose: true, rows: n, columns: n, alpha: 1, a: a.baseAddress!, lda: n, x: yb.baseAddress!, beta: 0, y: xb.baseAddress!)
                } }
            }
        }
        var table = Table("\(caseName): seconds per Sinkhorn iteration against two dgemv passes over an \(n)×\(n) matrix",
                          ["method", "seconds / iteration", "vs two dgemv"])
        for (name, t) in [("sinkhorn-automatic", kernel), ("sinkhorn-log-domain", log), ("dgemv-x2", gemv2)] {
            table.add([name, Fmt.seconds(t), Fmt.ratio(t / gemv2)])
            context.add(Record(suite: "sinkhorn", caseName: caseName, method: name, seconds: t, error: nil, value: nil, baseline: "dgemv-x2",
                               extra: ["overTwoDgemv": .number(t / gemv2), "n": .integer(n)]))
        }
        table.print()
    }

    /// A smooth density on a `side × side` grid: a sum of Gaussian bumps (row, column, width, weight).
    static func blobs(_ side: Int, _ bumps: [(Double, Double, Double, Double)]) -> Matrix {
        Matrix(rows: side, columns: side) { i, j in
            bumps.reduce(0.0) { acc, b in
                let di = Double(i) - b.0, dj = Double(j) - b.1
                return acc + b.3 * Foundation.exp(-(di * di + dj * dj) / (2 * b.2 * b.2))
            }
        }
    }

    /// Two Gaussian point clouds in the plane (uniform weights), squared Euclidean cost normalized to max 1.
    static func gaussianClouds(_ n: Int, seed: UInt64) throws -> TransportProblem {
        var g = Xoshiro256StarStar(seed: seed &+ 99)
        let x = Matrix(rows: n, columns: 2) { _, _ in g.nextStandardNormal() }
        let y = Matrix(rows: n, columns: 2) { _, k in k == 0 ? 2 + 0.5 * g.nextStandardNormal() : 1 + 1.5 * g.nextStandardNormal() }
        return try TransportProblem(source: try DiscreteMeasure.uniform(support: x, name: "source"),
                                    target: try DiscreteMeasure.uniform(support: y, name: "target"),
                                    groundCost: .squaredEuclidean, normalizeCost: true)
    }
}
