// swift-tools-version: 6.0
//
// A package that uses Kantorovich the way a user's package does: by a git URL and a version.
// Built by `scripts/check-consumer.sh`, which sets KANTOROVICH_URL to a file:// clone of this
// checkout tagged with a version. Not part of the Kantorovich package itself.

import PackageDescription

let url = Context.environment["KANTOROVICH_URL"] ?? "https://example.invalid/kantorovich.git"

let package = Package(
    name: "consumer",
    dependencies: [
        .package(url: url, from: "0.1.0"),
    ],
    targets: [
        .executableTarget(
            name: "consumer",
            dependencies: [
                .product(name: "LinearAlgebra", package: "kantorovich"),
                .product(name: "OptimalTransport", package: "kantorovich"),
                .product(name: "SlicedWasserstein", package: "kantorovich"),
                .product(name: "SensitivitySampling", package: "kantorovich"),
                .product(name: "GaussianProcessPDE", package: "kantorovich"),
                .product(name: "KantorovichMPI", package: "kantorovich"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
