import Foundation
import LinearAlgebra

/// The d-dimensional path of the fast solver: Gauss–Newton with PCG on the Kronecker model.
extension FastGPSolver {
    /// The d-dimensional path: per-axis kernels from the data (source and boundary lines along
    /// each axis), then the Kronecker model's Gauss–Newton / preconditioned-CG solve for U.
    func solveKronecker(_ problem: PDEProblem, _ grids: [Grid1D]) throws -> GPSolution {
        let clock = Stopwatch()
        let dims = grids.map(\.count)
        let data = try GridData(problem, grids)
        let (f, g) = (data.source, data.boundaryData)
        var kernels = try lineKernels(problem, grids, data) ?? options.startingKernels(grids: grids, data: data)
        var model = try KroneckerModel(problem: problem, grids: grids, kernels: kernels, options: options, source: f, boundaryData: g)
        model.maxCGIterations = linearIterationCap
        let steps = problem.pde.isLinear ? 1 : gaussNewtonIterations
        var start: [Double]?
        var coarseSteps = 0
        var linearSolves = NestedSolves()
        if let coarse = coarseStart {
            guard coarse.gridSize >= 3, coarse.gridSize < dims.min()!, coarse.linearIterationCap >= 1, coarse.gaussNewtonIterations >= 1 else {
                throw GaussianProcessPDEError.invalidParameter(name: "coarseStart.gridSize", value: Double(coarse.gridSize),
                                                              requirement: "3 ≤ coarse grid < \(dims.min()!), budgets ≥ 1")
            }
            var coarseSolver = self
            coarseSolver.coarseStart = nil
            coarseSolver.recordTestError = false
            coarseSolver.linearIterationCap = coarse.linearIterationCap
            coarseSolver.gaussNewtonIterations = coarse.gaussNewtonIterations
            let first = try coarseSolver.solve(problem, gridSize: coarse.gridSize)
            coarseSteps = first.iterations
            linearSolves.merge(first.linearSolves)
            // Ridge fits of the coarse prediction for ε on a decade grid (relative to k(0)); the one
            // with the lowest objective on this grid is kept (or zero, if lower still) — a choice
            // by the model's own objective, not by any test error.
            let scale = kernels.reduce(1) { $0 * $1.value(0) }
            let ridges = stride(from: -4.0, through: -12, by: -1).map { scale * pow(10, $0) }
            let candidates = try model.coefficients(fitting: try first.predict(onGrid: grids.map(\.points)), ridges: ridges)
            let zero = [Double](repeating: 0, count: model.unknowns)
            start = try (candidates + [zero]).map { (try model.objective(at: $0), $0) }.min { $0.0 < $1.0 }?.1
        }
        var (c, e) = try model.solve(start: start, maxSteps: steps)
        var totalSteps = coarseSteps + model.gaussNewtonSteps
        linearSolves.merge(model.linearSolves)
        var fit: Convergence?
        if kroneckerHyperparameterIterations > 0 {
            let jitters = model.axes.map(\.jitter)
            let joint = KroneckerLogJoint(problem: problem, grids: grids, options: options, jitters: jitters, data: data)
            let counts = kernels.map(\.parameterCount)
            let base = kernels
            func unpack(_ theta: [Double]) -> [SpectralKernel] {
                var out = base, offset = 0
                for k in 0..<out.count {
                    out[k].parameters = Array(theta[offset..<(offset + counts[k])])
                    offset += counts[k]
                }
                return out
            }
            var latest = (theta: kernels.flatMap(\.parameters), model: model, c: c, e: e)
            let outcome = LBFGS(maxIterations: kroneckerHyperparameterIterations).minimize(latest.theta) { theta in
                let ks = unpack(theta)
                guard ks.allSatisfy({ $0.parameters.allSatisfy(\.isFinite) }),
                      let m = try? KroneckerModel(problem: problem, grids: grids, kernels: ks, options: options, source: f,
                                                  boundaryData: g, absoluteJitters: jitters) else { return nil }
                m.maxCGIterations = linearIterationCap
                let solved = try? m.solve(start: latest.c, maxSteps: steps)
                linearSolves.merge(m.linearSolves)
                guard let solved else { return nil }
                let value = m.halfLogDeterminant + solved.eval.phi
                guard value.isFinite,
                      let ev = try? joint.evaluate(kernels: ks, u: m.applyL(solved.c), logTau1: options.logTauBoundary, logTau2: options.logTauEquation),
                      ev.gradTheta.allSatisfy(\.isFinite) else { return nil }
                latest = (theta, m, solved.c, solved.eval)
                return (value, ev.gradTheta)
            }
            if outcome.x != latest.theta {
                // The last evaluation was a rejected trial: solve once more at the accepted point.
                let m = try KroneckerModel(problem: problem, grids: grids, kernels: unpack(outcome.x), options: options, source: f,
                                           boundaryData: g, absoluteJitters: jitters)
                m.maxCGIterations = linearIterationCap
                let solved = try m.solve(start: latest.c, maxSteps: steps)
                linearSolves.merge(m.linearSolves)
                latest = (outcome.x, m, solved.c, solved.eval)
            }
            (model, c, e, kernels) = (latest.model, latest.c, latest.e, unpack(latest.theta))
            totalSteps = outcome.iterations
            fit = outcome.report(tolerance: LBFGS().gradientTolerance)
        }
        let alpha = model.applyLinvT(c)
        let objective = model.halfLogDeterminant + e.phi
        let seconds = clock.elapsed
        var err: Double?
        if recordTestError, let exact = problem.solution {
            err = try GPSolution.model(kernels: kernels, grids: grids, values: e.u, coefficients: alpha, jitters: model.axes.map(\.jitter))
                .relativeError(exact: exact)
        }
        let history = [GPIterationRecord(iteration: totalSteps, objective: objective, seconds: seconds, testError: err)]
        guard let report = model.lastSolve else {
            throw GaussianProcessPDEError.invalidParameter(name: "gaussNewtonIterations", value: Double(steps), requirement: "at least one Gauss–Newton step")
        }
        return GPSolution(kernels: kernels, grids: grids, values: e.u, coefficients: alpha, jitters: model.axes.map(\.jitter), iterations: totalSteps,
                          linearSolves: linearSolves, convergence: report, hyperparameterFit: fit, seconds: seconds, history: history)
    }
}
