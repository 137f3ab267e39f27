import ArgumentParser
import Foundation
import NTA

@main
struct NTASize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nta-size",
        abstract: "Particle size and concentration from Nanoparticle Tracking Analysis data.",
        version: NTAVersion.string,
        subcommands: [Analyze.self, Batch.self, Simulate.self],
        defaultSubcommand: Analyze.self
    )

    /// Runs the command; every failure ends as ONE line on standard error:
    /// usage errors (a bad flag or flag value) with status 64, bad input files and
    /// impossible settings from files with status 1.
    static func main() {
        let command: ParsableCommand
        // A single-valued option given twice would keep its last value silently.
        if let problem = RepeatedOptions.problem(in: Array(CommandLine.arguments.dropFirst())) {
            exit(reporting: CLIUsageError(problem))
        }
        do {
            command = try parseAsRoot()
        } catch {
            exit(reporting: error)
        }
        do {
            var command = command
            try command.run()
        } catch {
            exit(reporting: error)
        }
    }

    private static func exit(reporting error: Error) -> Never {
        let code: Int32
        let message: String
        switch error {
        case let e as ExitCode:
            // A status chosen by the command, which has already said what it had to say.
            Foundation.exit(e.rawValue)
        case let e as NTAError:
            if case .invalidSetting(let setting) = e, setting.source == .flag {
                code = ExitCode.validationFailure.rawValue
            } else {
                code = ExitCode.failure.rawValue
            }
            message = commandLineDescription(of: e)
        case let e as InvalidSettingError:
            code = e.source == .flag ? ExitCode.validationFailure.rawValue : ExitCode.failure.rawValue
            message = commandLineDescription(of: e)
        case let e as CLIUsageError:
            code = ExitCode.validationFailure.rawValue
            message = e.description
        case is InputError, is MissingSettingError:
            code = ExitCode.failure.rawValue
            message = commandLineDescription(of: error)
        default:
            code = exitCode(for: error).rawValue
            // Help and version requests print in full to standard output.
            if code == ExitCode.success.rawValue {
                print(fullMessage(for: error))
                Foundation.exit(code)
            }
            message = self.message(for: error)
        }
        FileHandle.standardError.write(Data(("nta-size: " + oneLine(message) + "\n").utf8))
        Foundation.exit(code)
    }

    /// An error's message as the command line says it: a setting given or missing is named by its flag.
    static func commandLineDescription(of error: any Error) -> String {
        switch error {
        case let e as NTAError:
            switch e {
            case .input(let e): return e.description
            case .missingSetting(let e): return commandLineDescription(of: e)
            case .invalidSetting(let e): return commandLineDescription(of: e)
            }
        case let e as MissingSettingError: return e.description(givingItBy: "pass \(e.setting.flag) \(e.setting.flagValueName)")
        case let e as InvalidSettingError: return e.description(givenAs: e.setting.flag)
        default: return String(describing: error)
        }
    }

    /// The message on one line: line breaks and other control characters become spaces.
    static func oneLine(_ s: String) -> String {
        var out = ""
        var lastWasSpace = false
        for scalar in s.unicodeScalars {
            let isControl = scalar.value < 0x20 || scalar.value == 0x7F
            if isControl || scalar == " " {
                if !lastWasSpace && !out.isEmpty { out.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                out.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }
}

/// A bad flag or flag value found after parsing: reported with status 64, naming the flag.
struct CLIUsageError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension SettingLimit {
    /// The command-line flag that sets it.
    var flag: String {
        switch self {
        case .frameRateHz: return "--fps"
        case .nanometersPerPixel: return "--nm-per-pixel"
        case .temperatureCelsius: return "--temperature"
        case .viscosityMillipascalSeconds: return "--viscosity"
        case .exposureMilliseconds: return "--exposure-ms"
        case .minTrackLength: return "--min-track-length"
        }
    }

    /// The flag's value as the help names it ("HZ" in `--fps HZ`).
    var flagValueName: String {
        switch self {
        case .frameRateHz: return "HZ"
        case .nanometersPerPixel: return "NM"
        case .temperatureCelsius: return "C"
        case .viscosityMillipascalSeconds: return "MPAS"
        case .exposureMilliseconds: return "MS"
        case .minTrackLength: return "N"
        }
    }
}
