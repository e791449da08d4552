import LinearAlgebra

/// A weighted point cloud `μ = Σ α_i δ_{x_i}` in `R^d`: the rows of `points` with weights `α`
/// (normalized to sum 1).
public struct EmpiricalMeasure: Sendable {
    /// The support points, one per row (`n × d`).
    public let points: Matrix
    /// The weights, normalized to sum 1.
    public let weights: [Double]
    /// True when every weight is `1/n` (enables the sort-and-match fast path).
    public let isUniform: Bool
    /// The weighted mean `m = Σ α_i x_i` (computed once, O(n d)).
    public let mean: [Double]
    /// `tr Σ = Σ α_i ‖x_i − m‖²`, the trace of the weighted (1/n-normalized) covariance (computed
    /// once, O(n d); no `d × d` matrix is formed).
    public let covarianceTrace: Double

    /// A measure on the rows of `points`; uniform weights when `weights` is nil.
    /// - Throws: `SlicedWassersteinError.emptyMeasure`, `.nonFinitePoint`, `.invalidWeight`,
    ///   `.zeroMass`, `.dimensionMismatch` (weights count ≠ number of points).
    public init(points: Matrix, weights: [Double]? = nil, name: String = "measure") throws {
        do {
            guard points.rows > 0, points.columns > 0 else { throw SlicedWassersteinError.emptyMeasure(name) }
            if let bad = Validate.firstNonFiniteIndex(points) {
                throw SlicedWassersteinError.nonFinitePoint(measure: name, row: bad.row, column: bad.column)
            }
            let n = points.rows
            if let w = weights {
                guard w.count == n else {
                    throw SlicedWassersteinError.dimensionMismatch("\(name) has \(n) points but \(w.count) weights")
                }
                for (i, v) in w.enumerated() where !(v.isFinite && v >= 0) {
                    throw SlicedWassersteinError.invalidWeight(measure: name, index: i, value: v)
                }
                // Divide by the largest weight first: the total of weights near 1e308 overflows, the
                // normalized weights do not.
                let largest = w.max() ?? 0
                guard largest > 0 else { throw SlicedWassersteinError.zeroMass(name) }
                let scaled = w.map { $0 / largest }
                let total = Summation.compensated(scaled)
                self.weights = scaled.map { $0 / total }
                let first = w[0]
                isUniform = w.allSatisfy { $0 == first }
            } else {
                self.weights = [Double](repeating: 1 / Double(n), count: n)
                isUniform = true
            }
            self.points = points
            let d = points.columns
            var m = [Double](repeating: 0, count: d)
            var trace = 0.0
            let w = self.weights
            points.withUnsafeBufferPointer { x in
                for k in 0..<d {
                    var s = 0.0
                    for i in 0..<n { s += w[i] * x[i + k * n] }
                    m[k] = s
                    for i in 0..<n { let v = x[i + k * n] - s; trace += w[i] * v * v }
                }
            }
            mean = m
            covarianceTrace = trace
        } catch {
            throw RoutineError.wrapping(error, in: "EmpiricalMeasure.init")
        }
    }

    /// Number of points.
    public var count: Int { points.rows }
    /// Dimension of the points.
    public var dimension: Int { points.columns }

    /// The moments the control variates need.
    package var moments: MomentSummary { MomentSummary(dimension: dimension, mean: mean, covarianceTrace: covarianceTrace) }
}

/// The dimension, weighted mean and covariance trace of a measure: what the control variates'
/// closed-form expectations need (a distributed caller reduces them from shards).
package struct MomentSummary {
    /// Dimension of the points.
    package var dimension: Int
    /// The weighted mean.
    package var mean: [Double]
    /// The trace of the weighted covariance.
    package var covarianceTrace: Double

    /// The moments of a measure.
    package init(dimension: Int, mean: [Double], covarianceTrace: Double) {
        self.dimension = dimension
        self.mean = mean
        self.covarianceTrace = covarianceTrace
    }

}
