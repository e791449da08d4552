import Foundation
import GaussianProcessPDE
import LinearAlgebra

/// `bench gp-pde`: the GP-HM benchmark problems (Fang et al., ICLR 2024). Methods: `fast-gm`
/// (Solver B with the Gaussian-mixture kernel: exact U solve + L-BFGS on the hyperparameters in
/// 1-D, the Kronecker solver in 2-D (Euclidean metric, deflated spectral preconditioner);
/// `fast-gm-spectral` the same with the spectral residual metric; `fast-gm-lines` learns each
/// axis's kernel on 1-D line problems first), `fast-stm` (the same with the
/// Student-t mixture, 1-D), and `adam-gm` (the paper's Adam on the joint, any dimension, with a
/// step budget). `iterations` = optimizer steps (L-BFGS iterations, Gauss–Newton steps, or Adam
/// steps); `innerIterations` = linear-solver work; `error` = the final model's relative L2 error
/// on the 300-per-dimension test grid.
enum GPPDESuite {
    static func run(_ context: inout BenchContext) throws {
        print("\n== gp-pde ==")
        // --quick: the 1-D Poisson sin(100x) case and a small 2-D case (not one of the paper's).
        var cases: [(name: String, problem: PDEProblem, grid: Int, paper: Double?, scale: Double)] =
            try (context.quick ? [.poisson1dSin100x] : PDEBenchmark.allCases).map {
                ($0.rawValue, try $0.problem(), $0.gridSize, $0.paperError, $0.frequencyScale)
            }
        if context.quick {
            cases.append(("poisson2d-sin20xsin20y", try PDEProblem(name: "poisson2d-sin20xsin20y", pde: .poisson, domain: [0...(2 * .pi), 0...(2 * .pi)],
                                                                 solution: { sin(20 * $0[0]) * sin(20 * $0[1]) },
                                                                 source: { -800 * sin(20 * $0[0]) * sin(20 * $0[1]) }), 100, nil, 5))
        }
        var table = Table("gp-pde: final-model relative L2 error on the 300-per-dimension test grid",
                          ["case", "grid", "method", "steps", "linear its", "seconds", "error", "paper (GM, best ckpt)", "error / paper"])
        for b in cases {
            let problem = b.problem, n = b.grid, dimension = problem.dimension
            var methods: [(String, () throws -> GPSolution)] = []
            var options = GPPDEOptions(frequencyScale: b.scale)
            if case .advection = problem.pde { options.boundaryWeight = 500 }
            // 1-D fast solver: jitter 1e-8 instead of the reference code's 1e-6 (the sin(500x)
            // case is limited by the jitter at 1e-6; all 1-D cases but Allen–Cahn sin(100x)
            // measured better at 1e-8). The Adam runs keep the reference settings.
            var fastOptions = options
            if dimension == 1 { fastOptions.jitter = 1e-8 }
            // Kronecker solver budgets (preconditioned-CG iterations per Gauss–Newton system). Under
            // the deflated preconditioner the Poisson systems converge well inside them; advection's
            // complex eigenbases have no coarse space yet.
            var fast = FastGPSolver(options: fastOptions)
            if dimension >= 2 {
                switch problem.pde {
                case .allenCahn: fast.linearIterationCap = 3000
                case .advection: fast.linearIterationCap = 8000
                case .poisson: fast.linearIterationCap = n >= 400 ? 1500 : 3000
                }
                // Allen–Cahn: 3 Gauss–Newton steps of at most 3000 iterations on 400² (about 4 minutes),
                // 6 on 200².
                fast.gaussNewtonIterations = n >= 400 ? 3 : 6
            }
            let fastSolver = fast
            methods.append(("fast-gm", { try fastSolver.solve(problem, gridSize: n) }))
            if case .poisson = problem.pde, dimension >= 2, n >= 400, !context.quick {
                // Each axis's kernel learned by 1-D fits on the line problems (30 L-BFGS iterations
                // each), then the same Kronecker solve.
                var lines = fast
                lines.lineHyperparameterIterations = 30
                let linesSolver = lines
                methods.append(("fast-gm-lines", { try linesSolver.solve(problem, gridSize: n) }))
            }
            if dimension >= 2 && problem.pde != .allenCahn {
                // The metric the per-axis eigenbases diagonalize: one structured solve (no PCG) for
                // linear problems. (On Allen–Cahn its Gauss–Newton iterations diverged: errors of
                // 13 and 12 in an earlier run, so it is no longer run there.)
                var spectral = fast
                spectral.options.residualMetric = .spectral
                let spectralSolver = spectral
                methods.append(("fast-gm-spectral", { try spectralSolver.solve(problem, gridSize: n) }))
            }
            if dimension == 1 && !context.quick {
                var stm = fastOptions
                stm.family = .studentTMixture
                methods.append(("fast-stm", { try FastGPSolver(options: stm).solve(problem, gridSize: n) }))
            }
            do {
                // A step budget, not convergence (the paper runs 10⁵–10⁶ steps); in 2-D the
                // figure of interest is the cost per step.
                let steps = context.quick ? 20 : (dimension == 1 ? 500 : 100)
                var adam = options
                adam.initialization = .reference
                methods.append(("adam-gm", { try AdamGPSolver(options: adam, steps: steps, recordEvery: steps / 10).solve(problem, gridSize: n) }))
            }
            var plot = SVGPlot(title: "\(b.name): test error against seconds", xLabel: "seconds", yLabel: "relative L2 error",
                               logX: true, logY: true)
            for (name, run) in methods {
                Progress.log("gp-pde: \(b.name) \(name)")
                let s: GPSolution
                do { s = try run() } catch {
                    table.add([b.name, "\(n)^\(dimension)", name, "—", "—", "—", "failed: \(error)"])
                    continue
                }
                let err = try s.relativeError(exact: problem.solution!)
                let perStep = name.hasPrefix("adam") ? s.seconds / Double(max(s.iterations, 1)) : nil
                table.add([b.name, "\(n)^\(dimension)", name, Fmt.int(s.iterations), Fmt.int(s.linearSolves.iterations), Fmt.fixed(s.seconds, 2),
                           Fmt.sci(err), Fmt.sci(b.paper, 1), Fmt.ratio(b.paper.map { err / $0 })])
                var extra: [String: JSONValue] = ["grid": .number(Double(n)), "paperError": b.paper.map { .number($0) } ?? .null]
                if let perStep { extra["secondsPerStep"] = .number(perStep) }
                // Every linear solve's outcome, and the final solve's criterion against its tolerance.
                extra["linearSolves"] = .integer(s.linearSolves.count)
                extra["linearSolvesUnconverged"] = .integer(s.linearSolves.unconverged)
                extra["worstLinearResidual"] = .number(s.linearSolves.worstCriterion)
                extra["finalCriterion"] = .number(s.convergence.criterion)
                extra["finalTolerance"] = .number(s.convergence.tolerance)
                context.add(Record(suite: "gp-pde", caseName: b.name, method: name, iterations: s.iterations, innerIterations: s.linearSolves.iterations,
                                   seconds: s.seconds, error: err, value: s.history.last?.objective, baseline: nil, converged: s.converged, extra: extra))
                plot.add(name, s.history.compactMap { h in h.testError.map { (max(h.seconds, 1e-3), $0) } })
            }
            context.writePlot(plot, name: "gp-pde-\(b.name)")
        }
        table.print()
    }
}

