import Foundation
import NTACore

/// One video (or measurement) of an instrument's binned export, in the form
/// the summary, population and report stages use.
public struct SummaryVideo: Sendable, Hashable {
    /// The video's name as the instrument printed it.
    public var name: String
    /// Number-weighted size distribution, particles/ml of the ORIGINAL sample per bin (as measured in the cell
    /// when ``dilution`` is not known).
    public var numberDistribution: BinnedDistribution
    /// Concentration of the original sample, particles/ml (= the sum of the bins).
    public var concentrationPerMl: Double
    /// The dilution behind ``concentrationPerMl``.
    public var dilution: DilutionRecord
    /// The acquisition settings the instrument recorded.
    public var settings: AcquisitionSettings
    /// Instrument warnings about this video (e.g. `Vibration detected: Moderate vibration`).
    public var warnings: [String]
}

/// A binned instrument export (NanoSight summary or ZetaView size measurement)
/// reduced to what the analysis needs: per-video number distributions and
/// concentrations of the original sample, and their pooled form.
public struct DistributionSummary: Sendable, Hashable {
    /// The format the summary was read from.
    public var format: InstrumentFormat
    /// Sample name or description, when the file has one.
    public var sampleName: String?
    /// Every video (measurement), in file order.
    public var videos: [SummaryVideo]
    /// The pooled sample: the bin-by-bin mean of the videos' distributions
    /// (NanoSight's `Concentration average`), particles/ml of the original sample.
    public var pooled: BinnedDistribution
    /// Mean of the videos' concentrations, particles/ml of the original sample.
    public var concentrationPerMl: Double
    /// Standard error of that mean as NanoSight computes it (sample SD/√n); `nil` for one video.
    public var concentrationStandardErrorPerMl: Double?
    /// Warnings about the file as a whole (e.g. a dilution typed in free text and not applied).
    public var warnings: [String]

    /// From a NanoSight summary: the number-weighted size block's bins (NTA has
    /// already applied any recorded dilution, so nothing is re-applied).
    public init(_ summary: NanoSightExperimentSummary, fileName: String) throws(InputError) {
        guard let block = summary.block(.size, .number) else {
            throw InputError(file: fileName, message: "the summary has no number-weighted [Size Data] block; expected \"Weighting,Number\" with its bin table")
        }
        let dilutionLine = summary.section("Results")?.rows.first { $0.key.lowercased().hasPrefix("dilution factor") }?.line
        var videos: [SummaryVideo] = []
        for (v, video) in summary.videos.enumerated() {
            guard let d = block.distribution(video: v) else {
                throw InputError(file: fileName, line: block.line, column: 1, message: "the number-weighted size block has no bins for video \"\(video.name)\"")
            }
            try Self.checkNonNegative(d, file: fileName, line: block.line, what: "video \"\(InputError.echo(video.name))\"")
            let where_ = dilutionLine.map { " (line \($0))" } ?? ""
            let record: DilutionRecord
            switch video.settings.dilution {
            case .factor(0):
                // 0 is how NTA says none was recorded (as in its .nano files).
                record = DilutionRecord(appliedFactor: 1, recordedFactor: nil, appliedBy: .none,
                                        source: "NanoSight [Results] dilution factor 0\(where_), which NTA writes when none was recorded: concentrations are those measured in the cell")
            case .factor(let f):
                record = DilutionRecord(appliedFactor: f, recordedFactor: f, appliedBy: .instrument,
                                        source: "NanoSight [Results] \"Dilution factor (concentrations adjusted for this factor)\"\(where_): already applied by NTA")
            case .notRecorded:
                record = DilutionRecord(appliedFactor: 1, recordedFactor: nil, appliedBy: .none,
                                        source: "NanoSight [Results] dilution factor \"Not recorded\"\(where_): concentrations are those measured in the cell")
            case .text(let t):
                record = DilutionRecord(appliedFactor: 1, recordedFactor: nil, appliedBy: .none,
                                        source: "NanoSight [Results] dilution factor \"\(t)\"\(where_) is not a number: not applied")
            case nil:
                record = DilutionRecord(appliedFactor: 1, recordedFactor: nil, appliedBy: .none,
                                        source: "NanoSight summary has no dilution factor row")
            }
            videos.append(SummaryVideo(
                name: video.name, numberDistribution: d, concentrationPerMl: d.total, dilution: record,
                settings: video.settings.acquisitionSettings,
                warnings: video.warnings.map { "\($0.key): \($0.value)" } + summary.unreadSettings(video: v)
                    + [summary.unmatchedPrintedStatistics(video: v)].compactMap { $0 }))
        }
        self.init(format: .nanoSightExperimentSummary, sampleName: summary.sampleDescription ?? summary.experimentName,
                  videos: videos, diluent: summary.diluent)
        warnings += summary.unreadSettingRows
    }

    /// From a ZetaView size measurement: one "video" (the measurement over all
    /// positions), its table concentrations multiplied by `Dilution::`.
    public init(_ measurement: ZetaViewSizeMeasurement, fileName: String) throws(InputError) {
        guard let d = measurement.numberDistribution else {
            throw InputError(file: fileName, message: "the ZetaView measurement has no size table rows (no traces were recorded); there is no size distribution to analyse")
        }
        // The table's amounts are checked where they are read; what is left to overflow is their product with
        // the dilution.
        if let e = measurement.entry("Dilution"), d.values.contains(where: { !$0.isFinite }) {
            throw InputError(file: fileName, line: e.line, column: 1, message: "expected a dilution factor whose product with the table's concentrations a double holds, found \"\(InputError.echo(e.value))\" (the product overflows)")
        }
        try Self.checkNonNegative(d, file: fileName, line: nil, what: "the size table")
        let settings = AcquisitionSettings(frameRateHz: measurement.frameRateHz,
                                           nanometersPerPixel: measurement.nanometersPerPixel,
                                           temperatureCelsius: measurement.temperatureCelsius,
                                           viscosityMillipascalSeconds: measurement.viscosityMillipascalSeconds)
        var warnings: [String] = []
        if let r = measurement.entry("Particle Drift Check Result")?.value, !r.isEmpty, r.lowercased() != "good" {
            warnings.append("Particle Drift Check Result: \(r)")
        }
        if let r = measurement.entry("Cell Check Result")?.value, !r.isEmpty, r.lowercased() != "good" {
            warnings.append("Cell Check Result: \(r)")
        }
        warnings += ZetaViewSizeReader.unreadSettings(measurement)
        let video = SummaryVideo(name: measurement.entry("Sample")?.value ?? measurement.entry("Experiment")?.value ?? "measurement",
                                 numberDistribution: d, concentrationPerMl: d.total, dilution: measurement.dilution,
                                 settings: settings, warnings: warnings)
        self.init(format: .zetaViewSize, sampleName: measurement.entry("Sample")?.value, videos: [video], diluent: nil)
    }

    /// A count or concentration per bin cannot be negative or non-finite: such a table is refused,
    /// naming the first bad bin, instead of giving a negative concentration.
    static func checkNonNegative(_ d: BinnedDistribution, file: String, line: Int?, what: String) throws(InputError) {
        if let i = d.values.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            throw InputError(file: file, line: line, column: line == nil ? nil : 1, message: "expected non-negative amounts in every size bin of \(what), found \(d.values[i]) in the bin at \(d.centre(i)) nm")
        }
    }

    private init(format: InstrumentFormat, sampleName: String?, videos: [SummaryVideo], diluent: String?) {
        self.format = format
        self.sampleName = sampleName
        self.videos = videos
        pooled = BinnedDistribution(values: [])
        concentrationPerMl = 0
        concentrationStandardErrorPerMl = nil
        warnings = []
        pool()
        // Videos reported under one name cannot be told apart in the per-video lines.
        var seen = Set<String>(), repeated: [String] = []
        for v in videos where !seen.insert(v.name).inserted && !repeated.contains(v.name) { repeated.append(v.name) }
        if !repeated.isEmpty {
            warnings.append("more than one video is named \(repeated.map { "\"\($0)\"" }.joined(separator: ", ")): their per-video lines appear in file order under the same name")
        }
        if let diluent, DistributionSummary.looksLikeDilution(diluent) {
            warnings.append("Diluent reads \"\(diluent)\", which looks like a dilution; it is free text and was not applied")
        }
    }

    /// The pooled distribution and the concentration with its standard error, from ``videos``.
    private mutating func pool() {
        var pooled = BinnedDistribution(firstCentreNanometers: videos.first?.numberDistribution.firstCentreNanometers ?? 0.5,
                                        binWidthNanometers: videos.first?.numberDistribution.binWidthNanometers ?? 1,
                                        values: [])
        for v in videos { pooled.add(v.numberDistribution) }
        let n = Double(max(1, videos.count))
        pooled.values = pooled.values.map { $0 / n }
        self.pooled = pooled
        let c = NanoSightFigures.averageAndStandardError(videos.map(\.concentrationPerMl))
        concentrationPerMl = c.average
        concentrationStandardErrorPerMl = videos.count > 1 ? c.standardError : nil
    }

    /// Applies the dilution `record` (its ``DilutionRecord/appliedFactor``, e.g. `--dilution`) to the videos whose
    /// file records none (their concentrations are those measured in the cell); a video whose file records a
    /// dilution keeps it. Returns how many videos it was applied to. A product a double cannot hold is an error
    /// naming `fileName`.
    package mutating func applyDilution(_ record: DilutionRecord, fileName: String) throws(InputError) -> Int {
        var applied = 0
        for k in videos.indices where !videos[k].dilution.isKnown {
            var d = videos[k].numberDistribution
            d.values = d.values.map { $0 * record.appliedFactor }
            if d.values.contains(where: { !$0.isFinite }) {
                throw InputError(file: fileName, message: "expected concentrations whose product with the dilution factor \(plainNumber(record.appliedFactor)) (\(record.source)) a double holds; video \"\(InputError.echo(videos[k].name))\" overflows")
            }
            videos[k].numberDistribution = d
            videos[k].concentrationPerMl = d.total
            videos[k].dilution = record
            applied += 1
        }
        if applied > 0 { pool() }
        return applied
    }

    /// Replicate measurements (several files of one sample) analysed together:
    /// every file's videos, the pooled distribution as the mean of the files'
    /// pooled distributions, and the concentration as the mean of the files'
    /// concentrations with its standard error across files (sample SD/√n).
    /// The files must share their bins; `fileNames` name them in errors and warnings.
    public static func replicates(_ parts: [DistributionSummary], fileNames: [String]) throws(InputError) -> DistributionSummary {
        guard let first = parts.first else {
            throw InputError(file: fileNames.first ?? "", message: "no files to combine")
        }
        for (k, p) in parts.enumerated().dropFirst() {
            guard p.pooled.firstCentreNanometers == first.pooled.firstCentreNanometers,
                  p.pooled.binWidthNanometers == first.pooled.binWidthNanometers else {
                throw InputError(file: k < fileNames.count ? fileNames[k] : "file \(k + 1)",
                                 message: "its bins (\(p.pooled.binWidthNanometers) nm from \(p.pooled.firstCentreNanometers) nm) differ from the first file's (\(first.pooled.binWidthNanometers) nm from \(first.pooled.firstCentreNanometers) nm); replicates must come from the same kind of export")
            }
        }
        var combined = first
        combined.videos = parts.flatMap(\.videos)
        var pooled = BinnedDistribution(firstCentreNanometers: first.pooled.firstCentreNanometers,
                                        binWidthNanometers: first.pooled.binWidthNanometers, values: [])
        for p in parts { pooled.add(p.pooled) }
        pooled.values = pooled.values.map { $0 / Double(parts.count) }
        combined.pooled = pooled
        let c = NanoSightFigures.averageAndStandardError(parts.map(\.concentrationPerMl))
        combined.concentrationPerMl = c.average
        combined.concentrationStandardErrorPerMl = parts.count > 1 ? c.standardError : first.concentrationStandardErrorPerMl
        combined.warnings = parts.enumerated().flatMap { k, p in
            p.warnings.map { "\(k < fileNames.count ? fileNames[k] : "file \(k + 1)"): \($0)" }
        }
        if Set(parts.map(\.format)).count > 1 { combined.warnings.append("the replicates come from different instruments' exports") }
        return combined
    }

    /// Whether free text such as `10x diluido`, `1/100`, `1:50` or `x1000` states a dilution.
    static func looksLikeDilution(_ text: String) -> Bool {
        let t = text.lowercased()
        if t.range(of: #"\d+\s*x\b"#, options: .regularExpression) != nil { return true }
        if t.range(of: #"\bx\s*\d+"#, options: .regularExpression) != nil { return true }
        if t.range(of: #"\d+\s*[:/]\s*\d+"#, options: .regularExpression) != nil { return true }
        return t.contains("dilut") || t.contains("diluid") || t.contains("verdünn")
    }
}
