internal import CVectorKernels

/// Column kernels that fuse an exponential with the sums around it, for the entropic transport
/// solvers of this package. Unchecked (raw pointers, caller-validated data), so visible inside the
/// package only; they run on `VectorInstructionSet.active` like every vectorized kernel.
package enum FusedColumnKernels {
    /// `out[i] = exp(ax[i] + by + scale · c[i])` for `i < n`, with subnormal values flushed to zero,
    /// added to `rowAccumulator[i]`; returns `Σ_i out[i]`.
    /// - Complexity: O(n), one `exp` per entry (skipped for groups of eight that underflow).
    package static func expOfAffine(
        column c: UnsafePointer<Double>, count n: Int, scale: Double, rowTerms ax: UnsafePointer<Double>,
        columnTerm by: Double, into out: UnsafeMutablePointer<Double>, rowAccumulator: UnsafeMutablePointer<Double>
    ) -> Double {
        cvk_plan_column(VectorInstructionSet.active.code, c, n, scale, ax, by, out, rowAccumulator)
    }

    /// `out[i] = p[i] · exp(wx[i] + wy)` for `i < n`, computed as `p + p · expm1(w)` (zeros stay
    /// zero), added to `rowAccumulator[i]`. Returns `Σ p·expm1(w)`, `Σ |p·expm1(w)|` and `Σ out`.
    /// - Complexity: O(n), one `expm1` per group of eight with a nonzero entry.
    package static func scaledByExp(
        column p: UnsafePointer<Double>, count n: Int, rowExponents wx: UnsafePointer<Double>, columnExponent wy: Double,
        into out: UnsafeMutablePointer<Double>, rowAccumulator: UnsafeMutablePointer<Double>
    ) -> (change: Double, absoluteChange: Double, sum: Double) {
        var sums = (0.0, 0.0, 0.0)
        withUnsafeMutablePointer(to: &sums) { tuple in
            tuple.withMemoryRebound(to: Double.self, capacity: 3) { s in
                cvk_scaled_column(VectorInstructionSet.active.code, p, n, wx, wy, out, rowAccumulator, s)
            }
        }
        return (sums.0, sums.1, sums.2)
    }
}
