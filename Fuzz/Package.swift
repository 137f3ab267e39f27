// swift-tools-version: 6.1
//
// libFuzzer harnesses for swift-nta (issue 8: never trap, never confidently wrong).
// One executable per harness; each defines LLVMFuzzerTestOneInput and is linked
// with libFuzzer's main by `-sanitize=fuzzer`. Build (Linux):
//
//   swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
//       -Xswiftc -g --scratch-path .build-fuzz
//
// See FUZZING.md at the repository root for run commands and results.

import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder: the checkout's folder name, whatever it is.
/// (A checkout folder named `fuzz` would clash with this package's own identity; build through
/// a symlink with another name then, as FUZZING.md describes.)
let rootIdentity = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()
let nta = Target.Dependency.product(name: "NTA", package: rootIdentity)

let package = Package(
    name: "swift-nta-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .target(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        .executableTarget(
            name: "FuzzTrajectoryCSV",
            dependencies: [nta, "CLibFuzzer"],
            path: "Sources/FuzzTrajectoryCSV"
        ),
        .executableTarget(
            name: "FuzzInstrumentDetect",
            dependencies: [nta, "CLibFuzzer"],
            path: "Sources/FuzzInstrumentDetect"
        ),
        .executableTarget(
            name: "FuzzAnalysis",
            dependencies: [nta, "CLibFuzzer"],
            path: "Sources/FuzzAnalysis"
        ),
        .executableTarget(
            name: "FuzzSettingsText",
            dependencies: [nta, "CLibFuzzer"],
            path: "Sources/FuzzSettingsText"
        ),
    ]
)
