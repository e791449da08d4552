import Foundation
import LinearAlgebra

/// One entry of a GP solver's history.
public struct GPIterationRecord: Sendable {
    /// Optimizer iteration (L-BFGS iteration or Adam step; 0 is the start).
    public let iteration: Int
    /// Objective (negative log joint, up to constants) at this step.
    public let objective: Double
    /// Seconds since the solve started.
    public let seconds: Double
    /// Relative L2 test error at this step, when the exact solution is known and it was recorded.
    public let testError: Double?
}

/// A fitted GP solution: per-axis kernels, the grid values `U` and the coefficients
/// `A = K⁻¹ vec(U)` that give the posterior mean `u(x) = Σ_m Π_k k_k(x_k − X_k[m_k]) A_m` anywhere.
/// Tensors are stored in `vec` order with the **last** axis fastest (the `Kronecker` convention).
///
/// ``convergence`` reports the final solve for `U` at the final kernels: the linear system (or,
/// for a nonlinear PDE, Gauss–Newton and every linear system inside it) against its tolerance.
/// The kernel-hyperparameter fit, when one ran, is reported apart in ``hyperparameterFit``, and
/// every linear solve of the run in ``linearSolves``.
public struct GPSolution: IterativeResult {
    /// Per-dimension kernels (final hyperparameters).
    public let kernels: [SpectralKernel]
    /// Per-dimension collocation grids.
    public let grids: [Grid1D]
    /// `U` on the grid (last axis fastest).
    public let values: [Double]
    /// `A = K⁻¹ vec(U)` (last axis fastest); `K` includes the jitter.
    public let coefficients: [Double]
    /// Absolute jitter on each axis's Gram matrix (after any escalation). The posterior mean at a
    /// grid point is `U − jitter·A` in 1-D: the jitter is a nugget, absent off the grid.
    public let jitters: [Double]
    /// Optimizer iterations (hyperparameter L-BFGS iterations, or Adam steps).
    public let iterations: Int
    /// Every linear solve of the run: direct least-squares solves (1-D, always converged) or
    /// preconditioned CG solves of Gauss–Newton systems (Kronecker solver), with how many stopped
    /// at their cap.
    public let linearSolves: NestedSolves
    /// How the final solve for `U` ended (see the type's discussion).
    public let convergence: Convergence
    /// How the kernel-hyperparameter fit ended (L-BFGS gradient norm against its tolerance); nil
    /// when no fit ran.
    public let hyperparameterFit: Convergence?
    /// Wall time in seconds.
    public let seconds: Double
    /// Per-iteration history.
    public let history: [GPIterationRecord]

    /// Number of dimensions.
    public var dimension: Int { grids.count }

    /// A model to evaluate (test errors during a solve); its reports are placeholders.
    static func model(kernels: [SpectralKernel], grids: [Grid1D], values: [Double], coefficients: [Double],
                      jitters: [Double]) -> GPSolution {
        GPSolution(kernels: kernels, grids: grids, values: values, coefficients: coefficients, jitters: jitters, iterations: 0,
                   linearSolves: NestedSolves(),
                   convergence: Convergence(converged: false, iterations: 0, criterion: .nan, tolerance: 0, criterionName: "none"),
                   hyperparameterFit: nil, seconds: 0, history: [])
    }

    /// The posterior mean at arbitrary points (each with one coordinate per dimension).
    /// - Throws: `.dimensionMismatch` for points of the wrong dimension, `.nonFiniteData` for
    ///   NaN/Inf coordinates.
    /// - Complexity: O(N) per point.
    public func predict(_ points: [[Double]]) throws -> [Double] {
        try RoutineError.naming("GPSolution.predict") { try unnamedPredict(points) }
    }

    /// `predict` without the routine name on its errors.
    func unnamedPredict(_ points: [[Double]]) throws -> [Double] {
        let d = dimension
        let dims = grids.map(\.count)
        let xs = grids.map(\.points)
        return try points.map { p in
            guard p.count == d else { throw GaussianProcessPDEError.dimensionMismatch("a point with \(p.count) coordinates for a \(d)-D solution") }
            guard p.allSatisfy({ $0.isFinite }) else { throw GaussianProcessPDEError.nonFiniteData(what: "prediction point", point: p) }
            var t = coefficients
            var shape = dims
            for k in 0..<d {
                let row = try Matrix(rows: 1, columns: dims[k], elements: xs[k].map { kernels[k].value(p[k] - $0) })
                t = try Kronecker.apply(row, alongAxis: k, dimensions: shape, to: t)
                shape[k] = 1
            }
            return t[0]
        }
    }

    /// The posterior mean on the tensor grid `axes[0] × axes[1] × …` (last axis fastest):
    /// `(⊗ K*_k) A`, one sweep per axis.
    /// - Throws: `.dimensionMismatch` for the wrong number of axes, `.nonFiniteData` for a NaN or
    ///   infinite coordinate.
    public func predict(onGrid axes: [[Double]]) throws -> [Double] {
        try RoutineError.naming("GPSolution.predict(onGrid:)") { try unnamedPredict(onGrid: axes) }
    }

    /// `predict` without the routine name on its errors.
    func unnamedPredict(onGrid axes: [[Double]]) throws -> [Double] {
        guard axes.count == dimension else {
            throw GaussianProcessPDEError.dimensionMismatch("\(axes.count) axes for a \(dimension)-D solution")
        }
        for (k, axis) in axes.enumerated() {
            if let bad = axis.first(where: { !$0.isFinite }) {
                throw GaussianProcessPDEError.nonFiniteData(what: "prediction coordinate on axis \(k)", point: [bad])
            }
        }
        let cross = try (0..<dimension).map { try kernels[$0].cross(points: axes[$0], grid: grids[$0]) }
        return try Kronecker.multiply(cross, coefficients)
    }

    /// Relative L2 error `‖u_pred − u‖₂ / ‖u‖₂` on an even grid of `points` points per dimension
    /// over the solution's box (300 in the paper).
    public func relativeError(exact: @Sendable ([Double]) -> Double, pointsPerDimension points: Int = 300) throws -> Double {
        try RoutineError.naming("GPSolution.relativeError") { try unnamedRelativeError(exact: exact, pointsPerDimension: points) }
    }

    /// `relativeError` without the routine name on its errors.
    func unnamedRelativeError(exact: @Sendable ([Double]) -> Double, pointsPerDimension points: Int = 300) throws -> Double {
        let axes = try grids.map { try Grid1D(lower: $0.lower, upper: $0.upper, count: points).points }
        let predicted = try predict(onGrid: axes)
        var num = 0.0, den = 0.0
        for (i, x) in GridPoints(axes: axes).enumerated() {
            let u = exact(x)
            num += (predicted[i] - u) * (predicted[i] - u)
            den += u * u
        }
        return (num / max(den, Double.leastNormalMagnitude)).squareRoot()
    }
}
