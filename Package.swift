// swift-tools-version: 6.1
//
// swift-nta: honest, validated particle size and concentration from
// Nanoparticle Tracking Analysis (NTA) data.
//
// Benchmarks live in their own package under `Benchmarks/` so that building
// and testing the library never pulls in the benchmark harness.

import PackageDescription

let package = Package(
    name: "swift-nta",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "NTA", targets: ["NTA"]),
        .executable(name: "nta-size", targets: ["nta-size"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // `swift package generate-documentation --target NTA` (DocC catalog: Sources/NTA/NTA.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFTW",
            path: "Sources/CFFTW",
            pkgConfig: "fftw3",
            providers: [.apt(["libfftw3-dev"]), .brew(["fftw"])]
        ),
        // One target per pipeline stage; each imports only earlier stages, so the
        // compiler enforces the direction of the flow (README, "Architecture").
        .target(name: "NTACore", path: "Sources/NTACore"),
        .target(name: "NTARead", dependencies: ["NTACore", "CNTAKernels"], path: "Sources/NTARead"),
        .target(name: "NTATracks", dependencies: ["NTACore", "NTARead"], path: "Sources/NTATracks"),
        .target(name: "NTADiffusion", dependencies: ["NTACore", "NTATracks", "CFFTW", "CNTAKernels"], path: "Sources/NTADiffusion"),
        // The hot kernels in C (the E-step, curvature, slab, the frame bootstrap's block sums, mean inverse intensity on the widest vectors the
        // machine has, chosen at run time; the reader's fast path), and FFTW's wisdom for the DST-I lengths
        // 25…1000 (scripts/generate-fftw-wisdom.sh).
        .target(name: "CNTAKernels", path: "Sources/CNTAKernels"),
        .target(name: "NTADistribution", dependencies: ["NTACore", "NTADiffusion", "CNTAKernels"],
                path: "Sources/NTADistribution"),
        .target(
            name: "NTAPopulations",
            dependencies: ["NTACore", "NTARead", "NTATracks", "NTADistribution", "CNTAKernels"],
            path: "Sources/NTAPopulations"
        ),
        .target(name: "NTASimulation", dependencies: ["NTACore", "NTARead", "NTATracks"], path: "Sources/NTASimulation"),
        .target(
            name: "NTAPipeline",
            dependencies: ["NTACore", "NTARead", "NTATracks", "NTADiffusion", "NTADistribution", "NTAPopulations"],
            path: "Sources/NTAPipeline"
        ),
        .target(name: "NTAReport", dependencies: ["NTACore", "NTARead", "NTATracks", "NTADiffusion", "NTADistribution", "NTAPopulations", "NTAPipeline"],
                path: "Sources/NTAReport"),
        // The umbrella a user imports: re-exports the stages and holds the facade and batch runs.
        .target(
            name: "NTA",
            dependencies: ["NTACore", "NTARead", "NTATracks", "NTADiffusion", "NTADistribution", "NTAPopulations",
                           "NTASimulation", "NTAPipeline", "NTAReport"],
            path: "Sources/NTA"
        ),
        .executableTarget(
            name: "nta-size",
            dependencies: [
                "NTA",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/nta-size"
        ),
        .testTarget(
            name: "NTATests",
            dependencies: ["NTA", "CNTAKernels"],
            path: "Tests/NTATests"
        ),
    ]
)
