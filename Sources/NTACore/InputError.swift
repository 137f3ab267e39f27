/// An error in a user's input file, located as precisely as the reader can.
///
/// Its description reads like a compiler diagnostic, `file:line:column: message`,
/// for example `tracks.csv:57:3: expected a number in column "x", found "12.3abc"`.
/// `line` and `column` are 1-based; `column` counts fields (not characters) in
/// delimited files.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file as the user named it.
    public var file: String
    /// 1-based line number, when the problem is on one line.
    public var line: Int?
    /// 1-based field number within `line`, when the problem is one field.
    public var column: Int?
    /// What was expected and what was found.
    public var message: String

    /// An error in `file`, at 1-based `line` and field `column` when known; `message` says what was expected and what
    /// was found.
    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// One line, always: control characters of the file name and message
    /// (e.g. a CR or LF echoed from a quoted field) are escaped as `\n`, `\r`,
    /// `\t` or `\u{…}`.
    public var description: String {
        var location = InputError.escapingControlCharacters(file)
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return "\(location): \(InputError.escapingControlCharacters(message))"
    }

    /// `text` with every control character (C0, DEL, C1, and the Unicode line and paragraph separators) escaped.
    public static func escapingControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for u in text.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if isControl(u) { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    private static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (u.value >= 0x7F && u.value < 0xA0) || u.value == 0x2028 || u.value == 0x2029
    }

    /// Text from an input file as an error message quotes it: control
    /// characters escaped, cut to `limit` characters with "…".
    public static func echo(_ text: String, limit: Int = 40) -> String {
        let cut = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return escapingControlCharacters(cut)
    }

    /// Header names as a message lists them: at most `count`, each echoed (see ``echo(_:limit:)``).
    public static func echoList(_ names: some Collection<String>, count: Int = 10) -> String {
        let shown = names.prefix(count).map { "\"\(echo($0))\"" }.joined(separator: ", ")
        return names.count > count ? shown + ", …" : shown
    }
}

/// A setting the analysis needs was given nowhere: not in the options, not in a
/// settings file, and it has no safe default.
public struct MissingSettingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file being analysed.
    public var file: String
    /// Which setting.
    public var setting: SettingLimit

    /// `setting` is unknown for `file`.
    public init(file: String, setting: SettingLimit) {
        self.file = file
        self.setting = setting
    }

    /// The message with `instead` as the way to give the setting (the command line names its flag here).
    public func description(givingItBy instead: String) -> String {
        let file = InputError.escapingControlCharacters(self.file)
        return "\(file): no \(setting.name) is known for this file: \(instead), or add \"\(setting.rawValue)\" to \(file).settings.json"
    }

    public var description: String {
        description(givingItBy: "set `\(setting.rawValue)` in the analysis options' settings")
    }
}

/// A setting's value lies outside the range the analysis accepts (``SettingLimit``),
/// e.g. a frame rate of 0 or a temperature of NaN.
public struct InvalidSettingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file being analysed.
    public var file: String
    /// Which setting.
    public var setting: SettingLimit
    /// Where the value came from (a flag, a settings file, derived).
    public var source: SettingSource
    /// Which file or model gave it, when known.
    public var detail: String?
    /// What was expected and what was found.
    public var message: String

    /// `setting` from `source` (with `detail`, e.g. the settings file) is invalid for `file`; `message` says why.
    package init(file: String, setting: SettingLimit, source: SettingSource, detail: String? = nil, message: String) {
        self.file = file
        self.setting = setting
        self.source = source
        self.detail = detail
        self.message = message
    }

    /// The message with `given` naming a value the caller gave (the command line names its flag here).
    public func description(givenAs given: String) -> String {
        let origin: String
        switch source {
        case .flag: origin = given
        case .file: origin = "\(setting.rawValue) in \(detail ?? "its settings file")"
        case .derived, .default: origin = "\(setting.rawValue) (\(source.rawValue)\(detail.map { ": \($0)" } ?? ""))"
        }
        return "\(file): \(origin): \(message)"
    }

    public var description: String { description(givenAs: "\(setting.rawValue) (given in the analysis options)") }
}
