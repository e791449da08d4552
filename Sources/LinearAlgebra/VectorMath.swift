internal import CVectorKernels

/// Elementwise elementary functions over buffers, eight lanes at a time, on the CPU's best
/// `VectorInstructionSet`.
///
/// `exp`: Cody–Waite reduction `x = k ln 2 + r`, `|r| ≤ ln 2 / 2`, with the reduction done by
/// fused multiply-adds; `e^r − 1 = r + r² q(r)` with `q` a degree-9 polynomial fitted to
/// `(e^r − 1 − r) / r²` (weighted least squares on 400 Chebyshev nodes, max error 0.05 ulp of
/// `e^r`) evaluated by Estrin's scheme; the result is scaled by `2^k` in two factors so that a
/// subnormal result is formed by one correctly rounded multiply. No table lookups, so no gathers.
///
/// `log`: `x = 2^e m` with `m` in [√½, √2), `log m = 2 atanh(s)`, `s = (m − 1)/(m + 1)`, the series
/// tail fitted by a degree-6 polynomial in `s²` (relative error 4e-18), plus `e ln 2` in two parts.
///
/// Measured by `bench linalg` (`exp` case): several times the throughput of the C library's `exp`
/// called per element, with a maximum error of 1 ulp on normal results.
///
/// Edge cases, for every function: NaN propagates. `exp`: `exp(−∞) = 0`, `exp(x) = +∞` for
/// `x > maxArgument`, results below the normal range are correctly rounded subnormals (or 0 in
/// `expFlushingSubnormals`). `expm1(−∞) = −1`. `log`: `log 0 = −∞`, `log ∞ = ∞`, negative
/// arguments give NaN, subnormal arguments are handled exactly.
public enum VectorMath {
    /// Above this, `exp` overflows to `+∞`.
    public static let maxArgument = 709.782712893384
    /// Below this, `exp` rounds to 0.
    public static let minArgument = -745.1332191019412
    /// Below this, `exp` is subnormal (`log(Double.leastNormalMagnitude)`).
    public static let minNormalArgument = -708.3964185322641

    /// Writes `e^x` into `output` (which may be the same memory as `input`).
    /// - Precondition: both buffers have the same count.
    /// - Complexity: O(n).
    public static func exp(_ input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        map(input, output, .active, cvk_exp)
    }

    /// Writes `e^x`, with every subnormal result (`x < minNormalArgument`) flushed to zero, into
    /// `output` (may alias `input`). Faster where many results underflow and harmless where such
    /// values are negligible against the rest of a sum.
    /// - Precondition: both buffers have the same count.
    /// - Complexity: O(n).
    public static func expFlushingSubnormals(_ input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        map(input, output, .active, cvk_exp_flush)
    }

    /// Writes `e^x − 1` into `output` (may alias `input`); accurate to a few ulp for every argument,
    /// with no cancellation for tiny `x`.
    /// - Precondition: both buffers have the same count.
    /// - Complexity: O(n).
    public static func expm1(_ input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        map(input, output, .active, cvk_expm1)
    }

    /// Writes `log x` into `output` (may alias `input`).
    /// - Precondition: both buffers have the same count.
    /// - Complexity: O(n).
    public static func log(_ input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        map(input, output, .active, cvk_log)
    }

    /// Writes `e^x` into `output` using the kernels of a chosen instruction set rather than
    /// `VectorInstructionSet.active`: for comparing levels, or for results that match a CPU
    /// without AVX2.
    /// - Throws: `LinearAlgebraError.invalidArgument` when this CPU cannot run `instructionSet`,
    ///   `.dimensionMismatch` when the buffers' counts differ.
    /// - Complexity: O(n).
    public static func exp(_ input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>,
                           instructionSet: VectorInstructionSet) throws {
        let routine = "VectorMath.exp"
        guard VectorInstructionSet.isSupported(instructionSet) else {
            throw LinearAlgebraError.invalidArgument(routine: routine, argument: "instructionSet",
                                                     reason: "\(instructionSet.rawValue) is not supported by this CPU")
        }
        guard input.count == output.count else {
            throw LinearAlgebraError.dimensionMismatch(routine: routine, detail: "\(input.count) inputs, \(output.count) outputs")
        }
        map(input, output, instructionSet, cvk_exp)
    }

    /// `log x` for every element.
    /// - Complexity: O(n).
    public static func log(_ x: [Double]) -> [Double] { apply(x, .active, cvk_log) }

    /// `e^x` for every element.
    /// - Complexity: O(n).
    public static func exp(_ x: [Double]) -> [Double] { apply(x, .active, cvk_exp) }

    /// `e^x − 1` for every element.
    /// - Complexity: O(n).
    public static func expm1(_ x: [Double]) -> [Double] { apply(x, .active, cvk_expm1) }

    typealias Kernel = (Int32, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, Int) -> Void

    /// One of the functions above on a chosen instruction set (tests run every level).
    static func apply(_ x: [Double], _ level: VectorInstructionSet, _ kernel: Kernel) -> [Double] {
        var y = x
        y.withUnsafeMutableBufferPointer { b in map(UnsafeBufferPointer(b), b, level, kernel) }
        return y
    }

    static func map(_ input: UnsafeBufferPointer<Double>, _ output: UnsafeMutableBufferPointer<Double>,
                    _ level: VectorInstructionSet, _ kernel: Kernel) {
        precondition(input.count == output.count, "VectorMath: input and output counts differ")
        guard input.count > 0 else { return }
        kernel(level.code, input.baseAddress, output.baseAddress, input.count)
    }

    /// The elementwise kernels, by name, for tests on every level.
    enum Function: CaseIterable {
        case exp, expFlushingSubnormals, expm1, log

        var kernel: Kernel {
            switch self {
            case .exp: cvk_exp
            case .expFlushingSubnormals: cvk_exp_flush
            case .expm1: cvk_expm1
            case .log: cvk_log
            }
        }
    }

    /// `function` of every element of `x` on the instruction set `level`.
    static func apply(_ function: Function, _ x: [Double], level: VectorInstructionSet) -> [Double] {
        apply(x, level, function.kernel)
    }
}
