/// Every way an analysis can fail on what it was given, as one typed error.
///
/// Each case carries the file it concerns and reads, via ``description``, as one
/// line: `file:line:column: what was expected, what was found` for input, and the
/// setting's name and accepted range for settings.
public enum NTAError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A file could not be read, or its content is not what its format requires.
    case input(InputError)
    /// A setting the analysis needs was given nowhere.
    case missingSetting(MissingSettingError)
    /// A setting's value lies outside the range the analysis accepts (``SettingLimit``).
    case invalidSetting(InvalidSettingError)

    /// `error` as an ``NTAError``; an error of any other type (none is thrown by the
    /// pipeline) becomes an input error about `file` with its description.
    package init(_ error: any Error, file: String) {
        switch error {
        case let e as NTAError: self = e
        case let e as InputError: self = .input(e)
        case let e as MissingSettingError: self = .missingSetting(e)
        case let e as InvalidSettingError: self = .invalidSetting(e)
        default: self = .input(InputError(file: file, message: String(describing: error)))
        }
    }

    public var description: String {
        switch self {
        case .input(let e): return e.description
        case .missingSetting(let e): return e.description
        case .invalidSetting(let e): return e.description
        }
    }
}
