// swift-tools-version: 6.0
//
// Kantorovich: optimal transport and sampling engine on OpenBLAS/LAPACKE.
// See README.md for the two commands (`make test`, `make bench`) and the layout.

import PackageDescription
#if canImport(Glibc)
import Glibc
#endif

/// The vectorized kernels (SIMD exp, log-sum-exp, radix sorts) are written with Swift SIMD types;
/// without AVX2/FMA code generation, `addingProduct` lowers to a libm call per lane. We enable
/// AVX2 + FMA (the x86-64-v3 level) only when the machine that builds the package has them, so the
/// same package still builds and runs correctly (just slower) on older x86 or on other CPUs.
func hostSupportsAVX2FMA() -> Bool {
    #if arch(x86_64) && os(Linux)
    guard let file = fopen("/proc/cpuinfo", "r") else { return false }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let got = fread(&chunk, 1, chunk.count, file)
        if got <= 0 { break }
        bytes.append(contentsOf: chunk[0..<got])
    }
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix("flags") {
        let flags = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" }))
        return flags.contains("avx2") && flags.contains("fma")
    }
    return false
    #else
    return false
    #endif
}

let vectorFlags: [SwiftSetting] = hostSupportsAVX2FMA()
    ? [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"])]
    : []

let package = Package(
    name: "Kantorovich",
    products: [
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "OptimalTransport", targets: ["OptimalTransport"]),
        .library(name: "SlicedWasserstein", targets: ["SlicedWasserstein"]),
        .library(name: "SensitivitySampling", targets: ["SensitivitySampling"]),
        .library(name: "GaussianProcessPDE", targets: ["GaussianProcessPDE"]),
        .executable(name: "bench", targets: ["bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLAPACK",
            path: "Sources/CLAPACK",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .target(name: "LinearAlgebra", dependencies: ["CLAPACK"], swiftSettings: vectorFlags),
        .target(name: "OptimalTransport", dependencies: ["LinearAlgebra"], swiftSettings: vectorFlags),
        .target(name: "SlicedWasserstein", dependencies: ["LinearAlgebra"], swiftSettings: vectorFlags),
        .target(name: "SensitivitySampling", dependencies: ["LinearAlgebra"], swiftSettings: vectorFlags),
        .target(name: "GaussianProcessPDE", dependencies: ["LinearAlgebra"], swiftSettings: vectorFlags),
        .executableTarget(
            name: "bench",
            dependencies: [
                "LinearAlgebra", "OptimalTransport", "SlicedWasserstein",
                "SensitivitySampling", "GaussianProcessPDE",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench",
            swiftSettings: vectorFlags
        ),
        .target(name: "TestSupport", dependencies: ["LinearAlgebra"], path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "TestSupport"]),
        .testTarget(name: "OptimalTransportTests", dependencies: ["OptimalTransport", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "SlicedWassersteinTests", dependencies: ["SlicedWasserstein", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "SensitivitySamplingTests", dependencies: ["SensitivitySampling", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "GaussianProcessPDETests", dependencies: ["GaussianProcessPDE", "LinearAlgebra", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
