import Foundation
import LinearAlgebra

/// The concave dual (Lyapunov) function of entropic OT, shared by every solver: the one place
/// where the plan `P` is computed from potentials.
///
/// With potentials `x ∈ Rⁿ`, `y ∈ Rᵐ` and `η = 1/ε`:
///
///     P(x, y)_ij = exp(η (x_i + y_j − C_ij) − 1)
///     f(x, y)    = −(1/η) Σ_ij P_ij + rᵀx + cᵀy
///     ∇_x f = r − P1,   ∇_y f = c − Pᵀ1
///     ∇²f   = −η [[diag(P1), P], [Pᵀ, diag(Pᵀ1)]]
///
/// (Tang et al., ICLR 2024, §2). `f` is maximized at the optimal potentials, where it equals the
/// primal entropic objective `<C, P> + (1/η) Σ P log P`. `∇²f` has the null direction `(1, −1)`.
/// The weights are used as given (solvers pass unit-mass weights).
public struct EntropicDual: Sendable {
    /// The cost matrix `C` (`n × m`).
    public let cost: Matrix
    /// Source weights `r`.
    public let source: [Double]
    /// Target weights `c`.
    public let target: [Double]
    /// `η = 1/ε`.
    public let eta: Double
    /// Threads for the `O(n m)` passes.
    public let threads: Int

    /// The dual of `problem` (with its weights scaled to unit mass) at the given regularization.
    /// - Throws: `OptimalTransportError.invalidParameter` for a regularization that is not
    ///   positive and finite.
    public init(problem: TransportProblem, regularization: Regularization, threads: Int = Parallel.processorCount) throws {
        try regularization.validate()
        cost = problem.cost
        let rs = Summation.compensated(problem.source), cs = Summation.compensated(problem.target)
        source = problem.source.map { $0 / rs }
        target = problem.target.map { $0 / cs }
        eta = regularization.eta
        self.threads = max(1, threads)
    }

    init(reduced: ReducedProblem, eta: Double, threads: Int) {
        cost = reduced.cost
        source = reduced.r
        target = reduced.c
        self.eta = eta
        self.threads = max(1, threads)
    }

    /// Number of source bins.
    public var rows: Int { cost.rows }
    /// Number of target bins.
    public var columns: Int { cost.columns }

    /// Value, gradient and marginals of the dual at `(x, y)`.
    public struct Evaluation: Sendable {
        /// `f(x, y)`.
        public let value: Double
        /// `∇_x f = r − P1`.
        public let gradientX: [Double]
        /// `∇_y f = c − Pᵀ1`.
        public let gradientY: [Double]
        /// `P1`.
        public let rowSums: [Double]
        /// `Pᵀ1`.
        public let columnSums: [Double]
        /// `Σ P_ij`.
        public let planMass: Double
        /// The L1 marginal error `‖P1 − r‖₁ + ‖Pᵀ1 − c‖₁ = ‖∇f‖₁`.
        public var marginalError: Double {
            gradientX.reduce(0) { $0 + abs($1) } + gradientY.reduce(0) { $0 + abs($1) }
        }
    }

    /// The plan `P(x, y)`.
    /// - Throws: `.supportMismatch` for potentials of the wrong length, `.invalidParameter` for
    ///   non-finite potentials.
    /// - Complexity: O(n m), one vector `exp` per entry.
    public func plan(x: [Double], y: [Double]) throws -> Matrix {
        try checkPotentials(x, y)
        var p = Matrix(rows: rows, columns: columns)
        var rs = [Double](repeating: 0, count: rows), cs = [Double](repeating: 0, count: columns)
        p.withUnsafeMutableBufferPointer { pb in
            rs.withUnsafeMutableBufferPointer { rb in
                cs.withUnsafeMutableBufferPointer { cb in
                    computePlan(x: x, y: y, into: pb.baseAddress!, rowSums: rb.baseAddress!, columnSums: cb.baseAddress!)
                }
            }
        }
        return p
    }

    /// `f`, `∇f` and the marginals at `(x, y)`.
    /// - Throws: as `plan(x:y:)`.
    public func evaluate(x: [Double], y: [Double]) throws -> Evaluation {
        try checkPotentials(x, y)
        var p = [Double](repeating: 0, count: rows * columns)
        var rs = [Double](repeating: 0, count: rows), cs = [Double](repeating: 0, count: columns)
        p.withUnsafeMutableBufferPointer { pb in
            rs.withUnsafeMutableBufferPointer { rb in
                cs.withUnsafeMutableBufferPointer { cb in
                    computePlan(x: x, y: y, into: pb.baseAddress!, rowSums: rb.baseAddress!, columnSums: cb.baseAddress!)
                }
            }
        }
        return evaluation(x: x, y: y, rowSums: rs, columnSums: cs)
    }

    func evaluation(x: [Double], y: [Double], rowSums rs: [Double], columnSums cs: [Double]) -> Evaluation {
        let mass = Summation.compensated(rs)
        var value = -mass / eta
        value += Summation.compensated(zip(source, x).map { $0.0 == 0 ? 0 : $0.0 * $0.1 })
        value += Summation.compensated(zip(target, y).map { $0.0 == 0 ? 0 : $0.0 * $0.1 })
        return Evaluation(value: value, gradientX: zip(source, rs).map { $0 - $1 },
                          gradientY: zip(target, cs).map { $0 - $1 }, rowSums: rs, columnSums: cs, planMass: mass)
    }

    /// The dense Hessian `∇²f` (negative semidefinite, order `n + m`), for tests and small problems.
    /// - Complexity: O((n + m)²) memory.
    public func hessian(x: [Double], y: [Double]) throws -> Matrix {
        let p = try plan(x: x, y: y)
        let n = rows, m = columns
        var h = Matrix(rows: n + m, columns: n + m)
        for j in 0..<m {
            for i in 0..<n {
                let v = -eta * p[i, j]
                h[i, n + j] = v
                h[n + j, i] = v
                h[i, i] += v
                h[n + j, n + j] += v
            }
        }
        return h
    }

    func checkPotentials(_ x: [Double], _ y: [Double]) throws {
        guard x.count == rows, y.count == columns else {
            throw OptimalTransportError.supportMismatch("potentials of length \(x.count) and \(y.count) for a \(rows)×\(columns) problem")
        }
        if let i = x.firstIndex(where: { !$0.isFinite }) {
            throw OptimalTransportError.invalidParameter(name: "x[\(i)]", value: x[i], requirement: "potentials must be finite")
        }
        if let j = y.firstIndex(where: { !$0.isFinite }) {
            throw OptimalTransportError.invalidParameter(name: "y[\(j)]", value: y[j], requirement: "potentials must be finite")
        }
    }

    // MARK: The plan kernel

    /// Writes `P(x, y)` (column-major) with its row and column sums. Unchecked.
    func computePlan(x: [Double], y: [Double], into plan: UnsafeMutablePointer<Double>,
                     rowSums: UnsafeMutablePointer<Double>, columnSums: UnsafeMutablePointer<Double>) {
        let ax = x.map { eta * $0 - 1 }
        let by = y.map { eta * $0 }
        ax.withUnsafeBufferPointer { axb in
            by.withUnsafeBufferPointer { byb in
                cost.withUnsafeBufferPointer { cb in
                    EntropicDual.planKernel(n: rows, m: columns, cost: cb.baseAddress!, eta: eta, ax: axb.baseAddress!,
                                            by: byb.baseAddress!, plan: plan, rowSums: rowSums, columnSums: columnSums,
                                            threads: threads)
                }
            }
        }
    }

    /// `P_ij = exp(ax_i + by_j − η C_ij)` with row and column sums; subnormal entries are flushed
    /// to zero (they are below 1e−308 of a unit-mass plan). Parallel over column chunks, each with
    /// its own row-sum accumulator.
    static func planKernel(n: Int, m: Int, cost: UnsafePointer<Double>, eta: Double, ax: UnsafePointer<Double>,
                           by: UnsafePointer<Double>, plan: UnsafeMutablePointer<Double>,
                           rowSums: UnsafeMutablePointer<Double>, columnSums: UnsafeMutablePointer<Double>, threads: Int) {
        let chunks = max(1, min(threads, m / max(1, 32_768 / max(n, 1))))
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: n * chunks)
        partial.initialize(repeating: 0, count: n * chunks)
        defer { partial.deallocate() }
        Parallel.forEachChunk(count: chunks, threads: chunks) { chunkRange in
            for chunk in chunkRange {
                let lo = m * chunk / chunks, hi = m * (chunk + 1) / chunks
                let acc = partial + chunk * n
                for j in lo..<hi {
                    columnSums[j] = planColumn(cost + j * n, n, -eta, ax, by[j], plan + j * n, acc)
                }
            }
        }
        for i in 0..<n { rowSums[i] = 0 }
        for chunk in 0..<chunks {
            let acc = partial + chunk * n
            for i in 0..<n { rowSums[i] += acc[i] }
        }
    }

    /// One column of the plan; returns its sum and adds it to the row accumulators.
    @inline(__always)
    static func planColumn(_ c: UnsafePointer<Double>, _ n: Int, _ negEta: Double, _ ax: UnsafePointer<Double>,
                           _ byj: Double, _ out: UnsafeMutablePointer<Double>, _ rowAcc: UnsafeMutablePointer<Double>) -> Double {
        FusedColumnKernels.expOfAffine(column: c, count: n, scale: negEta, rowTerms: ax, columnTerm: byj,
                                       into: out, rowAccumulator: rowAcc)
    }
}
