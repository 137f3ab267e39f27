import ArgumentParser
import Foundation
import NTA

/// Finds a single-valued option given more than once (`--fps 30 --fps 25`): swift-argument-parser keeps the last
/// value silently, so a typo or a pasted command line would run with a setting the user did not mean.
///
/// It reads the raw arguments, since the parsed command holds only the last value. Which options take a value, and
/// which of those may be repeated (`--fluorescence`), comes from the commands' own declarations (their help as
/// JSON), so that a new option is covered without a list to keep. A value is read as the parser reads it: after an
/// option parsed `.unconditional` the next argument whatever it looks like (`--fps -1`), after any other the next
/// argument unless it starts with `-`; `--fps=30` carries its own. Arguments after `--` are files.
enum RepeatedOptions {
    /// One option as the command declares it.
    struct Option {
        /// Spellings that name it (`--output-file`, `-o`).
        var spellings: [String]
        var takesValue: Bool
        var repeatable: Bool
        var unconditional: Bool
    }

    /// The options of `command`, by each spelling.
    static func options(of command: ParsableCommand.Type) -> [String: Option] {
        struct Dump: Decodable {
            struct Command: Decodable { var arguments: [Argument]? }
            struct Argument: Decodable {
                struct Name: Decodable { var kind: String; var name: String }
                var kind: String
                var names: [Name]?
                var isRepeating: Bool
                var parsingStrategy: String?
            }
            var command: Command
        }
        guard let dump = try? JSONDecoder().decode(Dump.self, from: Data(command._dumpHelp().utf8)) else { return [:] }
        var byName: [String: Option] = [:]
        for argument in dump.command.arguments ?? [] where argument.kind != "positional" {
            let spellings = (argument.names ?? []).map { ($0.kind == "short" ? "-" : "--") + $0.name }
            let option = Option(spellings: spellings, takesValue: argument.kind == "option",
                                repeatable: argument.isRepeating, unconditional: argument.parsingStrategy == "unconditional")
            for s in spellings { byName[s] = option }
        }
        return byName
    }

    /// The subcommand `arguments` (without the program name) run, and the arguments after its name.
    static func command(for arguments: [String]) -> (ParsableCommand.Type, ArraySlice<String>) {
        let subcommands = NTASize.configuration.subcommands
        if let first = arguments.first, let named = subcommands.first(where: { $0._commandName == first }) {
            return (named, arguments.dropFirst())
        }
        return (NTASize.configuration.defaultSubcommand ?? Analyze.self, arguments[...])
    }

    /// The one-line problem (after `nta-size: `) when a single-valued option is given more than once, else `nil`.
    static func problem(in arguments: [String]) -> String? {
        let (command, rest) = command(for: arguments)
        let options = options(of: command)
        var given: [(spelling: String, values: [String])] = []
        var slot: [String: Int] = [:]   // the first spelling of each option → its index in `given`
        var i = rest.startIndex
        while i < rest.endIndex {
            let argument = rest[i]
            i += 1
            if argument == "--" { break }
            guard argument.hasPrefix("-") else { continue }
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let option = options[String(parts[0])], option.takesValue else { continue }
            var value: String?
            if parts.count == 2 {
                value = String(parts[1])
            } else if i < rest.endIndex, option.unconditional || !rest[i].hasPrefix("-") {
                value = rest[i]
                i += 1
            }
            guard !option.repeatable, let value else { continue }
            let key = option.spellings.first ?? String(parts[0])
            if let k = slot[key] { given[k].values.append(value) } else {
                slot[key] = given.count
                given.append((String(parts[0]), [value]))
            }
        }
        guard let repeated = given.first(where: { $0.values.count > 1 }) else { return nil }
        let times = repeated.values.count == 2 ? "twice" : "\(repeated.values.count) times"
        let values = repeated.values.map { InputError.echo($0) }.joined(separator: ", ")
        return "\(repeated.spelling): given \(times) (\(values)): give it once"
    }
}
