import LinearAlgebra
import Foundation

/// The differential operators of the benchmark problems.
public enum PDEOperator: Sendable, Equatable {
    /// `Δu = f`.
    case poisson
    /// `Δu + u(u² − 1) = f` (nonlinear).
    case allenCahn
    /// `β u_x + u_t = f` on `(x, t)` (2-D only; `t` is the second coordinate).
    case advection(beta: Double)

    var isLinear: Bool { self != .allenCahn }
}

/// A PDE on a box with Dirichlet data on its whole boundary: the operator, the domain (one
/// interval per dimension, 1-D or 2-D), the source `f`, the boundary data `g` and, for
/// evaluation, the exact solution when known. Users supply their own closures; the benchmark
/// problems of Fang et al. (ICLR 2024) are built by `PDEProblem.benchmark(_:)`.
public struct PDEProblem: Sendable {
    /// A name for reports.
    public let name: String
    /// The operator.
    public let pde: PDEOperator
    /// One closed interval per dimension.
    public let domain: [ClosedRange<Double>]
    /// The source `f(x)`.
    public let source: @Sendable ([Double]) -> Double
    /// The Dirichlet data `g(x)` on the boundary.
    public let boundary: @Sendable ([Double]) -> Double
    /// The exact solution, if known (for error reports).
    public let solution: (@Sendable ([Double]) -> Double)?

    /// - Throws: `.dimensionMismatch` for a domain that is not 1-D or 2-D (advection: 2-D),
    ///   `.invalidGrid` for an empty or non-finite interval.
    public init(name: String, pde: PDEOperator, domain: [ClosedRange<Double>],
                source: @escaping @Sendable ([Double]) -> Double, boundary: @escaping @Sendable ([Double]) -> Double,
                solution: (@Sendable ([Double]) -> Double)? = nil) throws {
        do {
            guard !domain.isEmpty else {
                throw GaussianProcessPDEError.dimensionMismatch("the domain needs at least one interval")
            }
            if case .advection = pde, domain.count != 2 {
                throw GaussianProcessPDEError.dimensionMismatch("advection needs a 2-D domain (x, t)")
            }
            for d in domain where !(d.lowerBound.isFinite && d.upperBound.isFinite && d.upperBound > d.lowerBound) {
                throw GaussianProcessPDEError.invalidGrid("interval \(d) is empty or not finite")
            }
            self.name = name
            self.pde = pde
            self.domain = domain
            self.source = source
            self.boundary = boundary
            self.solution = solution
        } catch {
            throw RoutineError.wrapping(error, in: "PDEProblem.init")
        }
    }

    /// A problem with a manufactured solution: the boundary data are the solution itself.
    public init(name: String, pde: PDEOperator, domain: [ClosedRange<Double>],
                solution: @escaping @Sendable ([Double]) -> Double, source: @escaping @Sendable ([Double]) -> Double) throws {
        do {
            try self.init(name: name, pde: pde, domain: domain, source: source, boundary: solution, solution: solution)
        } catch {
            throw RoutineError.wrapping(error, in: "PDEProblem.init")
        }
    }

    /// Dimension of the domain.
    public var dimension: Int { domain.count }

    /// `f` at every point of a tensor grid (last axis fastest), checked.
    /// - Throws: `.nonFiniteData` at the first point where the source is NaN or infinite.
    func sourceValues(_ grids: [Grid1D]) throws -> [Double] {
        try GridPoints(grids).map { x in
            let v = source(x)
            guard v.isFinite else { throw GaussianProcessPDEError.nonFiniteData(what: "source f", point: x) }
            return v
        }
    }
}

extension PDEProblem {
    /// The boundary data `g` at the given multi-indices of a tensor grid, checked.
    /// - Throws: `.nonFiniteData` at the first point where `g` is NaN or infinite.
    func boundaryValues(_ grids: [Grid1D], at indices: [[Int]]) throws -> [Double] {
        try indices.map { m in
            let x = (0..<m.count).map { grids[$0].point(m[$0]) }
            let v = boundary(x)
            guard v.isFinite else { throw GaussianProcessPDEError.nonFiniteData(what: "boundary data g", point: x) }
            return v
        }
    }
}

/// A problem's data on a tensor grid: the source at every point, and the boundary points (flat
/// indices, last axis fastest) with the boundary data there.
struct GridData {
    let source: [Double]
    let boundaryIndex: [Int]
    let boundaryData: [Double]

    /// Evaluates and checks `f` and `g` on the grid.
    /// - Throws: `.nonFiniteData` at the first point where either is NaN or infinite.
    init(_ problem: PDEProblem, _ grids: [Grid1D]) throws {
        source = try problem.sourceValues(grids)
        let (flat, multi) = KroneckerModel.boundary(grids.map(\.count))
        boundaryIndex = flat
        boundaryData = try problem.boundaryValues(grids, at: multi)
    }
}

/// The points of a tensor grid in `vec` order (last axis fastest).
struct GridPoints: Sequence {
    let axes: [[Double]]
    init(_ grids: [Grid1D]) { axes = grids.map(\.points) }
    init(axes: [[Double]]) { self.axes = axes }

    func makeIterator() -> AnyIterator<[Double]> {
        var index = [Int](repeating: 0, count: axes.count)
        var done = axes.contains { $0.isEmpty }
        return AnyIterator {
            guard !done else { return nil }
            let x = (0..<index.count).map { axes[$0][index[$0]] }
            var k = index.count - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < axes[k].count { break }
                index[k] = 0
                k -= 1
            }
            if k < 0 { done = true }
            return x
        }
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
