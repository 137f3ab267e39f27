import NTACore

/// One key row of a NanoSight experiment summary: a key, then one value per
/// video, then (in some blocks) the `Average` and `Standard Error` that NTA
/// printed.
public struct NanoSightKeyRow: Sendable, Hashable {
    /// The key in column 1, trimmed (e.g. `Temperature/C`).
    public var key: String
    /// One value per video, as printed (empty when the cell was empty).
    public var values: [String]
    /// NTA's printed average across videos, when the block has that column and it is filled.
    public var average: String?
    /// NTA's printed standard error across videos, when the block has that column and it is filled.
    public var standardError: String?
    /// 1-based line in the file.
    public var line: Int
    /// The decimal mark of the file's numbers (a comma in `;`-delimited re-saves).
    public var decimalMark: DecimalMark = .point
    /// The 1-based column of the first value after the videos' that the section's layout has no place for (neither
    /// its `Average` nor its `Standard Error` column): the sign of a value split in two by a comma (`1,000`), which
    /// shifts the videos' values by a column. `nil` when there is none.
    public var unplacedColumn: Int?
    /// Whether the row fills the section's `Average` or `Standard Error` column.
    public var fillsAverageColumns: Bool { average != nil || standardError != nil }

    /// Value of video `index` as a number, or `nil` (empty, text such as `Auto`, or no such video).
    public func number(_ index: Int) -> Double? {
        guard values.indices.contains(index) else { return nil }
        return NanoSightNumbers.parse(values[index], decimalMark: decimalMark)
    }

    /// Every video's value as a number (`nil` where not numeric).
    public var numbers: [Double?] { values.indices.map { number($0) } }
}

/// A bracketed section of a NanoSight summary (`[Conditions]`, `[Results]` …)
/// with its key rows. Keys repeat across sections (`Particles per frame`
/// is both a result and a warning), so look keys up within a section.
public struct NanoSightSection: Sendable, Hashable {
    /// The name without brackets, e.g. `Results`.
    public var name: String
    /// 1-based line of the section header.
    public var line: Int
    /// The rows, in file order.
    public var rows: [NanoSightKeyRow]

    /// The first row with `key` (compared case-insensitively, spaces trimmed).
    public func row(_ key: String) -> NanoSightKeyRow? {
        let k = key.lowercased()
        return rows.first { $0.key.lowercased() == k }
    }
}
