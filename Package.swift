// swift-tools-version: 6.0
//
// Kantorovich: optimal transport and sampling on OpenBLAS/LAPACKE.
// The benchmark is a package of its own in bench/, so that depending on a library product here
// never pulls in its command-line parser. See README.md for the commands and the layout.

import PackageDescription

/// The DocC plugin is needed only to generate documentation (`make docs`, which sets this
/// variable); packages that depend on this one never resolve it.
let documentationDependencies: [Package.Dependency] =
    Context.environment["KANTOROVICH_DOCS"] == nil
    ? [] : [.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0")]

let package = Package(
    name: "Kantorovich",
    products: [
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "OptimalTransport", targets: ["OptimalTransport"]),
        .library(name: "SlicedWasserstein", targets: ["SlicedWasserstein"]),
        .library(name: "SensitivitySampling", targets: ["SensitivitySampling"]),
        .library(name: "GaussianProcessPDE", targets: ["GaussianProcessPDE"]),
        .library(name: "KantorovichMPI", targets: ["KantorovichMPI"]),
    ],
    dependencies: documentationDependencies,
    targets: [
        .systemLibrary(
            name: "CLAPACK",
            path: "Sources/CLAPACK",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // Vectorized kernels compiled for every instruction-set level (per-function target
        // attributes) and chosen at run time: no build flags, so the package stays usable by version.
        .target(name: "CVectorKernels", linkerSettings: [.linkedLibrary("m")]),
        .target(name: "LinearAlgebra", dependencies: ["CLAPACK", "CVectorKernels"]),
        .target(name: "OptimalTransport", dependencies: ["LinearAlgebra"]),
        .target(name: "SlicedWasserstein", dependencies: ["LinearAlgebra"]),
        .target(name: "SensitivitySampling", dependencies: ["LinearAlgebra"]),
        .target(name: "GaussianProcessPDE", dependencies: ["LinearAlgebra"]),
        // The distributed layer: the only target that imports MPI (Open MPI through pkg-config).
        // It composes the single-process kernels of the algorithm targets.
        .systemLibrary(
            name: "CMPI",
            path: "Sources/CMPI",
            pkgConfig: "ompi",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]
        ),
        .target(name: "KantorovichMPI", dependencies: [
            "CMPI", "LinearAlgebra", "OptimalTransport", "SlicedWasserstein", "SensitivitySampling",
        ]),
        .target(name: "TestSupport", dependencies: ["LinearAlgebra"], path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "TestSupport"]),
        .testTarget(name: "OptimalTransportTests", dependencies: ["OptimalTransport", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "SlicedWassersteinTests", dependencies: ["SlicedWasserstein", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "SensitivitySamplingTests", dependencies: ["SensitivitySampling", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "GaussianProcessPDETests", dependencies: ["GaussianProcessPDE", "LinearAlgebra", "TestSupport"]),
        // The distributed checks run under mpirun (1, 2 and 4 ranks; `make test-mpi`): XCTest cannot.
        .executableTarget(name: "DistributedChecks", dependencies: [
            "KantorovichMPI", "LinearAlgebra", "OptimalTransport", "SlicedWasserstein", "SensitivitySampling",
        ], path: "Tests/DistributedChecks"),
        .testTarget(name: "HostileSweepTests", dependencies: [
            "LinearAlgebra", "OptimalTransport", "SlicedWasserstein", "SensitivitySampling", "GaussianProcessPDE",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
