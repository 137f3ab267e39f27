/// A size window, e.g. the small-EV ("exosome") window 30–150 nm.
public struct SizeWindow: Sendable, Hashable, Codable {
    /// Lower edge, nm (inclusive).
    public var minNm: Double
    /// Upper edge, nm (inclusive).
    public var maxNm: Double

    /// The window `minNm`…`maxNm`, nm, edges included; `minNm` must be below `maxNm` (checked by a precondition).
    public init(minNm: Double, maxNm: Double) {
        precondition(minNm < maxNm)
        self.minNm = minNm
        self.maxNm = maxNm
    }

    /// The small-EV / exosome size window used by default, 30–150 nm (SCIENCE.md §6).
    public static let exosome = SizeWindow(minNm: 30, maxNm: 150)

    /// Parses `MIN-MAX` in nm, e.g. `30-150`, with 0 ≤ MIN < MAX (`-10-50` is not 10–50: no part may be empty), each a
    /// decimal number (`0x10` is not 16, nor `inf` a size).
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { "0123456789.eE+".contains($0) } }),
              let lo = Double(parts[0]), let hi = Double(parts[1]),
              lo.isFinite, hi.isFinite, lo >= 0, lo < hi else { return nil }
        self.init(minNm: lo, maxNm: hi)
    }

    /// Number fraction of `distribution` inside this window.
    public func fraction(of distribution: BinnedDistribution) -> Double {
        distribution.fraction(from: minNm, to: maxNm)
    }
}

import Foundation
