import Foundation
import LinearAlgebra

extension SinkhornNewtonSparse {
    /// One damped Newton step on `state`, or `nil` when no acceptable step was found (a stall).
    ///
    /// Levenberg–Marquardt damping: `(H + μ diag H) Δ = ∇f` is solved by Jacobi-preconditioned CG;
    /// μ grows tenfold after a failed line search and shrinks tenfold after a full step, so
    /// Newton's quadratic convergence is kept near the optimum while far from it (nearly
    /// decoupled plans, whose dual is flat along whole blocks of potentials) the step tends to a
    /// scaled gradient step instead of overshooting. Every CG solve is recorded in
    /// `state.cgSolves`. On acceptance the potentials, plan and sums of `state` hold the new iterate.
    func newtonStep(_ state: inout Iterate, damping: inout Double) -> AcceptedStep? {
        let n = state.n, m = state.m, eta = state.eta
        let gradient = (0..<n).map { state.r[$0] - state.a[$0] } + (0..<m).map { state.c[$0] - state.b[$0] }
        var hessian = state.plan.withUnsafeBufferPointer { p in
            SparseHessian.build(plan: p.baseAddress!, n: n, m: m, rowSums: state.a, columnSums: state.b, eta: eta, rule: sparsity,
                                threads: threads)
        }
        hessian.threads = threads
        let diagonal = (state.a + state.b).map { eta * max($0, Double.leastNormalMagnitude) }
        let cg = ConjugateGradient(tolerance: cgTolerance, maxIterations: maxCGIterations)
        var cgIterations = 0, trials = 0
        while true {
            let op = DampedHessian(hessian: hessian, diagonal: diagonal, damping: damping)
            // A CG solve that fails (non-positive curvature, non-finite values) or leaves too
            // large a residual for a descent direction is recorded and answered by more damping.
            var direction: [Double]?
            do {
                let solve = try cg.solve(op, gradient, preconditioner: try JacobiPreconditioner(diagonal: diagonal.map { $0 * (1 + damping) }))
                state.cgSolves.record(iterations: solve.iterations, converged: solve.converged, criterion: solve.relativeResidual)
                cgIterations += solve.iterations
                if solve.relativeResidual <= SinkhornNewtonSparse.maxNewtonResidual && solve.solution.allSatisfy({ $0.isFinite }) {
                    direction = solve.solution
                }
            } catch {
                state.cgSolves.record(iterations: 0, converged: false, criterion: .infinity)
            }
            let size = direction.map { lineSearch(&state, direction: $0, gradient: gradient, trials: &trials) } ?? 0
            if size == 0 {
                if damping >= maxDamping { return nil }
                damping = SinkhornNewtonSparse.raised(damping, cap: maxDamping)
                continue
            }
            if size == 1 {
                damping = SinkhornNewtonSparse.lowered(damping)
            } else if size < SinkhornNewtonSparse.shortStep {
                // Accepted, but far from a full step: the model is poor at this distance.
                damping = SinkhornNewtonSparse.raised(damping, cap: maxDamping)
            }
            return AcceptedStep(size: size, cgIterations: cgIterations, keptEntries: hessian.keptEntries, trials: trials)
        }
    }

    /// Armijo backtracking along `direction` on the dual; returns the accepted step length and
    /// leaves the new iterate in `state`, or returns 0 and leaves `state` unchanged.
    ///
    /// The change of `f` is computed directly with `expm1` (not as a difference of two large
    /// sums); a non-finite trial counts as a failure; no trial changes a plan entry by more than
    /// `e^maxLogChange`.
    func lineSearch(_ state: inout Iterate, direction: [Double], gradient: [Double], trials: inout Int) -> Double {
        let n = state.n, m = state.m, eta = state.eta
        // Remove the component along the null direction (1, −1): it changes no plan entry but,
        // accumulated, makes x and y large and opposite, and x_i + y_j then loses digits to
        // cancellation.
        let shift = (zip(state.r, direction[0..<n]).reduce(0) { $0 + $1.0 * $1.1 }
                     - zip(state.c, direction[n...]).reduce(0) { $0 + $1.0 * $1.1 }) / 2
        let dx = direction[0..<n].map { $0 - shift }, dy = direction[n...].map { $0 + shift }
        let slope = zip(gradient, direction).reduce(0) { $0 + $1.0 * $1.1 }
        guard slope > 0 else { return 0 }
        let linear = zip(state.r, dx).reduce(0) { $0 + $1.0 * $1.1 } + zip(state.c, dy).reduce(0) { $0 + $1.0 * $1.1 }
        let reach = eta * ((dx.map(abs).max() ?? 0) + (dy.map(abs).max() ?? 0))
        var t = min(1, SinkhornNewtonSparse.maxLogChange / max(reach, 1e-300))
        for _ in 0..<maxBacktracks {
            trials += 1
            let (decrease, magnitude, maxExponent) = trialStep(dx: dx, dy: dy, t: t, eta: eta, n: n, m: m, plan: state.plan,
                                                               trial: &state.trial, rowSums: &state.aTrial, columnSums: &state.bTrial)
            let change = -decrease / eta + t * linear
            let slack = 1e-15 * (magnitude / eta + t * abs(linear))
            if change.isFinite && change >= armijo * t * slope - slack {
                for i in 0..<n { state.x[i] += t * dx[i] }
                for j in 0..<m { state.y[j] += t * dy[j] }
                swap(&state.plan, &state.trial)
                swap(&state.a, &state.aTrial)
                swap(&state.b, &state.bTrial)
                // Entries flushed to zero (below 1e−308) are not updated multiplicatively; once the
                // updates since the last rebuild could have grown one by e^maxDriftBeforeRefresh,
                // P is rebuilt from the potentials so that it can reappear.
                state.drift += maxExponent
                if state.drift > SinkhornNewtonSparse.maxDriftBeforeRefresh {
                    state.rebuildPlan()
                    state.planRefreshes += 1
                }
                return t
            }
            t *= 0.5
        }
        return 0
    }

    /// The plan after a step `t Δ` and the change of `Σ P`: with `w_ij = η t (Δx_i + Δy_j)`,
    /// `P'_ij = P_ij + P_ij expm1(w_ij)`. Returns `Σ P_ij expm1(w_ij)`, `Σ |P_ij expm1(w_ij)|` and
    /// `max |w_ij|` (bounded by the extreme Δ's).
    func trialStep(dx: [Double], dy: [Double], t: Double, eta: Double, n: Int, m: Int, plan: [Double],
                   trial: inout [Double], rowSums: inout [Double], columnSums: inout [Double]) -> (Double, Double, Double) {
        let wx = dx.map { eta * t * $0 }
        let wy = dy.map { eta * t * $0 }
        let maxW = (wx.map(abs).max() ?? 0) + (wy.map(abs).max() ?? 0)
        let chunks = max(1, min(threads, m / max(1, 32_768 / max(n, 1))))
        var partialRows = [Double](repeating: 0, count: n * chunks)
        var partialDelta = [Double](repeating: 0, count: 2 * chunks)
        plan.withUnsafeBufferPointer { p in
            trial.withUnsafeMutableBufferPointer { tr in
                columnSums.withUnsafeMutableBufferPointer { cs in
                    partialRows.withUnsafeMutableBufferPointer { pr in
                        partialDelta.withUnsafeMutableBufferPointer { pd in
                            wx.withUnsafeBufferPointer { wxb in
                                // Each chunk writes only its own columns, row accumulator and delta pair.
                                let plan = p.baseAddress!, trial = tr.baseAddress!, columnSums = cs.baseAddress!
                                let rows = pr.baseAddress!, delta = pd.baseAddress!, wx = wxb.baseAddress!
                                Parallel.forEachChunk(count: chunks, threads: chunks) { range in
                                    for chunk in range {
                                        let lo = m * chunk / chunks, hi = m * (chunk + 1) / chunks
                                        var d = 0.0, mag = 0.0
                                        for j in lo..<hi {
                                            let (dj, mj, sj) = SinkhornNewtonSparse.trialColumn(
                                                plan + j * n, n, wx, wy[j], trial + j * n, rows + chunk * n)
                                            d += dj
                                            mag += mj
                                            columnSums[j] = sj
                                        }
                                        delta[2 * chunk] = d
                                        delta[2 * chunk + 1] = mag
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for i in 0..<n { rowSums[i] = 0 }
        var decrease = 0.0, magnitude = 0.0
        for chunk in 0..<chunks {
            for i in 0..<n { rowSums[i] += partialRows[chunk * n + i] }
            decrease += partialDelta[2 * chunk]
            magnitude += partialDelta[2 * chunk + 1]
        }
        return (decrease, magnitude, maxW)
    }

    /// One column of a trial step; returns (Σ P expm1(w), Σ |P expm1(w)|, Σ P').
    @inline(__always)
    static func trialColumn(_ p: UnsafePointer<Double>, _ n: Int, _ wx: UnsafePointer<Double>, _ wyj: Double,
                            _ out: UnsafeMutablePointer<Double>, _ rowAcc: UnsafeMutablePointer<Double>) -> (Double, Double, Double) {
        let r = FusedColumnKernels.scaledByExp(column: p, count: n, rowExponents: wx, columnExponent: wyj,
                                               into: out, rowAccumulator: rowAcc)
        return (r.change, r.absoluteChange, r.sum)
    }
}
