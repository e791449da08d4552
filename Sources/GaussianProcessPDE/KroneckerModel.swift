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
/// Woodbury handles with an `n_b × n_b` capacitance matrix; in two dimensions with real eigenbases
/// a coarse-space correction (`OutlierDeflation`) removes the tiny eigenvalues that the per-axis
/// non-commutativity leaves in that preconditioned system. With `.spectral` the residual is
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
    /// The coarse space added to the Euclidean preconditioner in two dimensions (nil elsewhere).
    let deflation: OutlierDeflation?
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
    public internal(set) var linearSolves = NestedSolves()
    /// How the last `solve` ended (Gauss–Newton and its linear systems).
    public internal(set) var lastSolve: Convergence?
    /// Gauss–Newton stops once a step decreases the objective by less than this, relatively.
    static let gaussNewtonTolerance = 1e-13
    /// Whether the last Gauss–Newton system's CG met its tolerance within the cap.
    public internal(set) var lastSystemConverged = true
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
        deflation = metric == .euclidean
            ? try OutlierDeflation.make(axes: axes, dims: dims, tau2: tau2, rho: rho, boundary: boundaryMulti) : nil
    }

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


    /// Number of unknowns `N = Π n_k`.
    public var unknowns: Int { total }

    /// The minimizer in the whitened coordinates `c` (Gauss–Newton with preconditioned CG; how it
    /// ended is in ``lastSolve``).
    /// - Throws: `.invalidParameter` for `maxSteps < 1`, `.indefiniteGram` if a Gauss–Newton
    ///   system is not positive definite.
    public func minimize(maxSteps: Int = 20) throws -> [Double] {
        try RoutineError.naming("KroneckerModel.minimize") {
            guard maxSteps >= 1 else {
                throw GaussianProcessPDEError.invalidParameter(name: "maxSteps", value: Double(maxSteps), requirement: "must be at least 1")
            }
            return try solve(maxSteps: maxSteps).c
        }
    }

    /// The objective `½ log|K| + Φ(c)` at whitened coordinates `c` (length `unknowns`).
    /// - Throws: `.dimensionMismatch` for `c` of another length, `.nonFiniteData` for a NaN/Inf entry,
    ///   `.nonFiniteResult` when the value overflows.
    public func objective(at c: [Double]) throws -> Double {
        try RoutineError.naming("KroneckerModel.objective") {
            try validateCoefficients(c)
            let value = halfLogDeterminant + evaluate(c).phi
            guard value.isFinite else { throw GaussianProcessPDEError.nonFiniteResult("the objective overflows at these coefficients") }
            return value
        }
    }

    /// The gradient of the objective in `c`.
    /// - Throws: as ``objective(at:)``.
    public func gradient(at c: [Double]) throws -> [Double] {
        try RoutineError.naming("KroneckerModel.gradient") {
            try validateCoefficients(c)
            let g = gradient(c, evaluate(c))
            guard g.allSatisfy(\.isFinite) else { throw GaussianProcessPDEError.nonFiniteResult("the gradient overflows at these coefficients") }
            return g
        }
    }

    /// Grid values `U` (the posterior mean at the grid points) for coefficients `c`.
    /// - Throws: as ``objective(at:)``.
    public func values(at c: [Double]) throws -> [Double] {
        try RoutineError.naming("KroneckerModel.values") {
            try validateCoefficients(c)
            let u = applyE(c)
            guard u.allSatisfy(\.isFinite) else { throw GaussianProcessPDEError.nonFiniteResult("the grid values overflow at these coefficients") }
            return u
        }
    }

    /// Every structured operator reads exactly `unknowns` entries: a vector of another length is
    /// refused here, before any unchecked Kronecker product sees it.
    func validateCoefficients(_ c: [Double]) throws {
        guard c.count == total else {
            throw GaussianProcessPDEError.dimensionMismatch("\(c.count) coefficients for \(total) unknowns")
        }
        guard c.allSatisfy({ $0.isFinite }) else { throw GaussianProcessPDEError.nonFiniteData(what: "coefficients", point: []) }
    }

    /// `½ log|K|` of the Kronecker prior.
    var halfLogDeterminant: Double {
        0.5 * axes.enumerated().reduce(0) { $0 + Double(total / dims[$1.offset]) * $1.element.logDeterminant }
    }
}
