import Foundation
import LinearAlgebra
import OptimalTransport
import SlicedWasserstein

/// `bench sliced`: Monte Carlo against the lower/upper control variates (Nguyen & Ho, ICLR 2024).
/// `error` = mean absolute error of the estimate of SW_2² over repetitions (seeds).
enum SlicedSuite {
    struct Method {
        let name: String
        let cv: ControlVariate
        let rule: CoefficientRule
    }

    static let methods = [
        Method(name: "mc", cv: .none, rule: .leastSquares),
        Method(name: "lcv", cv: .lower, rule: .knownMean),
        Method(name: "ucv", cv: .upper, rule: .knownMean),
        Method(name: "lcv-ols", cv: .lower, rule: .leastSquares),
        Method(name: "ucv-ols", cv: .upper, rule: .leastSquares),
        Method(name: "cv-both-ols", cv: .both, rule: .leastSquares),
    ]

    static func run(_ context: inout BenchContext) throws {
        print("\n== sliced ==")
        let quick = context.quick
        let reps = quick ? 30 : 200
        var g = Xoshiro256StarStar(seed: context.seed)

        // Gaussian clouds, d = 20, n = 500, different means and covariances.
        let d = 20, n = quick ? 200 : 500
        let scales = (0..<d).map { 0.5 + Double($0) / Double(d) }
        let x = Matrix(rows: n, columns: d) { _, _ in g.nextStandardNormal() }
        let y = Matrix(rows: n, columns: d) { _, k in 1 + scales[k] * g.nextStandardNormal() + (k % 3 == 0 ? 0.5 : 0) }
        let mu = try EmpiricalMeasure(points: x), nu = try EmpiricalMeasure(points: y)
        let truth = try reference(mu, nu, projections: quick ? 20_000 : 200_000, context: context)
        var errorPlot = SVGPlot(title: "Gaussian clouds d = 20: mean absolute error of SW₂² against L", xLabel: "projections L",
                                yLabel: "mean absolute error", logX: true, logY: true)
        var curves: [String: [(Double, Double)]] = [:]
        for L in [10, 100, 1000] {
            let rows = try compare(&context, "gaussian-d20-n\(n)-L\(L)", mu, nu, L: L, truth: truth.value, truthError: truth.error, reps: quick && L == 1000 ? 10 : reps)
            for (name, mae) in rows { curves[name, default: []].append((Double(L), mae)) }
        }
        for m in methods { errorPlot.add(m.name, curves[m.name] ?? []) }
        context.writePlot(errorPlot, name: "sliced-gaussian-error-vs-L")

        // Exact cases: translation and scaling about a shared mean.
        let dt = 10, nt = quick ? 300 : 1000
        let xt = Matrix(rows: nt, columns: dt) { _, _ in g.nextStandardNormal() }
        let shift = (0..<dt).map { Double($0) * 0.2 - 0.7 }
        let yt = Matrix(rows: nt, columns: dt) { i, k in xt[i, k] + shift[k] }
        let muT = try EmpiricalMeasure(points: xt), nuT = try EmpiricalMeasure(points: yt)
        _ = try compare(&context, "translation-d10-n\(nt)-L10", muT, nuT, L: 10, truth: shift.reduce(0) { $0 + $1 * $1 } / Double(dt), truthError: 0, reps: reps)
        let mean = muT.mean
        let a = 1.6
        let ys = Matrix(rows: nt, columns: dt) { i, k in a * (xt[i, k] - mean[k]) + mean[k] }
        _ = try compare(&context, "scaling-d10-n\(nt)-L10", muT, try EmpiricalMeasure(points: ys), L: 10,
                        truth: (a - 1) * (a - 1) * muT.covarianceTrace / Double(dt), truthError: 0, reps: reps)

        // A 3-D point-cloud pair: points on a sphere against points on a torus.
        let n3 = quick ? 300 : 1000
        let sphere = Matrix(rows: n3, columns: 3) { _, _ in 0 }
        var sp = sphere
        for i in 0..<n3 {
            let v = (0..<3).map { _ in g.nextStandardNormal() }
            let r = (v.reduce(0) { $0 + $1 * $1 }).squareRoot()
            for k in 0..<3 { sp[i, k] = v[k] / r }
        }
        let torus = Matrix(rows: n3, columns: 3) { _, _ in 0 }
        var tp = torus
        for i in 0..<n3 {
            let u = 2 * Double.pi * g.nextUniform(), w = 2 * Double.pi * g.nextUniform()
            tp[i, 0] = (1.5 + 0.4 * cos(w)) * cos(u) + 0.5
            tp[i, 1] = (1.5 + 0.4 * cos(w)) * sin(u)
            tp[i, 2] = 0.4 * sin(w)
        }
        let mu3 = try EmpiricalMeasure(points: sp), nu3 = try EmpiricalMeasure(points: tp)
        let truth3 = try reference(mu3, nu3, projections: quick ? 20_000 : 200_000, context: context)
        _ = try compare(&context, "pointcloud-3d-n\(n3)-L10", mu3, nu3, L: 10, truth: truth3.value, truthError: truth3.error, reps: reps)
        _ = try compare(&context, "pointcloud-3d-n\(n3)-L100", mu3, nu3, L: 100, truth: truth3.value, truthError: truth3.error, reps: reps)

        // Higher dimension: 28×28 "images" (smooth blobs at random places), d = 784.
        let side = 28, ni = quick ? 100 : 300
        func images(_ centre: Double, _ spread: Double) -> Matrix {
            var m = Matrix(rows: ni, columns: side * side)
            for i in 0..<ni {
                let ci = centre + spread * g.nextStandardNormal(), cj = centre + spread * g.nextStandardNormal()
                let w = 2 + g.nextUniform() * 2
                for r in 0..<side { for c in 0..<side {
                    let dr = Double(r) - ci, dc = Double(c) - cj
                    m[i, r + c * side] = exp(-(dr * dr + dc * dc) / (2 * w * w))
                } }
            }
            return m
        }
        let muI = try EmpiricalMeasure(points: images(12, 3)), nuI = try EmpiricalMeasure(points: images(15, 4))
        let truthI = try reference(muI, nuI, projections: quick ? 5_000 : 50_000, context: context)
        _ = try compare(&context, "images-d784-n\(ni)-L100", muI, nuI, L: 100, truth: truthI.value, truthError: truthI.error, reps: quick ? 20 : 100)

        try timing(&context)
        try gradientFlow(&context)
    }

    /// A very-large-L Monte Carlo value with its standard error (the truth where no closed form exists).
    static func reference(_ mu: EmpiricalMeasure, _ nu: EmpiricalMeasure, projections: Int, context: BenchContext) throws -> (value: Double, error: Double) {
        Progress.log("sliced: reference with \(projections) directions")
        let e = try SlicedWasserstein(projections: projections, controlVariate: .upper, threads: context.threads).estimate(mu, nu, seed: context.seed &+ 777)
        return (e.powered, e.standardError)
    }

    /// Repeats every method over `reps` seeds at one L; returns (method, mean absolute error).
    static func compare(_ context: inout BenchContext, _ caseName: String, _ mu: EmpiricalMeasure, _ nu: EmpiricalMeasure,
                        L: Int, truth: Double, truthError: Double, reps: Int) throws -> [(String, Double)] {
        Progress.log("sliced: \(caseName) (\(reps) repetitions)")
        var results: [(Method, mae: Double, variance: Double, seconds: Double, mean: Double, negatives: Int)] = []
        for m in methods {
            var estimates: [Double] = []
            var seconds = Double.infinity
            var negatives = 0
            for r in 0..<reps {
                let e = try SlicedWasserstein(projections: L, controlVariate: m.cv, coefficientRule: m.rule, threads: context.threads).estimate(mu, nu, seed: context.seed &+ UInt64(1000 * r))
                estimates.append(e.powered)
                seconds = min(seconds, e.seconds)
                if e.isNegative { negatives += 1 }
            }
            let mean = estimates.reduce(0, +) / Double(reps)
            let mae = estimates.reduce(0) { $0 + abs($1 - truth) } / Double(reps)
            let variance = estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, reps - 1))
            results.append((m, mae, variance, seconds, mean, negatives))
        }
        let mc = results[0]
        var table = Table("\(caseName): SW₂² truth \(String(format: "%.6g", truth))\(truthError > 0 ? " ± \(Fmt.sci(truthError, 1))" : " (exact)"), \(reps) repetitions",
                          ["method", "mean", "mean abs error", "variance", "variance vs mc", "L for 1% error", "time/estimate (best)", "time vs mc"])
        for r in results {
            // Directions needed for an RMS error of 1 % of the truth, from the variance at this L.
            let perDirection = r.variance * Double(L)
            let l1 = truth > 0 ? perDirection / pow(0.01 * truth, 2) : .nan
            table.add([r.0.name, String(format: "%.6g", r.mean), Fmt.sci(r.mae), Fmt.sci(r.variance),
                       r.variance > 1e-24 * truth * truth ? Fmt.ratio(mc.variance / r.variance) : "exact (≈0)", l1.isFinite ? String(format: "%.0f", max(1, l1.rounded(.up))) : "—",
                       Fmt.seconds(r.seconds), Fmt.ratio(r.seconds / mc.seconds)])
            context.add(Record(suite: "sliced", caseName: caseName, method: r.0.name, iterations: L, seconds: r.seconds, error: r.mae,
                               value: r.mean, baseline: "mc", converged: nil,
                               extra: ["variance": .number(r.variance), "varianceReductionVsMC": .number(r.variance > 0 ? mc.variance / r.variance : .infinity),
                                       "projectionsFor1Percent": .number(l1), "truth": .number(truth), "truthStandardError": .number(truthError),
                                       "repetitions": .integer(reps), "timeVsMC": .number(r.seconds / mc.seconds), "negativeEstimates": .integer(r.negatives)]))
        }
        table.print()
        return results.map { ($0.0.name, $0.mae) }
    }

    /// Time per estimate at n = 10,000, d = 50, L = 1000 (POT needs about 7.8 s here).
    static func timing(_ context: inout BenchContext) throws {
        let n = context.quick ? 2000 : 10_000, d = 50, L = 1000
        let caseName = "timing-n\(n)-d\(d)-L\(L)"
        Progress.log("sliced: \(caseName)")
        var g = Xoshiro256StarStar(seed: context.seed &+ 5)
        let mu = try EmpiricalMeasure(points: Matrix(rows: n, columns: d) { _, _ in g.nextStandardNormal() })
        let nu = try EmpiricalMeasure(points: Matrix(rows: n, columns: d) { _, _ in 1 + 2 * g.nextStandardNormal() })
        var table = Table("\(caseName): seconds per estimate (best of 5), \(context.threads) thread(s)", ["method", "seconds", "vs mc", "estimate"])
        var mcTime = 0.0
        for m in [methods[0], methods[4]] {
            var best = Double.infinity
            var value = 0.0
            for r in 0..<5 {
                let e = try SlicedWasserstein(projections: L, controlVariate: m.cv, coefficientRule: m.rule, threads: context.threads).estimate(mu, nu, seed: context.seed &+ UInt64(r))
                best = min(best, e.seconds)
                value = e.powered
            }
            if m.name == "mc" { mcTime = best }
            table.add([m.name, Fmt.seconds(best), Fmt.ratio(best / mcTime), String(format: "%.6g", value)])
            context.add(Record(suite: "sliced", caseName: caseName, method: m.name, iterations: L, seconds: best, error: nil, value: value,
                               baseline: "mc", extra: ["timeVsMC": .number(best / mcTime), "n": .integer(n), "d": .integer(d)]))
        }
        table.print()
    }

    /// The paper's point-cloud gradient flow in small: move a cloud toward a target with L = 10
    /// directions per step; the exact W₂² (entropic OT at large η, OptimalTransport target) at checkpoints.
    static func gradientFlow(_ context: inout BenchContext) throws {
        let n = context.quick ? 100 : 300, steps = context.quick ? 300 : 2000
        let caseName = "gradient-flow-n\(n)-d3-L10"
        var g = Xoshiro256StarStar(seed: context.seed &+ 8)
        let x = Matrix(rows: n, columns: 3) { _, _ in g.nextStandardNormal() }
        let y = Matrix(rows: n, columns: 3) { i, k in (k == 0 ? 4 : 2) + (i % 2 == 0 ? 1.5 : -1.5) * (k == 1 ? 1 : 0) + 0.3 * g.nextStandardNormal() }
        let source = try EmpiricalMeasure(points: x), target = try EmpiricalMeasure(points: y)
        let checkpoints = [0, steps / 4, steps / 2, steps]
        var table = Table("\(caseName): W₂² between the moving cloud and the target (entropic OT, η = 5000 on the normalized cost, SNS), lr 0.01",
                          ["method"] + checkpoints.map { "step \($0)" } + ["seconds"])
        var plot = SVGPlot(title: "Gradient flow: W₂² against steps", xLabel: "step", yLabel: "W₂²", logX: false, logY: true)
        for m in [methods[0], methods[3], methods[4]] {
            Progress.log("sliced: \(caseName) \(m.name)")
            let clock = Stopwatch()
            let flow = SlicedWassersteinFlow(estimator: SlicedWasserstein(projections: 10, controlVariate: m.cv, coefficientRule: m.rule,
                                                                          threads: 1),
                                             learningRate: 0.01, steps: steps, checkpoints: checkpoints)
            let r = try flow.run(source: source, target: target, seed: context.seed)
            let seconds = clock.elapsed
            var w2: [Double] = []
            for (_, pts) in r.checkpoints {
                let p = try TransportProblem(source: try DiscreteMeasure.uniform(support: pts), target: try DiscreteMeasure.uniform(support: y),
                                             groundCost: .squaredEuclidean, normalizeCost: true)
                let s = try SinkhornNewtonSparse(regularization: .eta(5000), tolerance: 1e-9, warmUpIterations: 50, threads: context.threads).solve(p)
                w2.append(s.transportCost * p.costScale)
            }
            table.add([m.name] + w2.map { String(format: "%.4g", $0) } + [Fmt.seconds(seconds)])
            plot.add(m.name, zip(checkpoints, w2).map { (Double($0), $1) })
            context.add(Record(suite: "sliced", caseName: caseName, method: m.name, iterations: steps, seconds: seconds, error: nil,
                               value: w2.last, baseline: "mc",
                               extra: Dictionary(uniqueKeysWithValues: zip(checkpoints, w2).map { ("w2AtStep\($0)", JSONValue.number($1)) })))
        }
        table.print()
        context.writePlot(plot, name: "sliced-gradient-flow")
    }
}
