#!/usr/bin/env bash
# Compiles and runs the README's library example ("Using the library") as a user would: in a separate package that
# depends on this one by path and imports only `NTA`, run from the repository's root (the example reads SampleData/).
# Usage: scripts/check-readme-example.sh [SCRATCH_DIR]   (exit status ≠ 0 if it does not compile or run)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work/Sources/ReadmeExample"
awk '/^## Using the library/{f=1} f&&/^```swift/{c=1;next} c&&/^```/{exit} c{print}' "$root/README.md" \
  > "$work/Sources/ReadmeExample/main.swift"
[ -s "$work/Sources/ReadmeExample/main.swift" ] || { echo "no swift block under '## Using the library' in README.md" >&2; exit 1; }
grep -v '^import NTA$' "$work/Sources/ReadmeExample/main.swift" | grep -q '^import ' \
  && { echo "the README example imports more than NTA" >&2; exit 1; }
cat > "$work/Package.swift" <<SWIFT
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "ReadmeExample",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "$root")],
    targets: [.executableTarget(name: "ReadmeExample", dependencies: [.product(name: "NTA", package: "$(basename "$root")")])]
)
SWIFT
swift build --package-path "$work" 2>&1 | tail -n 5
cd "$root" && "$(swift build --package-path "$work" --show-bin-path)/ReadmeExample"
