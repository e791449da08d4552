import Foundation
import LinearAlgebra

/// The d-dimensional collocation model on a tensor grid for fixed kernel hyperparameters, solved
/// for the grid values without forming any N × N matrix (N = Π n_k).
///
/// Unknown: the whitened coefficients `c` with `α = K⁻¹U = L⁻ᵀ c`, `L = ⊗L_k` (`K_k + jitter =
/// L_k L_kᵀ`). The objective (the negative log joint at fixed noise precisions, up to constants) is
///
///     ½ log|K| + ½‖c‖² + ½ ρ ‖W c − g‖² + ½ τ₂ ‖R‖²,      ρ = λ_b τ₁,
///     R = Σ_k c_k ∂^{m_k}_k u(X) + N(u(X)) − f = L M c + N(E c) − f,
///
/// with `M = Σ_k c_k (I ⊗ … ⊗ S_k ⊗ … ⊗ I)` (see `AxisFactor`), `E = ⊗E_k` the map to the
/// posterior mean at the grid points and `W` its boundary rows. With `.euclidean` (default) the
/// norm of `R` is the plain one, as in the paper. Each Gauss–Newton system
/// `(I + τ₂ JᵀJ + ρ WᵀW) δ = −∇` is solved by conjugate gradients preconditioned with the exact
/// inverse of `I + τ₂ M Σ̃ M + ρ WᵀW`, where `Σ̃` replaces `LᵀL` by its diagonal in the per-axis
/// eigenbases: that inverse is diagonal in `⊗V_k` up to the rank-`n_b` boundary term, which
/// Woodbury handles with an `n_b × n_b` capacitance matrix. With `.spectral` the residual is
/// measured in that metric instead and linear problems are solved by the preconditioner alone.
public final class KroneckerModel {
    let axes: [AxisFactor]
    let dims: [Int]
    let total: Int
    let pde: PDEOperator
    let f: [Double]
    let boundaryIndex: [Int]
    let boundaryMulti: [[Int]]
    let g: [Double]
    let tau2: Double
    let rho: Double
    /// `1 / D`, `D = 1 + τ₂ |μ|² Πσ`: μ the eigenvalues of `M`, σ the per-axis metric diagonals.
    let inverseDiagonal: [Double]
    /// `Πσ` per eigenvector: the spectral residual metric `Σ̃` in the eigenbasis.
    let metricWeights: [Double]
    let metric: ResidualMetric
    let capacitance: Cholesky
    /// The boundary as disjoint faces, and the factors whose boundary rows the solver needs:
    /// `E_k` (values at the grid) and `R_k = E_k V_k` (values of the eigenbasis functions).
    let faces: BoundaryFaces
    let valueFactors: [ComplexFactor]
    let basisRowFactors: [ComplexFactor]
    /// `G_k = L_kᵀL_k`: `JᵀJ = Mᵀ(⊗G_k)M` for a linear PDE with the Euclidean metric.
    let lowerGrams: [Matrix]
    /// Preconditioned-CG iterations so far (all Gauss–Newton systems).
    public var cgIterations: Int { linearSolves.iterations }
    /// Every Gauss–Newton system's preconditioned CG so far.
    public private(set) var linearSolves = NestedSolves()
    /// How the last `solve` ended (Gauss–Newton and its linear systems).
    public private(set) var lastSolve: Convergence?
    /// Gauss–Newton stops once a step decreases the objective by less than this, relatively.
    static let gaussNewtonTolerance = 1e-13
    /// Whether the last Gauss–Newton system's CG met its tolerance within the cap.
    public private(set) var lastSystemConverged = true
    /// Cap on CG iterations per Gauss–Newton system.
    public var maxCGIterations = 500
    var gaussNewtonSteps = 0

    /// Builds the model: per-axis factorizations, the eigenbasis and the boundary capacitance.
    /// - Throws: `.dimensionMismatch` for kernels/grids that do not match the problem's dimension,
    ///   `.nonFiniteData` for a source or boundary value that is NaN/Inf, `.indefiniteGram` for a
    ///   Gram matrix that stays indefinite after jitter escalation.
    public convenience init(problem: PDEProblem, grids: [Grid1D], kernels: [SpectralKernel], options: GPPDEOptions) throws {
        try self.init(problem: problem, grids: grids, kernels: kernels, options: options, source: nil, boundaryData: nil)
    }

    /// As above, with the source on the grid and the boundary data (in `boundary(dims)` order)
    /// when the caller has already evaluated them.
    init(problem: PDEProblem, grids: [Grid1D], kernels: [SpectralKernel], options: GPPDEOptions,
         source: [Double]?, boundaryData: [Double]?, absoluteJitters: [Double]? = nil) throws {
        try options.validate()
        guard grids.count == problem.dimension, kernels.count == grids.count else {
            throw GaussianProcessPDEError.dimensionMismatch("\(kernels.count) kernels and \(grids.count) grids for a \(problem.dimension)-D problem")
        }
        let terms = problem.pde.axisTerms(dimension: grids.count)
        axes = try (0..<grids.count).map {
            try AxisFactor(kernel: kernels[$0], grid: grids[$0], order: terms[$0].order, coefficient: terms[$0].coefficient,
                           relativeJitter: options.jitter, absoluteJitter: absoluteJitters?[$0])
        }
        dims = grids.map(\.count)
        total = dims.reduce(1, *)
        pde = problem.pde
        f = try source ?? problem.sourceValues(grids)
        (boundaryIndex, boundaryMulti) = KroneckerModel.boundary(dims)
        g = try boundaryData ?? problem.boundaryValues(grids, at: boundaryMulti)
        tau2 = exp(options.logTauEquation)
        rho = options.boundaryWeight * exp(options.logTauBoundary)
        var mr = [Double](repeating: 0, count: 1), mi = mr, sigma = [1.0]
        for a in axes {
            var nr = [Double](), ni = [Double](), ns = [Double]()
            nr.reserveCapacity(mr.count * a.count); ni.reserveCapacity(mr.count * a.count); ns.reserveCapacity(mr.count * a.count)
            for s in 0..<mr.count {
                for j in 0..<a.count {
                    nr.append(mr[s] + a.coefficient * a.eigenReal[j])
                    ni.append(mi[s] + a.coefficient * a.eigenImaginary[j])
                    ns.append(sigma[s] * a.metricDiagonal[j])
                }
            }
            mr = nr; mi = ni; sigma = ns
        }
        let t2 = tau2
        inverseDiagonal = (0..<mr.count).map { 1 / (1 + t2 * (mr[$0] * mr[$0] + mi[$0] * mi[$0]) * sigma[$0]) }
        metricWeights = sigma
        metric = options.residualMetric
        faces = BoundaryFaces(dims: dims, boundary: boundaryMulti)
        lowerGrams = try axes.map { try $0.lower.multiplied(by: $0.lower, transposeSelf: true) }
        valueFactors = axes.map { ComplexFactor(re: $0.values, im: nil) }
        basisRowFactors = axes.map { ComplexFactor(re: $0.rowsReal, im: $0.rowsImaginary) }
        capacitance = try KroneckerModel.capacitance(axes: axes, dims: dims, inverseDiagonal: inverseDiagonal, boundary: boundaryMulti, rho: rho)
    }

    // MARK: grid geometry

    /// Flat indices (last axis fastest) and multi-indices of the grid points with some index at
    /// either end of its axis.
    static func boundary(_ dims: [Int]) -> ([Int], [[Int]]) {
        var flat: [Int] = [], multi: [[Int]] = []
        let total = dims.reduce(1, *)
        var m = [Int](repeating: 0, count: dims.count)
        for idx in 0..<total {
            var r = idx
            for k in stride(from: dims.count - 1, through: 0, by: -1) { m[k] = r % dims[k]; r /= dims[k] }
            if zip(m, dims).contains(where: { $0 == 0 || $0 == $1 - 1 }) { flat.append(idx); multi.append(m) }
        }
        return (flat, multi)
    }

    // MARK: structured operators

    static func applyEach(_ factors: [Matrix], transposed: Bool, _ dims: [Int], _ x: [Double]) -> [Double] {
        var y = x
        for (k, a) in factors.enumerated() {
            // Shapes are fixed by construction; NaN propagates to the CG and objective checks.
            y = Kronecker.applyUnchecked(a, transposed: transposed, axis: k, dimensions: dims, y)
        }
        return y
    }

    func applyE(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.values), transposed: false, dims, x) }
    func applyET(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.values), transposed: true, dims, x) }
    func applyL(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.lower), transposed: false, dims, x) }
    func applyLT(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.lower), transposed: true, dims, x) }
    func applyLinv(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.lowerInverse), transposed: false, dims, x) }
    func applyLinvT(_ x: [Double]) -> [Double] { KroneckerModel.applyEach(axes.map(\.lowerInverse), transposed: true, dims, x) }

    /// `M x` (or `Mᵀ x`).
    func applyM(_ x: [Double], transposed: Bool = false) -> [Double] {
        var y = [Double](repeating: 0, count: total)
        for (k, a) in axes.enumerated() {
            let t = Kronecker.applyUnchecked(a.whitened, transposed: transposed, axis: k, dimensions: dims, x)
            for i in 0..<total { y[i] += a.coefficient * t[i] }
        }
        return y
    }

    /// `(⊗V_k)ᴴ x` for real `x`, or `Re((⊗V_k) z)` for `inverse`.
    func transform(_ re: [Double], _ im: [Double]?, inverse: Bool) -> ([Double], [Double]?) {
        var xr = re, xi = im
        for (k, a) in axes.enumerated() {
            let tr = !inverse
            func app(_ m: Matrix, _ v: [Double]) -> [Double] { Kronecker.applyUnchecked(m, transposed: tr, axis: k, dimensions: dims, v) }
            guard let vi = a.basisImaginary else {
                xr = app(a.basisReal, xr)
                if let i = xi { xi = app(a.basisReal, i) }
                continue
            }
            let rr = app(a.basisReal, xr), ir = app(vi, xr)
            if let i = xi {
                let ri = app(a.basisReal, i), ii = app(vi, i)
                // V:  (Vr + iVi)(xr + i xi);   Vᴴ: (Vrᵀ − iViᵀ)(xr + i xi)
                xr = inverse ? zip(rr, ii).map { $0 - $1 } : zip(rr, ii).map { $0 + $1 }
                xi = inverse ? zip(ri, ir).map { $0 + $1 } : zip(ri, ir).map { $0 - $1 }
            } else {
                xr = rr
                xi = inverse ? ir : ir.map { -$0 }
            }
        }
        return (xr, xi)
    }


    /// `Re((⊗V) diag(w) (⊗V)ᴴ x)` for real `x`.
    func applySpectral(_ x: [Double], _ w: [Double]) -> [Double] {
        var (zr, zi) = transform(x, nil, inverse: false)
        for i in 0..<total { zr[i] *= w[i] }
        if zi != nil { for i in 0..<total { zi![i] *= w[i] } }
        return transform(zr, zi, inverse: true).0
    }

    /// `W x`: the posterior mean at the boundary points (boundary rows of `⊗E_k` only).
    func applyW(_ x: [Double]) -> [Double] { faces.rows(valueFactors, x, nil).re }
    /// `Wᵀ w`.
    func applyWT(_ w: [Double]) -> [Double] { faces.adjoint(valueFactors, w).re }

    /// `(A₀ + ρ WᵀW)⁻¹ x` by Woodbury: `y − A₀⁻¹Wᵀ C⁻¹ W y`, `y = A₀⁻¹x`, `C = I/ρ + W A₀⁻¹ Wᵀ`,
    /// computed in the eigenbasis: with `ẑ = D⁻¹(⊗V)ᴴx`, `W y = B(⊗R_k)ẑ` and
    /// `D⁻¹(⊗V)ᴴ A₀⁻¹… = D⁻¹(⊗R_k)ᴴBᵀ`, so one forward and one inverse transform plus boundary
    /// rows suffice.
    func applyLinearInverse(_ x: [Double]) -> [Double] {
        var (zr, zi) = transform(x, nil, inverse: false)
        for i in 0..<total { zr[i] *= inverseDiagonal[i] }
        if zi != nil { for i in 0..<total { zi![i] *= inverseDiagonal[i] } }
        let t = capacitance.solveUnchecked(faces.rows(basisRowFactors, zr, zi).re)
        let (ar, ai) = faces.adjoint(basisRowFactors, t)
        for i in 0..<total { zr[i] -= inverseDiagonal[i] * ar[i] }
        if let ai { for i in 0..<total { zi![i] -= inverseDiagonal[i] * ai[i] } }
        return transform(zr, zi, inverse: true).0
    }

    /// `C = I/ρ + W A₀⁻¹ Wᵀ = I/ρ + Re(P D⁻¹ Pᴴ)`, `P = B (⊗ L_k V_k)`, accumulated slab by slab
    /// (all axes but the last fixed), so the `n_b × N` matrix P is never stored.
    static func capacitance(axes: [AxisFactor], dims: [Int], inverseDiagonal: [Double], boundary: [[Int]], rho: Double) throws -> Cholesky {
        let nb = boundary.count
        let d = dims.count
        let last = dims[d - 1]
        let slabs = dims.dropLast().reduce(1, *)
        var c = Matrix(rows: nb, columns: nb)
        var xr = [Double](repeating: 0, count: nb * last), xi = xr
        let complex = axes.contains { $0.basisImaginary != nil }
        var a = [Int](repeating: 0, count: max(d - 1, 0))
        let la = axes[d - 1]
        for slab in 0..<slabs {
            var r = slab
            for k in stride(from: d - 2, through: 0, by: -1) { a[k] = r % dims[k]; r /= dims[k] }
            for (j, m) in boundary.enumerated() {
                var sr = 1.0, si = 0.0
                for k in 0..<(d - 1) {
                    let pr = axes[k].rowsReal[m[k], a[k]], pi = axes[k].rowsImaginary?[m[k], a[k]] ?? 0
                    (sr, si) = (sr * pr - si * pi, sr * pi + si * pr)
                }
                for b in 0..<last {
                    let w = inverseDiagonal[slab * last + b].squareRoot()
                    let qr = la.rowsReal[m[d - 1], b], qi = la.rowsImaginary?[m[d - 1], b] ?? 0
                    xr[j + b * nb] = w * (sr * qr - si * qi)
                    xi[j + b * nb] = w * (sr * qi + si * qr)
                }
            }
            c.withUnsafeMutableBufferPointer { cb in
                xr.withUnsafeBufferPointer { p in
                    UnsafeBLAS.syrkLower(transpose: false, n: nb, k: last, alpha: 1, a: p.baseAddress!, lda: nb, beta: 1, c: cb.baseAddress!, ldc: nb)
                }
                if complex {
                    xi.withUnsafeBufferPointer { p in
                        UnsafeBLAS.syrkLower(transpose: false, n: nb, k: last, alpha: 1, a: p.baseAddress!, lda: nb, beta: 1, c: cb.baseAddress!, ldc: nb)
                    }
                }
            }
        }
        c.withUnsafeMutableBufferPointer { cb in
            for j in 0..<nb {
                cb[j + j * nb] += 1 / rho
                for i in (j + 1)..<max(nb, j + 1) { cb[j + i * nb] = cb[i + j * nb] }
            }
        }
        do { return try Cholesky(c) } catch {
            throw GaussianProcessPDEError.indefiniteGram("boundary capacitance matrix: \(error)")
        }
    }

    // MARK: objective and solve

    struct Evaluation {
        var u: [Double]
        var residual: [Double]
        var weightedResidual: [Double]
        var boundaryResidual: [Double]
        var phi: Double
    }

    /// `Σ̃ x = (⊗V) diag(Πσ) (⊗V)ᴴ x` (real for real x).
    func applyMetric(_ x: [Double]) -> [Double] { applySpectral(x, metricWeights) }

    /// The residual in the coordinates the metric is applied to: `R = Aα + N(U) − f` (Euclidean)
    /// or the whitened `L⁻¹R` (spectral), and the value of `½ τ₂ ‖·‖²` in that metric.
    func evaluate(_ c: [Double]) -> Evaluation {
        let u = applyE(c)
        let r: [Double]
        switch metric {
        case .euclidean:
            let lmc = applyL(applyM(c))
            r = (0..<total).map { lmc[$0] + pde.nonlinearTerm(u[$0]) - f[$0] }
        case .spectral:
            let mc = applyM(c)
            let rest = applyLinv((0..<total).map { pde.nonlinearTerm(u[$0]) - f[$0] })
            r = (0..<total).map { mc[$0] + rest[$0] }
        }
        let weighted = metric == .euclidean ? r : applyMetric(r)
        let br = (0..<boundaryIndex.count).map { u[boundaryIndex[$0]] - g[$0] }
        let phi = 0.5 * c.reduce(0) { $0 + $1 * $1 } + 0.5 * rho * br.reduce(0) { $0 + $1 * $1 }
            + 0.5 * tau2 * zip(r, weighted).reduce(0) { $0 + $1.0 * $1.1 }
        return Evaluation(u: u, residual: r, weightedResidual: weighted, boundaryResidual: br, phi: phi)
    }

    /// `J x` and `Jᵀ x` for the Jacobian of the residual: `J = L M + diag(N'(U)) E` (Euclidean) or
    /// `M + L⁻¹ diag(N'(U)) E` (spectral).
    func applyJ(_ x: [Double], _ np: [Double]?, transposed: Bool) -> [Double] {
        let euclidean = metric == .euclidean
        var y: [Double]
        if transposed {
            y = euclidean ? applyM(applyLT(x), transposed: true) : applyM(x, transposed: true)
        } else {
            y = euclidean ? applyL(applyM(x)) : applyM(x)
        }
        guard let np else { return y }
        let t: [Double]
        if transposed {
            let v = euclidean ? x : applyLinvT(x)
            t = applyET(zip(np, v).map { $0 * $1 })
        } else {
            let v = zip(np, applyE(x)).map { $0 * $1 }
            t = euclidean ? v : applyLinv(v)
        }
        for i in 0..<total { y[i] += t[i] }
        return y
    }

    /// The gradient `c + ρWᵀ(Wc − g) + τ₂ JᵀR` of the objective in `c`.
    func gradient(_ c: [Double], _ e: Evaluation) -> [Double] {
        let np = pde == .allenCahn ? e.u.map(pde.nonlinearDerivative) : nil
        let jr = applyJ(e.weightedResidual, np, transposed: true)
        let wr = applyWT(e.boundaryResidual)
        return (0..<total).map { c[$0] + rho * wr[$0] + tau2 * jr[$0] }
    }

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
                let v = Array(x)
                let jj: [Double]
                if np == nil && metric == .euclidean {
                    jj = applyM(KroneckerModel.applyEach(lowerGrams, transposed: false, dims, applyM(v)), transposed: true)
                } else {
                    let jv = applyJ(v, np, transposed: false)
                    jj = applyJ(metric == .euclidean ? jv : applyMetric(jv), np, transposed: true)
                }
                let ww = applyWT(applyW(v))
                for i in 0..<total { y[i] = v[i] + tau2 * jj[i] + rho * ww[i] }
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

    /// Number of unknowns `N = Π n_k`.
    public var unknowns: Int { total }

    /// The minimizer in the whitened coordinates `c` (Gauss–Newton with preconditioned CG).
    /// - Throws: `.indefiniteGram` if a Gauss–Newton system is not positive definite.
    public func minimize(maxSteps: Int = 20) throws -> [Double] { try solve(maxSteps: maxSteps).c }

    /// The objective `½ log|K| + Φ(c)` at whitened coordinates `c` (length `unknowns`).
    public func objective(at c: [Double]) -> Double { halfLogDeterminant + evaluate(c).phi }

    /// The gradient of the objective in `c`.
    public func gradient(at c: [Double]) -> [Double] { gradient(c, evaluate(c)) }

    /// Grid values `U` (the posterior mean at the grid points) for coefficients `c`.
    public func values(at c: [Double]) -> [Double] { applyE(c) }

    /// `½ log|K|` of the Kronecker prior.
    var halfLogDeterminant: Double {
        0.5 * axes.enumerated().reduce(0) { $0 + Double(total / dims[$1.offset]) * $1.element.logDeterminant }
    }
}

extension PDEOperator {
    /// Per-axis `(derivative order, coefficient)` of the linear part.
    func axisTerms(dimension d: Int) -> [(order: Int, coefficient: Double)] {
        switch self {
        case .poisson, .allenCahn: return [(order: Int, coefficient: Double)](repeating: (2, 1), count: d)
        case .advection(let beta): return [(1, beta), (1, 1)]
        }
    }
}
