import Foundation
import NTACore

/// The `<file>.settings.json` sidecar: acquisition settings stored beside a
/// trajectory file (the simulator writes one), so that a file can be analysed
/// without flags. Flags override it.
public enum SettingsSidecar {
    /// The sidecar's location for a data file: the same path plus `.settings.json`.
    public static func url(for dataFile: URL) -> URL {
        URL(fileURLWithPath: dataFile.path + ".settings.json")
    }

    /// Loads the sidecar of `dataFile`, or returns `nil` when there is none.
    public static func load(for dataFile: URL) throws(InputError) -> AcquisitionSettings? {
        let sidecar = url(for: dataFile)
        guard FileManager.default.fileExists(atPath: sidecar.path) else { return nil }
        return try load(from: sidecar)
    }

    /// Loads settings from a JSON file with the keys of ``AcquisitionSettings``.
    public static func load(from file: URL) throws(InputError) -> AcquisitionSettings {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw InputError(file: file.path, message: "cannot read the settings file: \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(AcquisitionSettings.self, from: data)
        } catch let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw InputError(file: file.path, message: "expected a \(type) for \"\(key)\"")
        } catch {
            throw InputError(file: file.path, message: "expected a JSON object of acquisition settings (\(error))")
        }
    }

    /// Writes `settings` as a sidecar for `dataFile` (stable key order).
    public static func write(_ settings: AcquisitionSettings, for dataFile: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try (encoder.encode(settings) + Data("\n".utf8)).write(to: url(for: dataFile))
    }
}
