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

/// A recorded dilution factor as NanoSight prints it.
public enum NanoSightDilution: Sendable, Hashable {
    /// A number; NTA has already multiplied every concentration by it.
    case factor(Double)
    /// `Not recorded`: the concentrations are those measured in the cell.
    case notRecorded
    /// Any other text, kept as printed.
    case text(String)
}

/// The per-video acquisition and processing settings of a NanoSight summary
/// (`[Conditions]`, `[Settings]`, and the dilution of `[Results]`).
public struct NanoSightVideoSettings: Sendable, Hashable {
    public var temperatureCelsius: Double?
    /// Viscosity used for sizing, mPa·s (the file's `Viscosity/cP`).
    public var viscosityMillipascalSeconds: Double?
    public var frameRateHz: Double?
    public var cameraLevel: Double?
    public var cameraType: String?
    public var laserType: String?
    /// Exposure per frame, ms (the file's `Shutter/ms`).
    public var shutterMilliseconds: Double?
    public var detectionThreshold: Double?
    /// `Max Jump Distance`, pixels (text such as `Auto` gives `nil`).
    public var maxJumpDistancePixels: Double?
    /// `Min Track Length` (`Auto` gives `nil`).
    public var minTrackLength: Int?
    public var totalFramesAnalysed: Int?
    /// `Dilution factor (concentrations adjusted for this factor)`.
    public var dilution: NanoSightDilution?

    /// These settings as the pipeline's ``AcquisitionSettings`` (the pixel size
    /// is not in the summary; it is in the `.nano` file).
    public var acquisitionSettings: AcquisitionSettings {
        AcquisitionSettings(frameRateHz: frameRateHz, nanometersPerPixel: nil, temperatureCelsius: temperatureCelsius,
                            viscosityMillipascalSeconds: viscosityMillipascalSeconds,
                            exposureMilliseconds: shutterMilliseconds, minTrackLength: minTrackLength)
    }
}

/// The per-video results NTA printed in `[Results]`.
public struct NanoSightVideoResults: Sendable, Hashable {
    /// `Concentration (Particles / ml)` as printed (3 significant figures),
    /// already multiplied by the recorded dilution factor.
    public var printedConcentrationPerMl: Double?
    public var particlesPerFrame: Double?
    public var centresPerFrame: Double?
    public var completedTracks: Int?
    public var xDriftPixelsPerFrame: Double?
    public var yDriftPixelsPerFrame: Double?
}

/// One flag of `[Concentration Warnings]` or `[Information]` for one video.
public struct NanoSightFlag: Sendable, Hashable {
    /// `Concentration Warnings` or `Information`.
    public var section: String
    public var key: String
    public var value: String
}

/// One video of a NanoSight summary.
public struct NanoSightVideo: Sendable, Hashable {
    /// The name in the distribution blocks' `Filename` row (or the manifest when there is no block).
    public var name: String
    /// The name in the `Filename:` manifest of `[Experiment Details]`, which may differ.
    public var manifestName: String?
    public var settings: NanoSightVideoSettings
    public var results: NanoSightVideoResults
    /// Every warning and information flag of this video, in file order.
    public var flags: [NanoSightFlag]

    /// Flags whose value signals a problem (anything but `OK`, `No`, `Yes` or empty).
    public var warnings: [NanoSightFlag] {
        flags.filter { !["ok", "no", "yes", ""].contains($0.value.lowercased()) }
    }
}

/// What a distribution block's bins are of.
public enum NanoSightQuantity: String, Sendable, Hashable, Codable {
    /// Diameter, nm (`[Size Data]`).
    case size
    /// Diffusion coefficient, 10⁴ nm²/s (`[Diffusion Coefficient Data]`).
    case diffusionCoefficient
}

/// How a distribution block weights particles.
public enum NanoSightWeighting: String, Sendable, Hashable, Codable {
    case number
    case surfaceArea
    case volume
    /// A weighting this reader does not know; the text is in the block.
    case other
}

/// One distribution block of `[Size Data]` or `[Diffusion Coefficient Data]`:
/// the printed statistics, the binned distribution of every video (with NTA's
/// average and standard error columns when present) and the percentile table.
public struct NanoSightDistributionBlock: Sendable, Hashable {
    public var quantity: NanoSightQuantity
    public var weighting: NanoSightWeighting
    /// The weighting as printed (`Number`, `Surface Area`, `Volume`).
    public var weightingText: String
    /// `FTLA` etc.
    public var analysisMethod: String?
    /// 1-based line where the block starts.
    public var line: Int
    /// Video names of the block's `Filename` row.
    public var videoNames: [String]
    /// Printed statistics rows: `Mean`, `Mode`, `SD`, `D10`, `D50`, `D90`, `Valid Tracks`.
    public var statistics: [NanoSightKeyRow]
    /// Header of the bin column, e.g. `Bin centre (nm)`.
    public var binHeader: String
    /// Header of the first value column, e.g. `Concentration (particles / ml)`.
    public var valueHeader: String
    /// Bin centres, in the block's unit.
    public var binCentres: [Double]
    /// `binValues[video][bin]`.
    public var binValues: [[Double]]
    /// NTA's `Concentration average` column, when present.
    public var binAverage: [Double]?
    /// NTA's `Standard Error` column, when present.
    public var binStandardError: [Double]?
    /// `percentiles[video][p]` for p = 0 … 100, when the block has a percentile table.
    public var percentiles: [[Double]]
    /// 1-based line of the percentile table header, when present.
    public var percentileLine: Int?

    /// The printed statistic `key` (e.g. `D50`) of every video.
    public func statistic(_ key: String) -> NanoSightKeyRow? {
        let k = key.lowercased()
        return statistics.first { $0.key.lowercased() == k }
    }

    /// The bins of `video` as a uniform-bin distribution (`nil` when the bins are not uniform or empty).
    public func distribution(video: Int) -> BinnedDistribution? {
        guard binValues.indices.contains(video), binCentres.count >= 2 else { return nil }
        let width = binCentres[1] - binCentres[0]
        guard width > 0 else { return nil }
        return BinnedDistribution(firstCentreNanometers: binCentres[0], binWidthNanometers: width,
                                  values: binValues[video])
    }

    /// NTA's average column as a distribution, when present.
    public var averageDistribution: BinnedDistribution? {
        guard let binAverage, binCentres.count >= 2 else { return nil }
        return BinnedDistribution(firstCentreNanometers: binCentres[0],
                                  binWidthNanometers: binCentres[1] - binCentres[0], values: binAverage)
    }
}

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
    public var experimentName: String?
    /// `Time Captured` as printed, e.g. `15:42:48  01/04/2021` (time, two spaces, dd/mm/yyyy).
    public var timeCaptured: String?
    /// `Sample Description` (or 3.2's `Sample Name`).
    public var sampleDescription: String?
    public var diluent: String?
    public var remarks: String?
    /// The video names of the `Filename:` manifest.
    public var manifest: [String]
    /// Every section, in file order.
    public var sections: [NanoSightSection]
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
