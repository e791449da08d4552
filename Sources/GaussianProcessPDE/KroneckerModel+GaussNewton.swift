import Foundation
import LinearAlgebra

/// Gauss–Newton on the whitened coordinates, and the ridge fit that gives it a start.
extension KroneckerModel {
    /// Gauss–Newton (one exact step for linear PDEs, plus refinement) from `start` (zero by
    /// default); each step a preconditioned CG on `(I + τ₂JᵀJ + ρWᵀW) δ = −∇`.
    func solve(start: [Double]? = nil, maxSteps: Int, cgTolerance: Double = 1e-12) throws -> (c: [Double], eval: Evaluation) {
        var c = start ?? [Double](repeating: 0, count: total)
        var e = evaluate(c)
        let linear = pde != .allenCahn
        let pre = ClosureOperator(dimension: total) { [self] x, y in
            let r = applyLinearInverse(Array(x))
            for i in 0..<total { y[i] = r[i] }
        }
        var gaussNewtonConverged = false, systemsConverged = true
        var lastDecrease = Double.infinity, worstResidual = 0.0, taken = 0
        for _ in 0..<maxSteps {
            taken += 1
            let grad = gradient(c, e)
            let np = linear ? nil : e.u.map(pde.nonlinearDerivative)
            let op = ClosureOperator(dimension: total) { [self] x, y in
                let r = applySystem(Array(x), np)
                for i in 0..<total { y[i] = r[i] }
            }
            let cg = ConjugateGradient(tolerance: cgTolerance, maxIterations: maxCGIterations)
            let r: ConjugateGradient.Result
            do { r = try cg.solve(op, grad.map { -$0 }, preconditioner: pre) } catch {
                throw GaussianProcessPDEError.indefiniteGram("Gauss–Newton system: \(error)")
            }
            linearSolves.record(iterations: r.iterations, converged: r.converged, criterion: r.relativeResidual)
            lastSystemConverged = r.converged
            systemsConverged = systemsConverged && r.converged
            worstResidual = max(worstResidual, r.relativeResidual)
            gaussNewtonSteps += 1
            // A linear PDE's objective is quadratic: one Gauss–Newton step with a converged linear
            // solve is its exact minimizer.
            if linear && r.converged { gaussNewtonConverged = true }
            var t = 1.0, accepted = false
            for _ in 0..<30 {
                let trial = (0..<total).map { c[$0] + t * r.solution[$0] }
                let et = evaluate(trial)
                if et.phi.isFinite && et.phi <= e.phi {
                    let progress = (e.phi - et.phi) / max(abs(e.phi), 1e-300)
                    c = trial; e = et; accepted = progress > KroneckerModel.gaussNewtonTolerance
                    lastDecrease = progress
                    break
                }
                t *= 0.5
            }
            if !accepted {
                gaussNewtonConverged = true
                break
            }
        }
        // Reported: the worst linear relative residual against the CG tolerance when every system
        // met it and Gauss–Newton stopped on its criterion; otherwise what failed.
        let converged = gaussNewtonConverged && systemsConverged
        lastSolve = converged || !systemsConverged
            ? Convergence(converged: converged, iterations: taken, criterion: worstResidual, tolerance: cgTolerance,
                          criterionName: "worst relative residual of the Gauss–Newton systems")
            : Convergence(converged: false, iterations: taken, criterion: lastDecrease, tolerance: KroneckerModel.gaussNewtonTolerance,
                          criterionName: "Gauss–Newton relative decrease")
        return (c, e)
    }

    /// The Gauss–Newton matrix `(I + τ₂JᵀJ + ρWᵀW) v`, with `N'(U)` for a nonlinear PDE.
    func applySystem(_ v: [Double], _ np: [Double]?) -> [Double] {
        let jj: [Double]
        if np == nil && metric == .euclidean {
            jj = applyM(KroneckerModel.applyEach(lowerGrams, transposed: false, dims, applyM(v)), transposed: true)
        } else {
            let jv = applyJ(v, np, transposed: false)
            jj = applyJ(metric == .euclidean ? jv : applyMetric(jv), np, transposed: true)
        }
        let ww = applyWT(applyW(v))
        return (0..<total).map { v[$0] + tau2 * jj[$0] + rho * ww[$0] }
    }

    /// Whitened coordinates whose posterior mean at the grid fits given values: for each `ε`, the
    /// ridge solution `argmin_c ‖E c − u‖² + ε‖c‖²`, exact through the per-axis eigendecompositions
    /// of `E_kᵀE_k` (`EᵀE = ⊗E_kᵀE_k`). A Gauss–Newton start from values known elsewhere (a
    /// coarser model's prediction) that does not amplify their misfit by `K⁻¹` as `c = L⁻¹u` would.
    /// - Throws: `.dimensionMismatch` for `u` without one value per grid point,
    ///   `.invalidParameter` for a ridge that is not positive and finite.
    public func coefficients(fitting u: [Double], ridges: [Double]) throws -> [[Double]] {
        guard u.count == total else { throw GaussianProcessPDEError.dimensionMismatch("\(u.count) values for \(total) grid points") }
        guard u.allSatisfy({ $0.isFinite }) else { throw GaussianProcessPDEError.nonFiniteData(what: "values to fit", point: []) }
        for eps in ridges where !(eps > 0 && eps.isFinite) {
            throw GaussianProcessPDEError.invalidParameter(name: "ridge", value: eps, requirement: "must be positive and finite")
        }
        var vectors: [Matrix] = []
        var spectrum = [1.0]
        for a in axes {
            var g = try a.values.multiplied(by: a.values, transposeSelf: true)
            let n = g.rows
            for j in 0..<n { for i in (j + 1)..<max(n, j + 1) { let v = 0.5 * (g[i, j] + g[j, i]); g[i, j] = v; g[j, i] = v } }
            let e = try SymmetricEigen(g)
            vectors.append(e.eigenvectors)
            spectrum = spectrum.flatMap { s in e.eigenvalues.map { s * max($0, 0) } }
        }
        let b = KroneckerModel.applyEach(vectors, transposed: true, dims, applyET(u))
        return ridges.map { eps in
            KroneckerModel.applyEach(vectors, transposed: false, dims, (0..<total).map { b[$0] / (spectrum[$0] + eps) })
        }
    }
}
