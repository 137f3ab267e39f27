import Foundation
import NTACore

/// The tidy summary table of `nta-size batch`: one row per sample.
///
/// RFC 4180 CSV (header row, CRLF line ends, fields quoted when they hold a
/// comma, quote, CR or LF, quotes doubled), dot decimals, no thousands
/// separators, and an empty cell for every figure that is unknown, so pandas'
/// `read_csv` and R's `read.csv` read it with no options. Every figure is the
/// one in the sample's JSON report (``AnalysisReport``); `…_ci_low`/`…_ci_high`
/// are its `…CI` interval.
public enum BatchSummaryTable {
    /// The column names, in order.
    public static let header: [String] = [
        "sample", "files", "status", "error", "distribution", "estimator", "videos", "tracks_read", "tracks_used",
        "mean_nm", "mode_nm", "mode_nm_ci_low", "mode_nm_ci_high",
        "d10_nm", "d10_nm_ci_low", "d10_nm_ci_high", "d50_nm", "d50_nm_ci_low", "d50_nm_ci_high",
        "d90_nm", "d90_nm_ci_low", "d90_nm_ci_high",
        "window_min_nm", "window_max_nm", "window_fraction", "window_fraction_ci_low", "window_fraction_ci_high",
        "concentration_per_ml", "concentration_per_ml_ci_low", "concentration_per_ml_ci_high", "concentration_se_per_ml",
        "in_window_concentration_per_ml", "in_window_concentration_per_ml_ci_low", "in_window_concentration_per_ml_ci_high",
        "marker_positive_fraction", "marker_positive_fraction_ci_low", "marker_positive_fraction_ci_high",
        "warnings",
        "frame_rate_hz", "nm_per_pixel", "temperature_c", "viscosity_mpa_s", "exposure_ms", "min_track_length",
        "dilution", "detection_volume_ml",
    ]

    /// The row of a sample analysed successfully.
    public static func row(sample: BatchSample, report r: AnalysisReport) -> [String] {
        func n(_ x: Double?) -> String { x.map(plainNumber) ?? "" }
        func ci(_ c: [Double?]?) -> [String] { [n(c?.first ?? nil), n(c?.dropFirst().first ?? nil)] }
        func setting(_ key: String) -> String {
            switch r.settings[key]?.value {
            case .number(let v)?: return v.isFinite ? plainNumber(v) : ""
            case .text(let s)?: return s
            case .null?, nil: return ""
            }
        }
        let inWindow = r.populations?.lazy.map(\.line).first { $0.name == .inWindow }
        let marker = r.populations?.lazy.map(\.line).first { $0.name == .markerPositive }
        // Empty unless one dilution, recorded or given, stands behind the concentrations (none known: the cell's).
        let records = r.dilution.map { [$0] } ?? r.videos.compactMap(\.dilution)
        let dilutions = Set(records.map { $0.isKnown ? $0.appliedFactor : nil })
        let dilution = dilutions.count == 1 ? dilutions.first ?? nil : nil
        var row = [sample.name, filesCell(sample), "ok", "", r.distribution, r.estimator ?? "", String(r.videos.count),
                   r.tracks.map { String($0.read) } ?? "", r.tracks.map { String($0.used) } ?? ""]
        row += [n(r.size.meanNm), n(r.size.modeNm)] + ci(r.size.modeNmCI)
        row += [n(r.size.d10Nm)] + ci(r.size.d10NmCI) + [n(r.size.d50Nm)] + ci(r.size.d50NmCI)
        row += [n(r.size.d90Nm)] + ci(r.size.d90NmCI)
        row += [n(r.window.minNm), n(r.window.maxNm), n(r.window.fraction)] + ci(r.window.fractionCI)
        row += [n(r.concentrationPerMl)] + ci(r.concentrationPerMlCI) + [n(r.concentrationStandardErrorPerMl)]
        row += [n(inWindow.map(\.concentrationPerMl).flatMap(finiteOrNil)),
                n(inWindow.map(\.concentrationLowerPerMl).flatMap(finiteOrNil)),
                n(inWindow.map(\.concentrationUpperPerMl).flatMap(finiteOrNil))]
        row += [n(marker.map(\.fraction).flatMap(finiteOrNil)), n(marker.map(\.fractionLower).flatMap(finiteOrNil)),
                n(marker.map(\.fractionUpper).flatMap(finiteOrNil))]
        row += [String(r.warnings.count + r.videos.reduce(0) { $0 + $1.warnings.count })]
        row += ["frameRateHz", "nanometersPerPixel", "temperatureCelsius", "viscosityMillipascalSeconds",
                "exposureMilliseconds", "minTrackLength"].map(setting)
        row += [n(dilution), n(r.concentration?.detectionVolumeMl)]
        return row
    }

    /// The row of a sample whose analysis failed: its name, files, `error` and the one-line message.
    public static func errorRow(sample: BatchSample, message: String) -> [String] {
        var row = [sample.name, filesCell(sample), "error", oneLine(message)]
        row += Array(repeating: "", count: header.count - row.count)
        return row
    }

    /// The sample's files as one cell: scatter files separated by `;`.
    static func filesCell(_ sample: BatchSample) -> String { sample.files.joined(separator: ";") }

    /// The whole table: header and rows, RFC 4180.
    public static func csv(_ rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(CSVText.field).joined(separator: ",") + "\r\n" }.joined()
    }

    /// An error's message on one line (line breaks and the indentation after them become one space).
    public static func oneLine(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// One line of the batch's JSON Lines output.
///
/// A sample analysed successfully is its ``AnalysisReport`` (the JSON of
/// `nta-size analyze --output json`) with two keys added, `sample` and
/// `status: "ok"`; a failed sample is `{sample, files, status: "error", error}`.
public enum BatchJSONLine {
    /// The line of a successful sample: compact JSON, sorted keys, ending in a newline.
    public static func report(sample: BatchSample, _ report: AnalysisReport) throws -> Data {
        try encode(Tagged(report: report, sample: sample.name))
    }

    /// The line of a failed sample.
    public static func error(sample: BatchSample, message: String) throws -> Data {
        try encode(Failure(sample: sample.name, files: sample.files, status: "error",
                           error: BatchSummaryTable.oneLine(message)))
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value) + Data("\n".utf8)
    }

    struct Tagged: Encodable {
        var report: AnalysisReport
        var sample: String
        enum CodingKeys: String, CodingKey { case sample, status }
        func encode(to encoder: any Encoder) throws {
            try report.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(sample, forKey: .sample)
            try c.encode("ok", forKey: .status)
        }
    }

    struct Failure: Encodable {
        var sample: String
        var files: [String]
        var status: String
        var error: String
    }
}
