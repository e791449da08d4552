import LinearAlgebra

/// Monte Carlo and control-variate estimators of the sliced Wasserstein distance
/// (Nguyen & Ho, "Sliced Wasserstein Estimation with Control Variates", ICLR 2024):
///
///     SW_p^p(μ, ν) = E_{θ ~ U(S^{d−1})} W_p^p(θ♯μ, θ♯ν),   Ŝ = (1/L) Σ_l W_l − γ ((1/L) Σ_l C_l − E[C])
///
/// All projections of a point set are one GEMM; the `L` one-dimensional problems (radix sorts and
/// a merge) run in parallel over directions, each thread with its own scratch. The directions and
/// hence the estimate depend only on the `seed` given to the call, not on `threads`. Like every
/// randomized routine of Kantorovich, the estimator's settings hold no seed: each call takes one.
public struct SlicedWasserstein: Sendable {
    /// Number of directions `L` (≥ 1; ≥ 2 with one control variate, ≥ 3 with both).
    public var projections: Int
    /// The order `p ≥ 1` (the control variates are bounds for `p = 2`; for other `p` they are
    /// still valid control variates, just not bounds).
    public var p: Double
    /// Control variate(s) (default none: plain Monte Carlo).
    public var controlVariate: ControlVariate
    /// Coefficient estimate (default least squares; `.knownMean` is the reference code's rule).
    public var coefficientRule: CoefficientRule
    /// Direction sampling (default uniform).
    public var directions: DirectionSampling
    /// Threads for the one-dimensional problems.
    public var threads: Int

    /// Options with the documented defaults (plain Monte Carlo, 100 directions, p = 2).
    public init(projections: Int = 100, p: Double = 2, controlVariate: ControlVariate = .none,
                coefficientRule: CoefficientRule = .leastSquares, directions: DirectionSampling = .uniform,
                threads: Int = Parallel.processorCount) {
        self.projections = projections
        self.p = p
        self.controlVariate = controlVariate
        self.coefficientRule = coefficientRule
        self.directions = directions
        self.threads = threads
    }

    /// Estimates `SW_p^p(μ, ν)` and `SW_p`.
    /// - Parameters:
    ///   - mu: the first measure μ.
    ///   - nu: the second measure ν, in the same dimension.
    ///   - seed: the seed of the directions (unused with given directions).
    ///   - fixedCoefficients: use these γ instead of estimating them (one per control
    ///     variate; for gradient checks and flows).
    /// - Throws: `SlicedWassersteinError` for dimension mismatch, `p < 1`, too few projections,
    ///   a wrong number of fixed coefficients, bad directions; `.nonFiniteResult` when `SW_p^p`
    ///   overflows the double range.
    /// - Complexity: O(L (n + m) d) for the projections (GEMM) plus O(L (n + m)) for the sorts.
    public func estimate(_ mu: EmpiricalMeasure, _ nu: EmpiricalMeasure, seed: UInt64,
                         fixedCoefficients: [Double]? = nil) throws -> SlicedWassersteinEstimate {
        try RoutineError.naming("SlicedWasserstein.estimate") { try unnamedEstimate(mu, nu, seed: seed, fixedCoefficients: fixedCoefficients) }
    }

    /// `estimate` without the routine name on its errors.
    func unnamedEstimate(_ mu: EmpiricalMeasure, _ nu: EmpiricalMeasure, seed: UInt64,
                         fixedCoefficients: [Double]? = nil) throws -> SlicedWassersteinEstimate {
        let clock = Stopwatch()
        let theta = try validatedDirections(mu.dimension, nu.dimension, fixedCoefficients, seed: seed)
        let slices = try Slices(mu: mu, nu: nu, theta: theta, p: p, gradient: false, threads: threads, scaled: fixedCoefficients == nil)
        return try estimate(from: slices, mu.moments, nu.moments, fixedCoefficients: fixedCoefficients, seed: seed, clock: clock)
    }

    /// The estimate from the per-direction quantities of every direction (computed here, or on
    /// shards of the directions by several processes and gathered): the control variates, their
    /// coefficients and the standard error, exactly as ``estimate(_:_:seed:fixedCoefficients:)``.
    /// - Throws: `.nonFiniteResult` when `SW_p^p` overflows the double range.
    package func estimate(from slices: Slices, _ mu: MomentSummary, _ nu: MomentSummary, fixedCoefficients: [Double]?,
                          seed: UInt64, clock: Stopwatch) throws -> SlicedWassersteinEstimate {
        let theta = slices.theta
        let assembled = assemble(slices, mu, nu, fixedCoefficients)
        try SlicedWasserstein.requireFinite(assembled.estimate, assembled.standardError, routine: "SlicedWasserstein.estimate", p: p)
        return SlicedWassersteinEstimate(
            powered: assembled.estimate, powerUnit: slices.unit,
            distance: assembled.estimate >= 0 ? slices.unit * rootPower(assembled.estimate, 1 / p) : nil,
            isNegative: assembled.estimate < 0, monteCarlo: assembled.monteCarlo, standardError: assembled.standardError,
            coefficients: assembled.gammas, values: slices.values, controls: assembled.controls, controlMeans: assembled.means,
            projections: theta.columns, seed: seed, seconds: clock.elapsed)
    }

    /// Throws `.nonFiniteResult` when the estimate or its standard error overflowed.
    static func requireFinite(_ estimate: Double, _ standardError: Double, routine: String, p: Double) throws {
        guard estimate.isFinite, standardError != .infinity else {
            throw SlicedWassersteinError.nonFiniteResult(
                "\(routine): SW_p^p with p = \(p) exceeds the double range (points too far apart for this p)")
        }
    }

    /// The options checked against the dimensions of the two clouds, and the directions (`d × L`)
    /// drawn from `seed` (or the given ones, checked).
    package func validatedDirections(_ muDimension: Int, _ nuDimension: Int, _ fixed: [Double]?, seed: UInt64) throws -> Matrix {
        guard muDimension == nuDimension else {
            throw SlicedWassersteinError.dimensionMismatch("points of dimension \(muDimension) and \(nuDimension)")
        }
        guard p >= 1, p.isFinite else {
            throw SlicedWassersteinError.invalidParameter(name: "p", value: p, requirement: "must be ≥ 1 and finite")
        }
        let theta: Matrix
        if case .given = directions {
            theta = try directions.directions(dimension: muDimension, count: projections, seed: seed)
        } else {
            guard projections >= 1 else {
                throw SlicedWassersteinError.invalidParameter(name: "projections", value: Double(projections), requirement: "must be at least 1")
            }
            theta = try directions.directions(dimension: muDimension, count: projections, seed: seed)
        }
        let needed = controlVariate == .none ? 1 : (controlVariate == .both ? 3 : 2)
        if fixed == nil && theta.columns < needed {
            throw SlicedWassersteinError.invalidParameter(
                name: "projections", value: Double(theta.columns),
                requirement: "\(controlVariate) control variate needs at least \(needed) directions to estimate its coefficient")
        }
        if let fixed {
            let k = controlVariate == .none ? 0 : (controlVariate == .both ? 2 : 1)
            guard fixed.count == k, fixed.allSatisfy({ $0.isFinite }) else {
                throw SlicedWassersteinError.invalidParameter(name: "fixedCoefficients", value: Double(fixed.count),
                                                             requirement: "need \(k) finite coefficients for \(controlVariate)")
            }
        }
        return theta
    }

    struct Assembled {
        var estimate: Double
        var monteCarlo: Double
        var standardError: Double
        var gammas: [Double]
        var controls: [[Double]]
        var means: [Double]
    }

    /// Combines the per-direction values into the (controlled) estimate.
    func assemble(_ s: Slices, _ mu: MomentSummary, _ nu: MomentSummary, _ fixed: [Double]?) -> Assembled {
        let L = s.values.count
        let d = Double(mu.dimension)
        let dm = zip(mu.mean, nu.mean).map { $0 - $1 }
        let dm2 = dm.reduce(0) { $0 + $1 * $1 }
        let lower = (0..<L).map { l in (s.meanX[l] - s.meanY[l]) * (s.meanX[l] - s.meanY[l]) }
        var controls: [[Double]] = []
        var means: [Double] = []
        switch controlVariate {
        case .none: break
        case .lower:
            controls = [lower]; means = [dm2 / d]
        case .upper:
            controls = [(0..<L).map { lower[$0] + s.varX[$0] + s.varY[$0] }]
            means = [(dm2 + mu.covarianceTrace + nu.covarianceTrace) / d]
        case .both:
            controls = [lower, (0..<L).map { lower[$0] + s.varX[$0] + s.varY[$0] }]
            means = [dm2 / d, (dm2 + mu.covarianceTrace + nu.covarianceTrace) / d]
        }
        let wBar = Summation.compensated(s.values) / Double(L)
        let gammas = fixed ?? coefficients(s.values, wBar, controls, means)
        var residual = s.values
        for (k, c) in controls.enumerated() {
            for l in 0..<L { residual[l] -= gammas[k] * (c[l] - means[k]) }
        }
        let estimate = Summation.compensated(residual) / Double(L)
        let dof = Double(max(1, L - 1 - (fixed == nil ? controls.count : 0)))
        let variance = residual.reduce(0) { $0 + ($1 - estimate) * ($1 - estimate) } / dof
        return Assembled(estimate: estimate, monteCarlo: wBar, standardError: (variance / Double(L)).squareRoot(),
                         gammas: gammas, controls: controls, means: means)
    }

    /// γ by the chosen rule: least squares on sample-centred controls, or the reference code's
    /// known-mean centring. A degenerate control (zero spread) gets γ = 0.
    func coefficients(_ w: [Double], _ wBar: Double, _ controls: [[Double]], _ means: [Double]) -> [Double] {
        let L = Double(w.count)
        let centres: [Double] = controls.enumerated().map { k, c in
            coefficientRule == .leastSquares ? c.reduce(0, +) / L : means[k]
        }
        let centred = controls.enumerated().map { k, c in c.map { $0 - centres[k] } }
        let wc = w.map { $0 - wBar }
        if centred.count == 1 {
            let s = centred[0].reduce(0) { $0 + $1 * $1 }
            let t = zip(wc, centred[0]).reduce(0) { $0 + $1.0 * $1.1 }
            return [s > 0 ? t / s : 0]
        }
        if centred.count == 2 {
            let a = centred[0], b = centred[1]
            let s11 = a.reduce(0) { $0 + $1 * $1 }, s22 = b.reduce(0) { $0 + $1 * $1 }
            let s12 = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            let t1 = zip(wc, a).reduce(0) { $0 + $1.0 * $1.1 }, t2 = zip(wc, b).reduce(0) { $0 + $1.0 * $1.1 }
            let det = s11 * s22 - s12 * s12
            if det > 1e-12 * max(s11 * s22, Double.leastNormalMagnitude) {
                return [(s22 * t1 - s12 * t2) / det, (s11 * t2 - s12 * t1) / det]
            }
            // Collinear controls: use the better single one.
            let g1 = s11 > 0 ? t1 / s11 : 0, g2 = s22 > 0 ? t2 / s22 : 0
            return g1 * t1 >= g2 * t2 ? [g1, 0] : [0, g2]
        }
        return []
    }
}

/// Per-direction quantities of one estimate: `W_l`, projected means and variances, and (for
/// gradients) `∂W_l / ∂(θ_lᵀx_i)`.
package struct Slices {
    var values: [Double]
    var meanX: [Double]
    var meanY: [Double]
    var varX: [Double]
    var varY: [Double]
    /// `n × L`, column `l` = derivative of `W_l` with respect to the projections of μ's points.
    var gradient: Matrix?
    /// The unit of `values`: each is `W_p^p / unit^p`.
    let unit: Double
    let theta: Matrix
    let projectedX: Matrix

    /// Per-direction quantities computed elsewhere (by ``work(_:_:_:_:_:_:_:_:_:)`` on shards of
    /// the directions), in the unit `unit`.
    package init(values: [Double], meanX: [Double], meanY: [Double], varX: [Double], varY: [Double], unit: Double, theta: Matrix) {
        self.values = values
        self.meanX = meanX
        self.meanY = meanY
        self.varX = varX
        self.varY = varY
        gradient = nil
        self.unit = unit
        self.theta = theta
        projectedX = Matrix(rows: 0, columns: 0)
    }

    /// - Throws: the projection GEMM's error (never replaced by zeros).
    /// With `scaled`, a direction whose `W_l` leaves the double range (or keeps only subnormal
    /// digits) is recomputed in units of its largest matched difference, and all values are then
    /// expressed in units of `unit^p` (see `rescale`); otherwise `unit` is 1.
    init(mu: EmpiricalMeasure, nu: EmpiricalMeasure, theta: Matrix, p: Double, gradient wantGradient: Bool, threads: Int,
         scaled: Bool = false) throws {
        let n = mu.count, m = nu.count, L = theta.columns
        self.theta = theta
        // All projections: one GEMM per point set.
        let px = try mu.points.multiplied(by: theta)
        let py = try nu.points.multiplied(by: theta)
        projectedX = px
        var values = [Double](repeating: 0, count: L)
        var meanX = values, meanY = values, varX = values, varY = values
        var logValues = [Double](repeating: .nan, count: scaled ? L : 0)
        var grad = wantGradient ? Matrix(rows: n, columns: L) : Matrix(rows: 0, columns: 0)
        let equal = mu.isUniform && nu.isUniform && n == m
        let wa = mu.weights, wb = nu.weights
        values.withUnsafeMutableBufferPointer { vb in
            meanX.withUnsafeMutableBufferPointer { mxb in
                meanY.withUnsafeMutableBufferPointer { myb in
                    varX.withUnsafeMutableBufferPointer { vxb in
                        varY.withUnsafeMutableBufferPointer { vyb in
                            grad.withUnsafeMutableBufferPointer { gb in
                                logValues.withUnsafeMutableBufferPointer { lb in
                                    px.withUnsafeBufferPointer { pxb in
                                        py.withUnsafeBufferPointer { pyb in
                                            let out = SliceOutputs(values: vb.baseAddress!, logValues: lb.baseAddress, meanX: mxb.baseAddress!,
                                                                   meanY: myb.baseAddress!, varX: vxb.baseAddress!, varY: vyb.baseAddress!,
                                                                   gradient: gb.baseAddress, px: pxb.baseAddress!, py: pyb.baseAddress!)
                                            Parallel.forEachChunk(count: L, threads: threads, minimumChunk: max(1, 4096 / max(1, n + m))) { range in
                                                Slices.work(range, n, m, p, equal, wa, wb, wantGradient, out)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        unit = scaled ? Slices.rescale(values: &values, logValues: logValues, p: p) : 1
        self.values = values
        self.meanX = meanX
        self.meanY = meanY
        self.varX = varX
        self.varY = varY
        self.gradient = wantGradient ? grad : nil
    }

    /// A p-th power this far from 1 (`|log W| > maxLogValue`) is recomputed in units of the largest
    /// matched difference, and carried as a logarithm. Half the double range's exponent, so that
    /// the squares in the variance and the coefficient fit stay representable too.
    static let maxLogValue = 340.0

    /// Rescales the per-direction values when some direction had to be computed in scaled form
    /// (`logValues[l]` not NaN): every value becomes `W_l / unit^p` with `unit^p` the largest
    /// `W_l`, so the largest is 1 and none overflows; `unit` is returned (1 when nothing was scaled).
    package static func rescale(values: inout [Double], logValues: [Double], p: Double) -> Double {
        guard logValues.contains(where: { !$0.isNaN }) else { return 1 }
        let logs = (0..<values.count).map { logValues[$0].isNaN ? naturalLog(values[$0]) : logValues[$0] }
        let top = logs.max() ?? 0
        for l in 0..<values.count { values[l] = exponential(logs[l] - top) }
        return exponential(top / p)
    }

    package static func work(_ range: Range<Int>, _ n: Int, _ m: Int, _ p: Double, _ equal: Bool, _ wa: [Double], _ wb: [Double],
                     _ wantGradient: Bool, _ out: SliceOutputs) {
        var sorter = RadixSorter(capacity: max(n, m))
        var a = [Double](repeating: 0, count: n), b = [Double](repeating: 0, count: m)
        var pa = [Int32](repeating: 0, count: n), pb = [Int32](repeating: 0, count: m)
        var sortedWA = [Double](repeating: 0, count: n), sortedWB = [Double](repeating: 0, count: m)
        var g = [Double](repeating: 0, count: wantGradient ? n : 0)
        let needPermutation = !equal || wantGradient
        for l in range {
            let colX = out.px + l * n, colY = out.py + l * m
            (out.meanX[l], out.varX[l]) = moments(colX, wa)
            (out.meanY[l], out.varY[l]) = moments(colY, wb)
            a.withUnsafeMutableBufferPointer { ab in
                for i in 0..<n { ab[i] = colX[i] }
                if needPermutation { pa.withUnsafeMutableBufferPointer { sorter.sort(ab, permutation: $0) } } else { sorter.sort(ab) }
            }
            b.withUnsafeMutableBufferPointer { bb in
                for j in 0..<m { bb[j] = colY[j] }
                if !equal { pb.withUnsafeMutableBufferPointer { sorter.sort(bb, permutation: $0) } } else { sorter.sort(bb) }
            }
            if equal {
                out.values[l] = a.withUnsafeBufferPointer { ab in b.withUnsafeBufferPointer { bb in
                    Wasserstein1D.sortedEqual(ab.baseAddress!, bb.baseAddress!, n, p)
                } }
                if let logValues = out.logValues, !Slices.representable(out.values[l]) {
                    var top = 0.0
                    for k in 0..<n { top = max(top, abs(a[k] - b[k])) }
                    if top > 0 {
                        let scaled = a.withUnsafeBufferPointer { ab in b.withUnsafeBufferPointer { bb in
                            Wasserstein1D.sortedEqual(ab.baseAddress!, bb.baseAddress!, n, p, unit: top)
                        } }
                        logValues[l] = naturalLog(scaled) + p * naturalLog(top)
                    }
                }
                if wantGradient, let gp = out.gradient {
                    let column = gp + l * n
                    for k in 0..<n { column[Int(pa[k])] = Wasserstein1D.powerDerivative(a[k] - b[k], p) / Double(n) }
                }
            } else {
                for k in 0..<n { sortedWA[k] = wa[Int(pa[k])] }
                for k in 0..<m { sortedWB[k] = wb[Int(pb[k])] }
                if wantGradient, let gp = out.gradient {
                    out.values[l] = g.withUnsafeMutableBufferPointer { Wasserstein1D.sortedMerge(a, sortedWA, b, sortedWB, p, gradient: $0.baseAddress) }
                    let column = gp + l * n
                    for k in 0..<n { column[Int(pa[k])] = g[k] }
                } else {
                    out.values[l] = Wasserstein1D.sortedMerge(a, sortedWA, b, sortedWB, p, gradient: nil)
                    if let logValues = out.logValues, !Slices.representable(out.values[l]) {
                        let top = Wasserstein1D.largestMatchedDifference(a, sortedWA, b, sortedWB)
                        if top > 0 {
                            let scaled = Wasserstein1D.sortedMerge(a, sortedWA, b, sortedWB, p, gradient: nil, unit: top)
                            logValues[l] = naturalLog(scaled) + p * naturalLog(top)
                        }
                    }
                }
            }
        }
    }

    /// A p-th power mean that neither overflowed nor lost its largest term to underflow. A 0 is
    /// not trusted: the caller checks it against the largest difference.
    @inline(__always) static func representable(_ w: Double) -> Bool {
        w.isFinite && w > 0 && abs(naturalLog(w)) <= maxLogValue
    }

    /// Weighted mean and (1/n-normalized, weighted) variance of a projection.
    @inline(__always)
    static func moments(_ x: UnsafePointer<Double>, _ w: [Double]) -> (Double, Double) {
        var mean = 0.0
        for i in 0..<w.count { mean += w[i] * x[i] }
        var v = 0.0
        for i in 0..<w.count { let c = x[i] - mean; v += w[i] * c * c }
        return (mean, v)
    }
}

/// Output pointers of the parallel slice loop (each direction writes only its own entries).
package struct SliceOutputs {
    let values: UnsafeMutablePointer<Double>
    /// `log W_l` for directions computed in scaled form (NaN for the others); nil when not scaling.
    let logValues: UnsafeMutablePointer<Double>?
    let meanX: UnsafeMutablePointer<Double>
    let meanY: UnsafeMutablePointer<Double>
    let varX: UnsafeMutablePointer<Double>
    let varY: UnsafeMutablePointer<Double>
    let gradient: UnsafeMutablePointer<Double>?
    let px: UnsafePointer<Double>
    let py: UnsafePointer<Double>

    /// Pointers for directions `0..<L`: `px`/`py` hold the projections column-major (`n` and `m`
    /// rows), the outputs one entry per direction.
    package init(values: UnsafeMutablePointer<Double>, logValues: UnsafeMutablePointer<Double>?, meanX: UnsafeMutablePointer<Double>,
                 meanY: UnsafeMutablePointer<Double>, varX: UnsafeMutablePointer<Double>, varY: UnsafeMutablePointer<Double>,
                 gradient: UnsafeMutablePointer<Double>?, px: UnsafePointer<Double>, py: UnsafePointer<Double>) {
        self.values = values
        self.logValues = logValues
        self.meanX = meanX
        self.meanY = meanY
        self.varX = varX
        self.varY = varY
        self.gradient = gradient
        self.px = px
        self.py = py
    }
}
