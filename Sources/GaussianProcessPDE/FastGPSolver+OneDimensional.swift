import Foundation
import LinearAlgebra

/// The 1-D path of the fast solver: exact least-squares solves and L-BFGS on the kernel.
extension FastGPSolver {
    func solve1D(_ problem: PDEProblem, _ grid: Grid1D) throws -> GPSolution {
        let clock = Stopwatch()
        let f = try problem.sourceValues([grid])
        let candidates = try options.initialKernels(sourceAlongAxis: f, spacing: grid.spacing)
        let jitter = options.jitter * candidates[0].value(0)
        let model = try Model1D(problem: problem, grid: grid, options: options, jitter: jitter, maxGaussNewton: gaussNewtonIterations)
        var kernel = candidates[0]
        if candidates.count > 1 {
            let scored = try candidates.map { (try model.solve($0).objective, $0) }
            kernel = scored.min { $0.0 < $1.0 }!.1
        }
        var history: [GPIterationRecord] = []
        var overhead = 0.0     // time spent on test-error evaluations, excluded from the reported seconds
        func record(_ step: Int, _ state: Model1D.State, _ k: SpectralKernel) {
            let t0 = clock.elapsed
            defer { overhead += clock.elapsed - t0 }
            var err: Double?
            if recordTestError, let exact = problem.solution {
                let sol = GPSolution.model(kernels: [k], grids: [grid], values: state.u, coefficients: state.alpha,
                                           jitters: [model.jitter + state.cholesky.jitter])
                err = try? sol.relativeError(exact: exact)
            }
            history.append(GPIterationRecord(iteration: step, objective: state.objective, seconds: t0 - overhead, testError: err))
        }
        var state = try model.solve(kernel)
        record(0, state, kernel)
        var steps = 0
        var fit: Convergence?
        if hyperparameterIterations > 0 {
            var lastBeta = state.beta
            var lastState = state, lastKernel = kernel
            let lbfgs = LBFGS(maxIterations: hyperparameterIterations)
            let start = kernel.parameters
            // The last evaluation of each iteration is its accepted point (Armijo backtracking
            // stops at the first acceptable trial), so the observer sees that iterate's model.
            let outcome = lbfgs.minimize(start, observe: { i, _ in record(i, lastState, lastKernel) }) { theta in
                var k = kernel
                k.parameters = theta
                guard let s = try? model.solve(k, start: model.pde == .allenCahn ? lastBeta : nil), s.objective.isFinite,
                      let grad = try? model.gradient(k, s), grad.allSatisfy({ $0.isFinite }) else { return nil }
                lastBeta = s.beta
                lastState = s
                lastKernel = k
                return (s.objective, grad)
            }
            steps = outcome.iterations
            fit = outcome.report(tolerance: lbfgs.gradientTolerance)
            kernel.parameters = outcome.x
            state = try model.solve(kernel, start: model.pde == .allenCahn ? lastBeta : nil)
            if steps > 0 { history.removeLast() }   // re-recorded below with the final solve
            record(steps, state, kernel)
        }
        // Every linear solve here is a direct least-squares solve (QR): exact, so converged.
        var solves = NestedSolves()
        for _ in 0..<model.solves { solves.record(iterations: 1, converged: true, criterion: 0) }
        return GPSolution(kernels: [kernel], grids: [grid], values: state.u, coefficients: state.alpha, jitters: [model.jitter + state.cholesky.jitter],
                          iterations: steps, linearSolves: solves, convergence: state.convergence, hyperparameterFit: fit,
                          seconds: clock.elapsed - overhead, history: history)
    }
}
