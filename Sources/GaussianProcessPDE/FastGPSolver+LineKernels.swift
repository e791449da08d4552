import Foundation
import LinearAlgebra

/// Kernels for d ≥ 2 learned on one-dimensional problems that the data define.
extension FastGPSolver {
    /// Each axis's kernel, fitted by the 1-D solver (exact solves, L-BFGS with U eliminated) on the
    /// line problem along that axis: `u'' = f` on the grid line along the axis where the source has
    /// the most energy, with the problem's own boundary data at the line's two ends. Along such a
    /// line the solution carries the frequencies of the source (divided by ω²), which is what the
    /// axis kernel must represent; the other axes' second derivatives only rescale or shift it,
    /// which the 2-D solve then absorbs. Returns nil when there is nothing to learn from (a
    /// first-order operator such as advection, or a source that vanishes on the grid).
    func lineKernels(_ problem: PDEProblem, _ grids: [Grid1D], _ data: GridData) throws -> [SpectralKernel]? {
        guard problem.pde == .poisson || problem.pde == .allenCahn, lineHyperparameterIterations > 0,
              data.source.contains(where: { $0 != 0 }) else { return nil }
        let dims = grids.map(\.count)
        var kernels: [SpectralKernel] = []
        for k in 0..<dims.count {
            let energies = TensorFibers.lines(data.source, dims: dims, axis: k).map { $0.reduce(0) { $0 + $1 * $1 } }
            guard let best = energies.indices.max(by: { energies[$0] < energies[$1] }) else { return nil }
            // The line's fixed coordinates: `best` = slow · fast + fast index (last axis fastest).
            let fast = dims[(k + 1)...].reduce(1, *)
            var slowIndex = best / fast, fastIndex = best % fast
            var point = [Double](repeating: 0, count: dims.count)
            for a in stride(from: dims.count - 1, to: k, by: -1) { point[a] = grids[a].points[fastIndex % dims[a]]; fastIndex /= dims[a] }
            for a in stride(from: k - 1, through: 0, by: -1) { point[a] = grids[a].points[slowIndex % dims[a]]; slowIndex /= dims[a] }
            let base = point, source = problem.source, boundary = problem.boundary
            let line = try PDEProblem(name: "\(problem.name) line along axis \(k)", pde: .poisson, domain: [problem.domain[k]],
                                      source: { x in var p = base; p[k] = x[0]; return source(p) },
                                      boundary: { x in var p = base; p[k] = x[0]; return boundary(p) })
            let solver = FastGPSolver(options: options, hyperparameterIterations: lineHyperparameterIterations, recordTestError: false)
            kernels.append(try solver.solve1D(line, grids[k]).kernels[0])
        }
        return kernels
    }
}
