// swift-tools-version: 6.0
//
// The `bench` binary: every algorithm of Kantorovich against its baseline. A package of its own,
// so that only the benchmark depends on swift-argument-parser. It builds the libraries exactly as
// any package that depends on Kantorovich does (release, no extra flags).
//
//     swift run -c release --package-path bench bench --help     (or `make bench` at the top level)

import PackageDescription

let package = Package(
    name: "KantorovichBench",
    dependencies: [
        .package(name: "Kantorovich", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "bench",
            dependencies: [
                .product(name: "LinearAlgebra", package: "Kantorovich"),
                .product(name: "OptimalTransport", package: "Kantorovich"),
                .product(name: "SlicedWasserstein", package: "Kantorovich"),
                .product(name: "SensitivitySampling", package: "Kantorovich"),
                .product(name: "GaussianProcessPDE", package: "Kantorovich"),
                .product(name: "KantorovichMPI", package: "Kantorovich"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
