internal import CVectorKernels

/// The instruction set that the vectorized kernels (`VectorMath`, `LogSumExp`) run on.
///
/// The kernels are compiled for every level the architecture has, with per-function target
/// attributes rather than build flags, so the package builds unchanged as a versioned dependency.
/// The level is chosen once per process, from the CPU's own feature bits, the first time a kernel
/// runs. Results agree between levels to within a few ulp: the portable level on x86-64 rounds the
/// products that the AVX2 level fuses.
public enum VectorInstructionSet: String, Sendable, CaseIterable {
    /// The architecture's baseline: SSE2 on x86-64, NEON with fused multiply-add on arm64.
    case portable
    /// 256-bit AVX2 with fused multiply-add (x86-64-v3).
    case avx2FMA = "avx2-fma"

    /// The fastest level this CPU supports: what every kernel uses.
    public static let active: VectorInstructionSet = isSupported(.avx2FMA) ? .avx2FMA : .portable

    /// Whether this CPU can run `level`.
    public static func isSupported(_ level: VectorInstructionSet) -> Bool {
        cvk_level_supported(level.code) != 0
    }

    /// The level's number in the C kernels.
    var code: Int32 {
        switch self {
        case .portable: Int32(CVK_LEVEL_PORTABLE)
        case .avx2FMA: Int32(CVK_LEVEL_AVX2_FMA)
        }
    }
}
