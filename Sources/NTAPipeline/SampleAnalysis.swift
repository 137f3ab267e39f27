import Foundation
import NTARead

extension SampleResult {
    /// Reads and analyses one sample: every file in `files` (scatter-mode videos or
    /// instrument exports, pooled as replicates) and the fluorescence captures in
    /// `fluorescence`, with `options`. This is the one code path of `nta-size analyze`
    /// and of each sample of `nta-size batch`, so both give the same figures.
    ///
    /// Throws ``InputError`` for unreadable or malformed input and
    /// ``MissingSettingError`` for a setting given nowhere.
    public static func analyze(
        files: [String], fluorescence: [String] = [], format: InputFormatChoice = .auto, mapping: ColumnMapping? = nil,
        options: AnalysisOptions
    ) throws -> SampleResult {
        // A video is named by its file's name, or by the path as given where two files share a name (a/v.csv and
        // b/v.csv would otherwise read as one in every table, column and note).
        let counts = Dictionary((files + fluorescence).map { (URL(fileURLWithPath: $0).lastPathComponent, 1) }, uniquingKeysWith: +)
        func name(_ file: String) -> String? {
            counts[URL(fileURLWithPath: file).lastPathComponent, default: 0] > 1 ? file : nil
        }
        let inputs = try files.map { file in
            try Analysis.load(file: file, format: format, mapping: mapping, options: options, name: name(file))
        }
        let fluorescenceInputs = try fluorescence.map { file in
            try Analysis.load(file: file, format: format, mapping: mapping, options: options, name: name(file))
        }
        return try SampleResult(inputs, fluorescence: fluorescenceInputs, options: options)
    }
}
