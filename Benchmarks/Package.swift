// swift-tools-version: 6.1
//
// Benchmarks for swift-nta, kept in their own package so that building and
// testing the library never pulls in the benchmark harness.
//
// Run from this folder:
//
//     swift package --allow-writing-to-package-directory benchmark
//
// See BENCHMARKS.md at the repository root for results and details.

import PackageDescription

let package = Package(
    name: "swift-nta-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "swift-nta", path: ".."),
        // Only the malloc interposer trait: the default "RuntimeInterposer"
        // trait (ARC hooks) is left off, its metrics crash on this machine.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.29.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "NTABenchmarks",
            dependencies: [
                .product(name: "NTA", package: "swift-nta"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/NTABenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // Issue 3's accuracy report: `swift run -c release AccuracyReport` (see BENCHMARKS.md).
        .executableTarget(
            name: "AccuracyReport",
            dependencies: [
                .product(name: "NTA", package: "swift-nta"),
            ],
            path: "Sources/AccuracyReport"
        ),
        // Issue 8's robustness matrix: `swift run -c release RobustnessMatrix` (see BENCHMARKS.md).
        .executableTarget(
            name: "RobustnessMatrix",
            dependencies: [
                .product(name: "NTA", package: "swift-nta"),
            ],
            path: "Sources/RobustnessMatrix"
        ),
        // Issue 12: the concentration and population coverage studies, moved out of the test suite:
        // `swift run -c release ConcentrationStudies` (see BENCHMARKS.md).
        .executableTarget(
            name: "ConcentrationStudies",
            dependencies: [
                .product(name: "NTA", package: "swift-nta"),
            ],
            path: "Sources/ConcentrationStudies"
        ),
    ]
)
