import Foundation

/// Checks, before any allocation, that a solve's dense work fits in this machine's memory, so
/// that an oversized grid fails at once with a clear error instead of aborting the process later.
enum MemoryBudget {
    /// Doubles held at once per axis by the solvers: a handful of dense `n × n` matrices (Gram
    /// matrix, its factor and inverse, derivative Gram, eigenvectors, whitened operators).
    static let axisMatrices = 12.0
    /// Doubles held at once per grid point by the d-dimensional solvers (values, coefficients,
    /// residuals, CG vectors and their Kronecker products).
    static let gridVectors = 40.0

    /// Throws `.invalidParameter(gridSize)` when a grid of `gridSize` points per dimension in `dimension`
    /// dimensions needs more memory than the machine has.
    static func requireGrid(gridSize: Int, dimension: Int) throws {
        guard gridSize >= 3 else {
            throw GaussianProcessPDEError.invalidParameter(name: "gridSize", value: Double(gridSize), requirement: "a grid needs at least 3 points")
        }
        let n = Double(gridSize)
        let points = pow(n, Double(dimension))
        let bytes = 8 * (Double(dimension) * axisMatrices * n * n + (dimension > 1 ? gridVectors * points : 0))
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        guard bytes <= available else {
            throw GaussianProcessPDEError.invalidParameter(
                name: "gridSize", value: n,
                requirement: String(format: "a %d-dimensional grid of %d points per axis needs about %.3g GB; this machine has %.3g GB",
                                    dimension, gridSize, bytes / 1e9, available / 1e9))
        }
    }
}
