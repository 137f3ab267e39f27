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
        let inputs = try files.map { file in
            try Analysis.load(file: file, format: format, mapping: mapping, options: options)
        }
        let fluorescenceInputs = try fluorescence.map { file in
            try Analysis.load(file: file, format: format, mapping: mapping, options: options)
        }
        return try SampleResult(inputs, fluorescence: fluorescenceInputs, options: options)
    }
}
