import Foundation
import LinearAlgebra

/// Solver B: for fixed hyperparameters the objective is solved for `U` directly (exactly for
/// linear PDEs, Gauss–Newton for Allen–Cahn), and the hyperparameters are fitted by L-BFGS on
/// the objective with `U` eliminated (variable projection; the gradient is the partial gradient
/// at the optimal `U`, by the envelope theorem). Frequencies start from the source's periodogram
/// by default. In 1-D the solve is exact (whitened Householder QR, `Model1D`). In d ≥ 2 dimensions
/// the `KroneckerModel` solves for U by Gauss–Newton with PCG (capped by `linearIterationCap`),
/// optionally from a coarser grid's solution (`coarseStart`); the hyperparameters start from the
/// data (one periodogram per axis, from the source and the boundary data along that axis) and are
/// fitted only when `kroneckerHyperparameterIterations` > 0 (each evaluation is a PCG-limited solve).
public struct FastGPSolver: Sendable {
    /// Model settings.
    public var options: GPPDEOptions
    /// L-BFGS iterations on the hyperparameters in 1-D (default 30; 0 keeps the initialization).
    /// The d-dimensional Kronecker path keeps the data-driven initialization.
    public var hyperparameterIterations: Int
    /// Gauss–Newton iteration cap for Allen–Cahn (default 20).
    public var gaussNewtonIterations: Int
    /// Record the test error after every step when the exact solution is known (default true).
    public var recordTestError: Bool
    /// Cap on preconditioned-CG iterations per Gauss–Newton system of the Kronecker solver
    /// (default 1000).
    public var linearIterationCap: Int = 1000
    /// d ≥ 2: nested iteration — first solve on a coarser grid with these budgets, then start
    /// Gauss–Newton on the full grid from a ridge fit of that model's prediction (nil: start from
    /// zero). Steps, linear iterations and seconds include the coarse solve.
    public var coarseStart: CoarseStart?
    /// d ≥ 2: L-BFGS iterations on the kernels' hyperparameters with U eliminated (default 0: the
    /// data-driven start is kept). Each evaluation is a Kronecker Gauss–Newton/PCG solve warm-started
    /// from the previous one; the gradient is the log joint's partial gradient at the solved U
    /// (`KroneckerLogJoint`, the envelope theorem), exact only as far as PCG converged. When
    /// positive, `steps` counts these iterations.
    public var kroneckerHyperparameterIterations: Int = 0
    /// d ≥ 2: L-BFGS iterations of 1-D fits that learn each axis's kernel on the line problem along
    /// it — `u'' = f` on the grid line of most source energy, with the problem's boundary data at its
    /// ends (default 0: the periodogram start). Used for second-order operators with a nonzero
    /// source. Measured on the bench: better on a product of sines, not on a sum of one-variable
    /// terms or on Allen–Cahn, hence not the default.
    public var lineHyperparameterIterations: Int = 0

    /// The coarse solve of a nested iteration: the grid (points per dimension) and its budgets.
    public struct CoarseStart: Sendable {
        /// Points per dimension of the coarse grid (must be below the full grid's).
        public var gridSize: Int
        /// PCG cap per Gauss–Newton system on the coarse grid.
        public var linearIterationCap: Int
        /// Gauss–Newton steps on the coarse grid (nonlinear PDEs; linear ones take one).
        public var gaussNewtonIterations: Int

        /// A coarse solve on `gridSize` points per dimension with the given budgets.
        public init(gridSize: Int, linearIterationCap: Int, gaussNewtonIterations: Int) {
            self.gridSize = gridSize
            self.linearIterationCap = linearIterationCap
            self.gaussNewtonIterations = gaussNewtonIterations
        }
    }

    /// Solver B with the given model settings and iteration budgets.
    public init(options: GPPDEOptions = GPPDEOptions(), hyperparameterIterations: Int = 30, gaussNewtonIterations: Int = 20,
                recordTestError: Bool = true) {
        self.options = options
        self.hyperparameterIterations = hyperparameterIterations
        self.gaussNewtonIterations = gaussNewtonIterations
        self.recordTestError = recordTestError
    }

    /// Solves the problem on an even grid of `gridSize` points per dimension.
    /// - Throws: `GaussianProcessPDEError` for invalid options, grids with < 3 points, source or
    ///   boundary closures returning NaN/Inf, or a Gram matrix that stays indefinite after jitter
    ///   escalation.
    public func solve(_ problem: PDEProblem, gridSize: Int) throws -> GPSolution {
        try RoutineError.naming("FastGPSolver.solve") { try unnamedSolve(problem, gridSize: gridSize) }
    }

    /// `solve` without the routine name on its errors.
    func unnamedSolve(_ problem: PDEProblem, gridSize: Int) throws -> GPSolution {
        try options.validate()
        guard hyperparameterIterations >= 0, gaussNewtonIterations >= 1 else {
            throw GaussianProcessPDEError.invalidParameter(name: "iterations", value: Double(min(hyperparameterIterations, gaussNewtonIterations)),
                                                          requirement: "hyperparameter iterations ≥ 0, Gauss–Newton ≥ 1")
        }
        guard lineHyperparameterIterations >= 0, kroneckerHyperparameterIterations >= 0 else {
            throw GaussianProcessPDEError.invalidParameter(name: "lineHyperparameterIterations/kroneckerHyperparameterIterations",
                                                          value: Double(min(lineHyperparameterIterations, kroneckerHyperparameterIterations)),
                                                          requirement: "must be non-negative")
        }
        try MemoryBudget.requireGrid(gridSize: gridSize, dimension: problem.dimension)
        let grids = try problem.domain.map { try Grid1D(lower: $0.lowerBound, upper: $0.upperBound, count: gridSize) }
        return problem.dimension == 1 ? try solve1D(problem, grids[0]) : try solveKronecker(problem, grids)
    }
}
