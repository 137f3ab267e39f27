import NTACore

/// A Malvern NanoSight NTA 3.x `-ExperimentSummary.csv`, read by section and key.
///
/// Every section's key rows are kept (``sections``), and the parts the
/// analysis needs are typed: per-video settings, results and flags
/// (``videos``) and every distribution block (``blocks``).
/// Read one with ``NanoSightSummaryReader``.
public struct NanoSightExperimentSummary: Sendable, Hashable {
    /// The `Created with …` line, e.g. `Created with NTA 3.4 Build 3.4.003`.
    public var createdWith: String?
    /// `[Experiment Details]` → `Software Version` (3.2 files may say `Unknown`).
    public var softwareVersion: String?
    /// `[Experiment Details]` → `Experiment Name`.
    public var experimentName: String?
    /// `Time Captured` as printed, e.g. `15:42:48  01/04/2021` (time, two spaces, dd/mm/yyyy).
    public var timeCaptured: String?
    /// `Sample Description` (or 3.2's `Sample Name`).
    public var sampleDescription: String?
    /// `[Experiment Details]` → `Diluent`.
    public var diluent: String?
    /// `[Experiment Details]` → `Remarks`.
    public var remarks: String?
    /// The video names of the `Filename:` manifest.
    public var manifest: [String]
    /// Every section, in file order.
    public var sections: [NanoSightSection]
    /// Every video, in the order of the distribution blocks' columns (or the manifest).
    public var videos: [NanoSightVideo]
    /// Every distribution block, in file order.
    public var blocks: [NanoSightDistributionBlock]
    /// How the file was decoded.
    public var encoding: TextEncoding

    /// The section called `name` (without brackets, case-insensitive).
    public func section(_ name: String) -> NanoSightSection? {
        let k = name.lowercased()
        return sections.first { $0.name.lowercased() == k }
    }

    /// The first block of `quantity` with `weighting`.
    public func block(_ quantity: NanoSightQuantity, _ weighting: NanoSightWeighting) -> NanoSightDistributionBlock? {
        blocks.first { $0.quantity == quantity && $0.weighting == weighting }
    }

    /// NTA's major and minor version (e.g. 3 and 4), from `Created with` or `Software Version`.
    public var version: (major: Int, minor: Int)? {
        for text in [createdWith, softwareVersion].compactMap({ $0 }) {
            if let range = text.range(of: "NTA ") {
                let digits = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
                let parts = digits.split(separator: ".").compactMap { Int($0) }
                if parts.count >= 2 { return (parts[0], parts[1]) }
            }
        }
        return nil
    }

    /// Warnings for video `index`'s settings the report would give but cannot read: a `[Conditions]` cell of
    /// ``NanoSightSummaryReader/limitedConditions`` that is filled but not a number (the setting is then unknown).
    public func unreadSettings(video index: Int) -> [String] {
        let conditions = section("Conditions")
        return NanoSightSummaryReader.limitedConditions.compactMap { key, limit in
            guard let row = conditions?.row(key), row.values.indices.contains(index),
                  !row.values[index].isEmpty, row.number(index) == nil else { return nil }
            return "[Conditions] \"\(row.key)\" (line \(row.line), column \(index + 2)) reads \"\(InputError.echo(row.values[index]))\", not a number: the \(limit.name) is not known"
        }
    }

    /// A warning when video `index`'s printed statistics (the number-weighted `[Size Data]` block's Mean, Mode, SD,
    /// D10, D50, D90) are not what its own bins give, recomputed as NTA does (``figures(video:)``), to the printed
    /// precision (0.05 nm): the bins or the figures were changed after NTA wrote them. `nil` when they agree.
    public func unmatchedPrintedStatistics(video index: Int) -> String? {
        guard let block = block(.size, .number), let s = figures(video: index)?.statistics else { return nil }
        let computed: [(String, Double)] = [("Mean", s.meanNm), ("Mode", s.modeNm), ("SD", s.sdNm), ("D10", s.d10Nm),
                                            ("D50", s.d50Nm), ("D90", s.d90Nm)]
        var parts: [String] = []
        for (key, value) in computed {
            guard let row = block.statistics.first(where: { $0.key.lowercased() == key.lowercased() }),
                  let printed = row.number(index), value.isFinite,
                  abs(printed - value) > 0.05 + 1e-9 * abs(value) else { continue }
            parts.append(String(format: "%@ %@ nm (line %d; the bins give %.2f nm)", key, InputError.echo(row.values[index]), row.line, value))
        }
        guard !parts.isEmpty else { return nil }
        return "printed figures that the video's own bins do not give: \(parts.joined(separator: ", ")) — edited after NTA wrote them? The report's figures are the bins'"
    }

    /// Warnings for the file's `[Conditions]` rows that give a setting of ``NanoSightSummaryReader/limitedConditions``
    /// under another key (`Temperature/F` for `Temperature/C`): not read, so the setting is not known.
    public var unreadSettingRows: [String] {
        guard let conditions = section("Conditions") else { return [] }
        return NanoSightSummaryReader.limitedConditions.compactMap { key, limit in
            guard conditions.row(key) == nil else { return nil }
            let quantity = key.split(separator: "/").first.map { $0.lowercased() } ?? key.lowercased()
            guard let other = conditions.rows.first(where: { $0.key.lowercased().hasPrefix(quantity) }) else { return nil }
            return "[Conditions] \"\(InputError.echo(other.key))\" (line \(other.line)) was not read (expected \"\(key)\"): the \(limit.name) is not known"
        }
    }

    /// The number-weighted size distribution of video `index` (1-nm bins,
    /// particles/ml of the original sample: NTA has applied its dilution).
    public func numberSizeDistribution(video index: Int) -> BinnedDistribution? {
        block(.size, .number)?.distribution(video: index)
    }
}

/// Number parsing for NanoSight cells (`2.08e+08`, `1430000000`, quoted).
enum NanoSightNumbers {
    static func parse(_ text: String, decimalMark: DecimalMark = .point) -> Double? {
        NumberParsing.parseDouble(text, decimalMark: decimalMark)
    }

    /// A count printed as a number (`1872.0`): `nil` unless finite, whole and in range.
    static func integer(_ x: Double?) -> Int? {
        guard let x, x.isFinite, x == x.rounded(), Swift.abs(x) < 9e15 else { return nil }
        return Int(x)
    }
}
