import Foundation
import NTACore

/// A NanoSight `.nano` experiment file: INI text with `[Filenames]`,
/// `[Details]` and `[CaptureSettings]` (one comma-separated value per video).
///
/// It holds what the summary CSV lacks, above all the pixel size, and fills
/// ``AcquisitionSettings`` for per-particle exports read beside it.
public struct NanoSightExperimentFile: Sendable, Hashable {
    /// One `key=value` entry.
    public struct Entry: Sendable, Hashable {
        /// The key, as written.
        public var key: String
        /// The value, as written (empty for a bare line).
        public var value: String
        /// 1-based line.
        public var line: Int
    }

    /// Sections by name (without brackets), each with its entries in file order.
    /// `[Filenames]` holds bare lines; they are entries with an empty value.
    public var sections: [String: [Entry]]

    /// The video files of `[Filenames]`.
    public var videoFilenames: [String] { sections["Filenames"]?.map(\.key) ?? [] }

    /// The comma-separated numbers of `[CaptureSettings]` → `key` (`nil` where not numeric).
    public func captureValues(_ key: String) -> [Double?] {
        guard let e = sections["CaptureSettings"]?.first(where: { $0.key.lowercased() == key.lowercased() }) else { return [] }
        return e.value.split(separator: ",", omittingEmptySubsequences: false).map { NanoSightNumbers.parse(String($0).trimmingCharacters(in: .whitespaces)) }
    }

    /// `[Details]` → `key`.
    public func detail(_ key: String) -> String? {
        sections["Details"]?.first { $0.key.lowercased() == key.lowercased() }?.value
    }

    /// Number of videos: the longest capture-setting list, else the file names.
    public var videoCount: Int {
        max(videoFilenames.count, (sections["CaptureSettings"] ?? []).map { $0.value.split(separator: ",").count }.max() ?? 0)
    }

    /// `PixelSize` of each video, nm per pixel (as NTA stores it).
    public var nanometersPerPixel: [Double?] { captureValues("PixelSize") }
    /// `FramesPerSecond` of each video, Hz.
    public var frameRateHz: [Double?] { captureValues("FramesPerSecond") }
    /// `Temperature` of each video, °C.
    public var temperatureCelsius: [Double?] { captureValues("Temperature") }
    /// `Viscosity`, mPa·s.
    public var viscosityMillipascalSeconds: [Double?] { captureValues("Viscosity") }
    /// `CameraLevel` of each video: NTA's camera sensitivity setting (dimensionless).
    public var cameraLevel: [Double?] { captureValues("CameraLevel") }
    /// `Shutter`, ms.
    public var shutterMilliseconds: [Double?] { captureValues("Shutter") }
    /// `TotalFrames` of each video: frames captured.
    public var totalFrames: [Double?] { captureValues("TotalFrames") }
    /// `DilutionFactor`; NTA writes 0 when no dilution was recorded, which this gives as `nil`.
    public var dilutionFactor: [Double?] { captureValues("DilutionFactor").map { $0.flatMap { $0 > 0 ? $0 : nil } } }

    /// The index of the video whose file a per-video export belongs to:
    /// `EMT1 d200 2021-04-01 15-43-10_AllTracks.csv` (or `…_ParticleData.csv`,
    /// or the `.avi` itself) matches `EMT1 d200 2021-04-01 15-43-10.avi`.
    /// `nil` when no video matches.
    public func videoIndex(matching exportFileName: String) -> Int? {
        func stem(_ s: String) -> String {
            var name = (s as NSString).lastPathComponent
            name = (name as NSString).deletingPathExtension
            for suffix in ["_AllTracks", "_ParticleData", "_Particles", "_Tracks"] where name.hasSuffix(suffix) {
                name.removeLast(suffix.count)
            }
            return name.lowercased()
        }
        let target = stem(exportFileName)
        return videoFilenames.firstIndex { stem($0) == target }
    }

    /// The settings of video `index` for the trajectory pipeline.
    public func acquisitionSettings(video index: Int) -> AcquisitionSettings {
        func at(_ a: [Double?]) -> Double? { index < a.count ? a[index] : (a.count == 1 ? a[0] : nil) }
        return AcquisitionSettings(frameRateHz: at(frameRateHz), nanometersPerPixel: at(nanometersPerPixel),
                                   temperatureCelsius: at(temperatureCelsius),
                                   viscosityMillipascalSeconds: at(viscosityMillipascalSeconds),
                                   exposureMilliseconds: at(shutterMilliseconds), minTrackLength: nil)
    }
}

/// Reads NanoSight `.nano` experiment files.
public struct NanoSightExperimentFileReader: Sendable {
    /// A reader; it has no options.
    public init() {}

    /// Reads the file at `url`; errors name it `displayName` (default: the path).
    public func read(contentsOf url: URL, displayName: String? = nil) throws(InputError) -> NanoSightExperimentFile {
        let name = displayName ?? url.path
        return try read(bytes: InstrumentFileLoading.bytes(of: url, displayName: name), fileName: name)
    }

    /// Reads a `.nano` file from bytes in any supported encoding; errors name it `fileName`.
    public func read(bytes: [UInt8], fileName: String) throws(InputError) -> NanoSightExperimentFile {
        let rows = TextRows(TextDecoding.decode(bytes), fileName: fileName)
        if let why = Self.mismatch(rows) { throw rows.error(line: nil, "not a NanoSight .nano experiment file: \(why)") }
        var sections: [String: [NanoSightExperimentFile.Entry]] = [:]
        var current: String?
        for i in 0..<rows.count {
            let line = rows.line(i).trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast())
                current = name
                if sections[name] == nil { sections[name] = [] }
                continue
            }
            guard let section = current else {
                throw rows.error(line: i, "a line before the first [section]; expected INI text")
            }
            if let eq = line.firstIndex(of: "="), section != "Filenames" {
                sections[section, default: []].append(.init(key: String(line[..<eq]).trimmingCharacters(in: .whitespaces),
                                                value: String(line[line.index(after: eq)...]), line: i + 1))
            } else {
                sections[section, default: []].append(.init(key: line, value: "", line: i + 1))
            }
        }
        let file = NanoSightExperimentFile(sections: sections)
        // Every numeric capture setting must parse (the shutter and dilution may be absent) and lie within its flag's
        // limits (``SettingLimit``; the dilution factor 0, none recorded, or ``DilutionFactor``'s): a bad one names
        // its line and video.
        let limits: [String: (required: Bool, problem: (Double) -> String?)] = [
            "PixelSize": (true, SettingLimit.nanometersPerPixel.problem),
            "FramesPerSecond": (true, SettingLimit.frameRateHz.problem),
            "Temperature": (true, SettingLimit.temperatureCelsius.problem),
            "Viscosity": (true, SettingLimit.viscosityMillipascalSeconds.problem),
            "Shutter": (false, SettingLimit.exposureMilliseconds.problem),
            "DilutionFactor": (false, { $0 == 0 ? nil : DilutionFactor.problem($0).map { $0 + " (or 0: not recorded)" } }),
        ]
        for e in sections["CaptureSettings"] ?? [] {
            guard let limit = limits[e.key] else { continue }
            for (k, part) in e.value.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let field = String(part).trimmingCharacters(in: .whitespaces)
                guard let x = NanoSightNumbers.parse(field) else {
                    guard limit.required else { continue } // optional: read as unknown
                    throw InputError(file: fileName, line: e.line, column: k + 1,
                                     message: "expected a number for video \(k + 1) of \(InputError.echo(e.key)), found \"\(InputError.echo(String(part)))\"")
                }
                if let problem = limit.problem(x) {
                    throw InputError(file: fileName, line: e.line, column: k + 1,
                                     message: "\(InputError.echo(e.key)) of video \(k + 1): \(problem)")
                }
            }
        }
        return file
    }

    /// Why `rows` is not a `.nano` file, or `nil`.
    static func mismatch(_ rows: TextRows) -> String? {
        for i in 0..<min(rows.count, 80) {
            let line = rows.line(i).trimmingCharacters(in: .whitespaces)
            if line == "[CaptureSettings]" || line == "[Filenames]" { return nil }
        }
        return "no [CaptureSettings] or [Filenames] INI section in the first 80 lines"
    }
}
