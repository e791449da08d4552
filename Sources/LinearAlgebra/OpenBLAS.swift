internal import CLAPACK
import Foundation

/// The OpenBLAS library this package runs on: its kernel family, its thread pool, and a check
/// that the kernels fit the CPU.
///
/// ## Kernel families
/// OpenBLAS picks CPU-specific kernels when it loads. Debian 12's OpenBLAS 0.3.21 does not
/// recognize some recent x86-64 CPUs and then falls back to its generic "Prescott" kernels, which
/// run level-3 BLAS (and so every factorization) 3–5× slower. The fix is the environment variable
/// `OPENBLAS_CORETYPE`, which OpenBLAS reads only when it loads, so it must be set before the
/// program starts:
///
///     OPENBLAS_CORETYPE=Haswell ./my-program      # AVX2 + FMA CPUs
///     OPENBLAS_CORETYPE=SkylakeX ./my-program     # AVX-512 CPUs
///
/// ``kernelDiagnostic`` says whether that is needed here, and ``suggestedCoreType`` which value
/// fits. The first time a factorization or a level-3 product runs, the package writes that
/// diagnostic once to standard error when the kernels are generic on a CPU that has better ones;
/// set `KANTOROVICH_QUIET=1` to silence it.
public enum OpenBLAS {
    /// The kernel family OpenBLAS selected at load time (e.g. "SkylakeX", "Haswell", "Prescott").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The `OPENBLAS_CORETYPE` this CPU supports best ("SkylakeX" with AVX-512, "Haswell" with
    /// AVX2 + FMA), or nil when no better choice than OpenBLAS's own detection is known (always nil
    /// off x86-64 Linux).
    public static var suggestedCoreType: String? {
        #if os(Linux) && arch(x86_64)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
        #else
        return nil
        #endif
    }

    /// Kernel families that OpenBLAS uses as generic fallbacks on x86-64.
    static let genericFamilies: Set<String> = [
        "Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Sandybridge", "Katmai", "Banias",
    ]

    /// True when OpenBLAS picked a kernel family older than what ``suggestedCoreType`` offers.
    public static var usesGenericKernels: Bool {
        suggestedCoreType != nil && genericFamilies.contains(coreName)
    }

    /// A sentence for the user when OpenBLAS runs generic kernels on a CPU that has better ones
    /// (what it chose, what to set, why); nil when the kernels fit the CPU.
    public static var kernelDiagnostic: String? {
        guard usesGenericKernels, let better = suggestedCoreType else { return nil }
        return "Kantorovich: OpenBLAS chose its generic \(coreName) kernels on a CPU that supports \(better); "
            + "matrix products and factorizations run several times slower. Start the program with "
            + "OPENBLAS_CORETYPE=\(better) in its environment (OpenBLAS reads it only when it loads)."
    }

    /// Writes ``kernelDiagnostic`` to standard error the first time it is evaluated, unless
    /// `KANTOROVICH_QUIET` is set. Touched by the level-3 BLAS and LAPACK wrappers.
    static let warnedOnce: Void = {
        guard ProcessInfo.processInfo.environment["KANTOROVICH_QUIET"] == nil, let text = kernelDiagnostic else { return }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }()

    /// The number of threads OpenBLAS uses for level-2/3 routines (one pool per process).
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets OpenBLAS's thread count for the whole process; values below 1 are treated as 1.
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(Swift.max(1, Swift.min(count, Int(Int32.max)))))
    }
}
