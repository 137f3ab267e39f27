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
            let settings = try JSONDecoder().decode(AcquisitionSettings.self, from: data)
            try checkKeys(in: data, file: file)
            try checkLimits(of: settings, in: data, file: file)
            return settings
        } catch let error as InputError {
            throw error
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            // A number the setting's type cannot hold (a fraction for a whole number, say).
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            let (line, column, found) = position(ofKey: context.codingPath.last?.stringValue ?? key, in: data)
            throw InputError(file: file.path, line: line, column: column,
                             message: "expected a whole number for \"\(key)\", found \(found.map { InputError.echo($0) } ?? "another value")")
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            throw InputError(file: file.path, line: 1, column: 1,
                             message: "expected a JSON object of acquisition settings, e.g. {\"frameRateHz\": 30}, found another JSON value")
        } catch let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            let expected = type == String.self ? "text" : type == Bool.self ? "true or false" : "a number"
            let (line, column, found) = position(ofKey: context.codingPath.last?.stringValue ?? key, in: data)
            throw InputError(file: file.path, line: line, column: column,
                             message: "expected \(expected) for \"\(key)\", found \(found.map { InputError.echo($0) } ?? "another type")")
        } catch {
            // JSON that the decoder still refuses: a fraction for a whole-number setting (the decoder says only
            // "not valid JSON").
            if let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
                for key in wholeNumberKeys {
                    guard let number = object[key] as? NSNumber, number.doubleValue.rounded() != number.doubleValue
                        || !(Double(Int.min) ... Double(Int.max)).contains(number.doubleValue) else { continue }
                    let (line, column, found) = position(ofKey: key, in: data)
                    throw InputError(file: file.path, line: line, column: column,
                                     message: "expected a whole number for \"\(key)\", found \(found.map { InputError.echo($0) } ?? "another value")")
                }
            }
            // A number no double holds (1e400): the parser names it but not where it is.
            if let literal = unrepresentableNumber(in: data),
               let range = String(decoding: data, as: UTF8.self).range(of: literal) {
                let text = String(decoding: data, as: UTF8.self)
                let (line, column) = lineAndColumn(ofByte: text.utf8.distance(from: text.startIndex, to: range.lowerBound), in: data)
                throw InputError(file: file.path, line: line, column: column,
                                 message: "expected a number a double can hold (at most about 1.8e308), found \(InputError.echo(literal))")
            }
            // Where the text stops being JSON, from the parser's byte offset (the decoder does not say).
            if let offset = syntaxErrorOffset(in: data) {
                let (line, column) = lineAndColumn(ofByte: offset, in: data)
                let at = data.indices.contains(offset) ? "\"\(InputError.echo(String(decoding: data[offset...].prefix(12), as: UTF8.self)))\"" : "the end of the file"
                throw InputError(file: file.path, line: line, column: column,
                                 message: "expected JSON acquisition settings, e.g. {\"frameRateHz\": 30}, found \(at)")
            }
            throw InputError(file: file.path, line: 1, column: 1,
                             message: "expected a JSON object of acquisition settings, e.g. {\"frameRateHz\": 30}, found another JSON value")
        }
    }

    /// The settings that are whole numbers (``AcquisitionSettings/minTrackLength``).
    static let wholeNumberKeys = ["minTrackLength"]

    /// The literal of a number the JSON parser found but cannot represent ("Number 1e400 is not representable"),
    /// or `nil`.
    static func unrepresentableNumber(in data: Data) -> String? {
        guard let detail = parserComplaint(about: data),
              detail.hasPrefix("Number "), detail.hasSuffix(" is not representable in Swift.") else { return nil }
        return String(detail.dropFirst("Number ".count).dropLast(" is not representable in Swift.".count))
    }

    /// What JSONSerialization says of `data`: `nil` when it is JSON, else its description of the failure (empty
    /// when it gives none).
    static func parserComplaint(about data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? ""
        }
    }

    /// The keys a sidecar may hold: those ``AcquisitionSettings`` encodes (every setting given).
    static let knownKeys: [String] = {
        let all = AcquisitionSettings(frameRateHz: 1, nanometersPerPixel: 1, temperatureCelsius: 1,
                                      viscosityMillipascalSeconds: 1, exposureMilliseconds: 1, minTrackLength: 1)
        let object = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(all))) as? [String: Any]
        return (object?.keys).map { Array($0).sorted() } ?? []
    }()

    /// Throws at the first key of the sidecar's object that is not a setting (a misspelling would otherwise leave
    /// that setting unset in silence) or that appears twice (JSON readers differ on which one counts).
    static func checkKeys(in data: Data, file: URL) throws(InputError) {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
        let text = String(decoding: data, as: UTF8.self)
        let placed = object.keys.map { key -> (key: String, line: Int, column: Int) in
            let p = position(ofKey: key, in: data)
            return (key, p.line, p.column)
        }
        for (key, line, column) in placed.sorted(by: { ($0.line, $0.column) < ($1.line, $1.column) }) {
            guard knownKeys.contains(key) else {
                throw InputError(file: file.path, line: line, column: column,
                                 message: "expected a setting (\(knownKeys.joined(separator: ", "))), found \"\(InputError.echo(key))\"")
            }
            let pattern = "\"\(NSRegularExpression.escapedPattern(for: key))\"\\s*:"
            if let regex = try? NSRegularExpression(pattern: pattern) {
                let matches = regex.matches(in: text, range: NSRange(text.startIndex..., in: text))
                if matches.count > 1, let second = Range(matches[1].range, in: text) {
                    let at = lineAndColumn(ofByte: text.utf8.distance(from: text.startIndex, to: second.lowerBound), in: data)
                    throw InputError(file: file.path, line: at.line, column: at.column,
                                     message: "expected \"\(key)\" once, found it again")
                }
            }
        }
    }

    /// Throws at the first setting (in the file's order) outside ``SettingLimit``'s range, at its key's line and
    /// column: a sidecar is an input file, so its value is refused where it is written, whether or not a flag would
    /// have overridden it.
    static func checkLimits(of settings: AcquisitionSettings, in data: Data, file: URL) throws(InputError) {
        let problems = SettingLimit.allCases.compactMap { limit -> (line: Int, column: Int, message: String)? in
            guard let value = settings.value(of: limit), let problem = limit.problem(value) else { return nil }
            let at = position(ofKey: limit.rawValue, in: data)
            return (at.line, at.column, "\"\(limit.rawValue)\": \(problem)")
        }
        guard let first = problems.min(by: { ($0.line, $0.column) < ($1.line, $1.column) }) else { return }
        throw InputError(file: file.path, line: first.line, column: first.column, message: first.message)
    }

    /// The byte offset at which `data` stops being JSON, from JSONSerialization's "around character N"; `nil` when
    /// it is JSON (the end of the data when the parser does not say where).
    static func syntaxErrorOffset(in data: Data) -> Int? {
        guard let detail = parserComplaint(about: data) else { return nil }
        // No position given: the parser ran out of text (e.g. an object never closed).
        return detail.split(separator: " ").last.flatMap { Int($0.filter(\.isNumber)) } ?? data.count
    }

    /// 1-based line and column (in bytes) of byte `offset` of `data`.
    static func lineAndColumn(ofByte offset: Int, in data: Data) -> (line: Int, column: Int) {
        var line = 1, lineStart = data.startIndex
        for i in data.indices where i < data.startIndex + offset && data[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, data.startIndex + offset - lineStart + 1)
    }

    /// Where `"key"` first appears in `data` (1-based line and column; 1, 1 when it does not) and the text of its
    /// value (up to the next comma, brace or line end), to say what was found.
    static func position(ofKey key: String, in data: Data) -> (line: Int, column: Int, found: String?) {
        let text = String(decoding: data, as: UTF8.self)
        guard let range = text.range(of: "\"\(key)\"") else { return (1, 1, nil) }
        let offset = text.utf8.distance(from: text.startIndex, to: range.lowerBound)
        let (line, column) = lineAndColumn(ofByte: offset, in: data)
        var rest = text[range.upperBound...].drop { $0 == " " || $0 == "\t" }
        guard rest.first == ":" else { return (line, column, nil) }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
        let value = rest.prefix { $0 != "," && $0 != "}" && $0 != "\n" && $0 != "\r" }
        return (line, column, value.isEmpty ? nil : String(value).trimmingCharacters(in: .whitespaces))
    }

    /// Writes `settings` as a sidecar for `dataFile` (stable key order).
    public static func write(_ settings: AcquisitionSettings, for dataFile: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try (encoder.encode(settings) + Data("\n".utf8)).write(to: url(for: dataFile))
    }
}
