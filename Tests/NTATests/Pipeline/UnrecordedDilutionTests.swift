import Foundation
import Testing
import NTA

/// An instrument file that records no dilution: its concentrations are those measured in the cell, said so in
/// every output; `--dilution` then gives the original sample's (and is not used where the file records one).
@Suite("Instrument files without a recorded dilution")
struct UnrecordedDilutionTests {
    /// The sample from one NanoSight fixture written to a scratch file, analysed with `dilution`.
    static func nanoSight(_ fixture: NanoSightFixture, dilution: Double? = nil, in dir: ScratchDirectory,
                          name: String = "beads-ExperimentSummary.csv") throws -> (SampleResult, String) {
        let file = dir.file(name)
        try Data(fixture.text().utf8).write(to: file)
        var options = AnalysisOptions()
        options.dilution = dilution
        let input = try Analysis.load(file: file.path, options: options)
        return (try SampleResult([input], options: options), file.path)
    }

    static func json(_ sample: SampleResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: AnalysisReport(sample).jsonData()) as? [String: Any])
    }

    @Test("NanoSight \"Not recorded\": the cell's concentration, labelled so in text, HTML and JSON")
    func notRecordedIsTheCells() throws {
        var f = NanoSightFixture()
        f.dilution = "Not recorded"
        let (sample, _) = try Self.nanoSight(f, in: ScratchDirectory())
        let concs = f.videos.indices.map { f.bins($0).reduce(0, +) }
        #expect(!sample.concentrationIsOfOriginalSample)
        #expect(sample.concentrationPerMl == NanoSightFixture.averageAndStandardError(concs).average)
        let text = TextReport.render(sample)
        #expect(!text.contains("in the original sample") && !text.contains("per mL of the original sample"), "\(text)")
        #expect(text.contains("Particles counted: ") && text.contains("particles/mL as measured in the cell (dilution unknown)."))
        #expect(text.contains("per mL as measured in the cell (dilution unknown)"))
        #expect(sample.notes.contains { $0.hasPrefix("concentrations are those measured in the cell") })
        let html = HTMLReport.render(sample)
        #expect(!html.contains("per mL of the original sample") && !html.contains("in the original sample"))
        let first = try #require((try Self.json(sample)["videos"] as? [[String: Any]])?.first)
        let dilution = try #require(first["dilution"] as? [String: Any])
        #expect(dilution["appliedBy"] as? String == "none" && dilution["recordedFactor"] is NSNull)  // present, null (v11)
    }

    @Test("NanoSight \"Not recorded\" with --dilution: applied by nta-size from the flag, the original sample's")
    func flagStandsInForTheMissingDilution() throws {
        var f = NanoSightFixture()
        f.dilution = "Not recorded"
        let (sample, _) = try Self.nanoSight(f, dilution: 10_000, in: ScratchDirectory())
        let concs = f.videos.indices.map { 10_000 * f.bins($0).reduce(0, +) }
        let expected = NanoSightFixture.averageAndStandardError(concs)
        #expect(sample.concentrationIsOfOriginalSample)
        #expect(abs(try #require(sample.concentrationPerMl) / expected.average - 1) < 1e-12)
        // (The fixture's videos hold the same number of particles, up to rounding: their SE is rounding noise.)
        #expect(sample.concentrationStandardErrorPerMl != nil)
        #expect(abs(sample.videos[0].concentrationPerMl! / concs[0] - 1) < 1e-12)
        #expect(abs(try #require(sample.populations.decomposition).total.concentrationPerMl / expected.average - 1) < 1e-9)
        for v in sample.videos {
            #expect(v.dilution?.appliedBy == .ntaSize && v.dilution?.appliedFactor == 10_000)
            #expect(v.dilution?.recordedFactor == nil)  // the file recorded none
            #expect(v.dilution?.source.hasPrefix("--dilution flag") == true)
        }
        #expect(!sample.warnings.contains { $0.contains("not used") }, "\(sample.warnings)")
        #expect(!sample.notes.contains { $0.contains("measured in the cell") })
        let text = TextReport.render(sample)
        #expect(text.contains("particles/mL in the original sample.") && !text.contains("dilution unknown"))
        #expect(text.contains("dilution ×10000 applied by nta-size: --dilution flag"))
        let json = try Self.json(sample)
        #expect(abs((json["concentrationPerMl"] as? Double ?? 0) / expected.average - 1) < 1e-12)
        let dilution = try #require(((json["videos"] as? [[String: Any]])?.first)?["dilution"] as? [String: Any])
        #expect(dilution["appliedBy"] as? String == "nta-size" && dilution["appliedFactor"] as? Double == 10_000)
    }

    @Test("NanoSight with a recorded dilution: the file's, --dilution not used (said)")
    func recordedDilutionWins() throws {
        let f = NanoSightFixture()  // 1.00e+03 recorded
        let (sample, _) = try Self.nanoSight(f, dilution: 10_000, in: ScratchDirectory())
        let concs = f.videos.indices.map { f.bins($0).reduce(0, +) }
        #expect(sample.concentrationIsOfOriginalSample)
        #expect(sample.concentrationPerMl == NanoSightFixture.averageAndStandardError(concs).average)
        #expect(sample.videos.allSatisfy { $0.dilution?.appliedBy == .instrument && $0.dilution?.appliedFactor == 1000 })
        #expect(sample.warnings.contains { $0.hasPrefix("--dilution not used") }, "\(sample.warnings)")
        #expect(TextReport.render(sample).contains("particles/mL in the original sample."))
    }

    @Test("flags only trajectories use, given for an instrument summary, are named as not used")
    func trajectoryFlagsNamed() throws {
        let dir = ScratchDirectory()
        let file = dir.file("beads-ExperimentSummary.csv")
        try Data(NanoSightFixture().text().utf8).write(to: file)
        var options = AnalysisOptions()
        options.detectionVolume = try DetectionVolume(nanoliters: 1)
        options.estimator = .cve
        options.distribution = .histogram
        options.likelihood = .exact
        options.subtractsDrift = false
        let sample = try SampleResult([try Analysis.load(file: file.path, options: options)], options: options)
        let warning = try #require(sample.warnings.first { $0.contains("not used") }, "\(sample.warnings)")
        for flag in ["--detection-volume-nl", "--estimator", "--distribution", "--likelihood", "--no-drift-correction"] {
            #expect(warning.contains(flag), "\(flag) in \(warning)")
        }
        // The defaults name nothing.
        let plain = try SampleResult([try Analysis.load(file: file.path, options: AnalysisOptions())], options: AnalysisOptions())
        #expect(!plain.warnings.contains { $0.contains("not used") }, "\(plain.warnings)")
    }

    @Test("NanoSight's recorded 0 (none) takes --dilution too")
    func recordedZeroIsNone() throws {
        var f = NanoSightFixture()
        f.dilution = "0"
        let (sample, _) = try Self.nanoSight(f, dilution: 50, in: ScratchDirectory())
        #expect(sample.videos.allSatisfy { $0.dilution?.appliedBy == .ntaSize && $0.dilution?.appliedFactor == 50 })
        #expect(sample.videos[0].concentrationPerMl == 50 * f.bins(0).reduce(0, +))
    }

    @Test("replicates with and without a recorded dilution: the pooled concentration is unknown, not a mix")
    func mixedReplicates() throws {
        let dir = ScratchDirectory()
        var unrecorded = NanoSightFixture()
        unrecorded.dilution = "Not recorded"
        let a = dir.file("a-ExperimentSummary.csv"), b = dir.file("b-ExperimentSummary.csv")
        try Data(NanoSightFixture().text().utf8).write(to: a)
        try Data(unrecorded.text().utf8).write(to: b)
        let inputs = try [a, b].map { try Analysis.load(file: $0.path, options: AnalysisOptions()) }
        let sample = try SampleResult(inputs, options: AnalysisOptions())
        #expect(sample.concentrationPerMl == nil && !sample.concentrationIsOfOriginalSample)
        #expect(sample.warnings.contains { $0.contains("the pooled concentration is unknown") }, "\(sample.warnings)")
        #expect(!TextReport.render(sample).contains("in the original sample"))
        // Nor a count: the pooled bins add the original sample's concentrations to the cell's (a black-box run read
        // "Particles counted: 3.05e+12 particles/mL as measured in the cell", the mean of 6.09e12 of the original
        // sample and 1.47e9 in the cell).
        #expect(sample.populations.decomposition == nil)
        #expect(!TextReport.render(sample).contains("Particles counted"))
        // The videos without a recorded dilution say so, not "dilution ×1 applied by none".
        #expect(TextReport.render(sample).contains("no dilution applied: "))
        #expect(!TextReport.render(sample).contains("applied by none"))
        #expect(sample.notes.contains { $0.hasPrefix("no count decomposition: 3 of the 6 videos record no dilution") }, "\(sample.notes)")
        // Nor a mean across videos or files: it would average the same two kinds of concentration.
        let json = try Self.json(sample)
        for key in ["replicates", "fileReplicates"] {
            let concentration = (json[key] as? [String: Any])?["concentrationPerMl"] as? [String: Any]
            #expect(concentration?["mean"] is NSNull && concentration?["standardError"] is NSNull, "\(key): \(String(describing: concentration))")
        }
        // --dilution completes the one that records none; the other keeps its own.
        var options = AnalysisOptions()
        options.dilution = 10
        let given = try SampleResult(try [a, b].map { try Analysis.load(file: $0.path, options: options) }, options: options)
        #expect(given.concentrationPerMl != nil && given.concentrationIsOfOriginalSample)
        #expect(given.populations.decomposition != nil)
        #expect(given.videos.prefix(3).allSatisfy { $0.dilution?.appliedBy == .instrument })
        #expect(given.videos.suffix(3).allSatisfy { $0.dilution?.appliedBy == .ntaSize })
        #expect(given.notes.contains { $0.hasPrefix("--dilution applied to the 3 of 6 videos") }, "\(given.notes)")
        #expect(!given.warnings.contains { $0.contains("not used") })
        let givenReplicates = (try Self.json(given)["replicates"] as? [String: Any])?["concentrationPerMl"] as? [String: Any]
        #expect(givenReplicates?["mean"] is Double)
    }

    @Test("ZetaView without Dilution:: takes --dilution; with one, --dilution is not used")
    func zetaView() throws {
        let dir = ScratchDirectory()
        let none = dir.file("x_size_488.txt")
        let text = InstrumentOtherFormatsTests.zetaViewText(counts: InstrumentOtherFormatsTests.zetaCounts)
        #expect(text.contains("\tDilution::\t100.000000"))
        try Data(text.replacingOccurrences(of: "\tDilution::\t100.000000", with: "").utf8).write(to: none)
        let measured = 10 * 1e5  // the fixture's table: Concentration = Number × 1e5
        let cell = try SampleResult([try Analysis.load(file: none.path, options: AnalysisOptions())], options: AnalysisOptions())
        #expect(cell.concentrationPerMl == measured && !cell.concentrationIsOfOriginalSample)
        #expect(TextReport.render(cell).contains("as measured in the cell (dilution unknown)"))
        var options = AnalysisOptions()
        options.dilution = 200
        let given = try SampleResult([try Analysis.load(file: none.path, options: options)], options: options)
        #expect(given.concentrationPerMl == 200 * measured && given.concentrationIsOfOriginalSample)
        #expect(given.videos[0].dilution?.source.hasPrefix("--dilution flag") == true)
        let recorded = dir.file("y_size_488.txt")
        try Data(InstrumentOtherFormatsTests.zetaViewText(counts: InstrumentOtherFormatsTests.zetaCounts, dilution: 100).utf8).write(to: recorded)
        let kept = try SampleResult([try Analysis.load(file: recorded.path, options: options)], options: options)
        #expect(kept.concentrationPerMl == 100 * measured && kept.videos[0].dilution?.appliedFactor == 100)
        #expect(kept.warnings.contains { $0.hasPrefix("--dilution not used") })
    }

    @Test("the real NTA 3.2 file records \"Not recorded\": --dilution 10000 gives the original sample's (as the fixture proves)",
          .enabled(if: SharedFormats.available, "needs ../shared/formats/nanosight-3.2-beads-12videos-ExperimentSummary.csv or $NTA_SHARED_FORMATS"))
    func realNotRecorded() throws {
        let file = SharedFormats.url("nanosight-3.2-beads-12videos-ExperimentSummary.csv").path
        let plain = try SampleResult([try Analysis.load(file: file, options: AnalysisOptions())], options: AnalysisOptions())
        #expect(!plain.concentrationIsOfOriginalSample && !TextReport.render(plain).contains("in the original sample"))
        var options = AnalysisOptions()
        options.dilution = 10_000
        let given = try SampleResult([try Analysis.load(file: file, options: options)], options: options)
        #expect(abs(try #require(given.concentrationPerMl) / (10_000 * plain.concentrationPerMl!) - 1) < 1e-12)
        #expect(!given.warnings.contains { $0.contains("--dilution not used") })
    }
}
