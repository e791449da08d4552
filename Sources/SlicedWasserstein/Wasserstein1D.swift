import Foundation
import LinearAlgebra

/// The Wasserstein distance between one-dimensional discrete measures, `W_p^p(μ, ν)` for `p ≥ 1`.
///
/// Between sorted supports it is the integral of `|F_μ⁻¹(t) − F_ν⁻¹(t)|^p` over `t ∈ [0, 1]`: for
/// equal sizes and uniform weights the mean of `|a_(k) − b_(k)|^p`, in general a merge of the two
/// cumulative weight sequences (O(n + m) after sorting). It equals the exact OT cost between the
/// two measures with ground cost `|x − y|^p`.
public enum Wasserstein1D {
    /// `W_p^p` between the points `a` (weights `weightsA`, uniform if nil) and `b`.
    /// - Throws: `SlicedWassersteinError` for empty inputs, NaN/Inf, invalid or zero-sum weights,
    ///   weights of the wrong length, `p < 1`; `.nonFiniteResult` when `W_p^p` overflows.
    /// - Complexity: O((n + m) log(n + m)) (radix sort, then a merge).
    public static func powered(_ a: [Double], _ b: [Double], weightsA: [Double]? = nil, weightsB: [Double]? = nil,
                               p: Double = 2) throws -> Double {
        try RoutineError.naming("Wasserstein1D.powered") { try unnamedPowered(a, b, weightsA: weightsA, weightsB: weightsB, p: p) }
    }

    /// `powered` without the routine name on its errors.
    static func unnamedPowered(_ a: [Double], _ b: [Double], weightsA: [Double]? = nil, weightsB: [Double]? = nil,
                               p: Double = 2) throws -> Double {
        guard p >= 1, p.isFinite else {
            throw SlicedWassersteinError.invalidParameter(name: "p", value: p, requirement: "must be ≥ 1 and finite")
        }
        let mu = try EmpiricalMeasure(points: try .init(rows: a.count, columns: a.isEmpty ? 0 : 1, elements: a), weights: weightsA, name: "first")
        let nu = try EmpiricalMeasure(points: try .init(rows: b.count, columns: b.isEmpty ? 0 : 1, elements: b), weights: weightsB, name: "second")
        var sorter = RadixSorter(capacity: max(a.count, b.count))
        var xa = a, xb = b
        var pa = [Int32](repeating: 0, count: a.count), pb = [Int32](repeating: 0, count: b.count)
        xa.withUnsafeMutableBufferPointer { v in pa.withUnsafeMutableBufferPointer { sorter.sort(v, permutation: $0) } }
        xb.withUnsafeMutableBufferPointer { v in pb.withUnsafeMutableBufferPointer { sorter.sort(v, permutation: $0) } }
        let value: Double
        if mu.isUniform && nu.isUniform && a.count == b.count {
            value = xa.withUnsafeBufferPointer { sa in xb.withUnsafeBufferPointer { sb in sortedEqual(sa.baseAddress!, sb.baseAddress!, a.count, p) } }
        } else {
            let wa = pa.map { mu.weights[Int($0)] }, wb = pb.map { nu.weights[Int($0)] }
            value = sortedMerge(xa, wa, xb, wb, p, gradient: nil)
        }
        guard value.isFinite else {
            throw SlicedWassersteinError.nonFiniteResult("Wasserstein1D.powered: W_p^p with p = \(p) exceeds the double range")
        }
        return value
    }

    /// `|d|^p` with exact fast paths for p = 1 and p = 2.
    @inline(__always) static func power(_ d: Double, _ p: Double) -> Double {
        if p == 2 { return d * d }
        if p == 1 { return abs(d) }
        return Foundation.pow(abs(d), p)
    }

    /// `d/dd |d|^p = p |d|^{p−1} sign(d)`.
    @inline(__always) static func powerDerivative(_ d: Double, _ p: Double) -> Double {
        if p == 2 { return 2 * d }
        if p == 1 { return d > 0 ? 1 : (d < 0 ? -1 : 0) }
        return d == 0 ? 0 : p * Foundation.pow(abs(d), p - 1) * (d > 0 ? 1 : -1)
    }

    /// Mean of `|(a_k − b_k) / unit|^p` over two sorted arrays of equal length.
    static func sortedEqual(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int, _ p: Double, unit: Double = 1) -> Double {
        var s = 0.0
        if unit != 1 {
            let inverse = 1 / unit
            for k in 0..<n { s += power((a[k] - b[k]) * inverse, p) }
            return s / Double(n)
        }
        if p == 2 {
            var acc = SIMD4<Double>(repeating: 0)
            var k = 0
            let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
            while k + 4 <= n {
                let d = ra.loadUnaligned(fromByteOffset: k * 8, as: SIMD4<Double>.self) - rb.loadUnaligned(fromByteOffset: k * 8, as: SIMD4<Double>.self)
                acc += d * d
                k += 4
            }
            s = acc.sum()
            while k < n { let d = a[k] - b[k]; s += d * d; k += 1 }
        } else {
            for k in 0..<n { s += power(a[k] - b[k], p) }
        }
        return s / Double(n)
    }

    /// The largest `|a_i − b_j|` over the pairs the quantile merge matches with positive mass.
    static func largestMatchedDifference(_ a: [Double], _ wa: [Double], _ b: [Double], _ wb: [Double]) -> Double {
        var i = 0, j = 0
        var ra = wa[0], rb = wb[0]
        var top = 0.0
        while i < a.count && j < b.count {
            if min(ra, rb) > 0 { top = max(top, abs(a[i] - b[j])) }
            if ra <= rb {
                rb -= ra
                i += 1
                if i < a.count { ra = wa[i] }
            } else {
                ra -= rb
                j += 1
                if j < b.count { rb = wb[j] }
            }
        }
        return top
    }

    /// The quantile merge of two sorted weighted supports (weights summing to 1), in units of
    /// `unit^p`. When `gradient` is given (only with `unit = 1`) it receives `∂W/∂a_k` for the
    /// sorted first support.
    static func sortedMerge(_ a: [Double], _ wa: [Double], _ b: [Double], _ wb: [Double], _ p: Double,
                            gradient: UnsafeMutablePointer<Double>?, unit: Double = 1) -> Double {
        let inverse = 1 / unit
        var i = 0, j = 0
        var ra = wa[0], rb = wb[0]
        var total = 0.0
        if let gradient { for k in 0..<a.count { gradient[k] = 0 } }
        while i < a.count && j < b.count {
            let d = unit == 1 ? a[i] - b[j] : (a[i] - b[j]) * inverse
            if ra <= rb {
                total += ra * power(d, p)
                if let gradient { gradient[i] += ra * powerDerivative(d, p) }
                rb -= ra
                i += 1
                if i < a.count { ra = wa[i] }
            } else {
                total += rb * power(d, p)
                if let gradient { gradient[i] += rb * powerDerivative(d, p) }
                ra -= rb
                j += 1
                if j < b.count { rb = wb[j] }
            }
        }
        return total
    }
}
