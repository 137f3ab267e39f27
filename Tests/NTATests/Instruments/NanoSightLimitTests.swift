import Foundation
import Testing
import NTA

/// A NanoSight file's settings and dilution are held to the limits of the flags (as ZetaView's are): a value outside
/// them is an input error at its line and video's field, never reported as the video's setting.
@Suite struct NanoSightLimitTests {
    static func readSummary(_ text: String) throws(InputError) -> NanoSightExperimentSummary {
        try NanoSightSummaryReader().read(bytes: Array(text.utf8), fileName: "s.csv")
    }

    /// The fixture's text with video `video`'s cell of the row keyed `key` set to `value`, and that row's 1-based line.
    static func summary(_ key: String, video: Int, _ value: String) -> (text: String, line: Int) {
        var lines = NanoSightFixture().lines()
        let i = lines.firstIndex { $0.hasPrefix(key + ",") }!
        var cells = lines[i].components(separatedBy: ",")
        cells[1 + video] = value
        lines[i] = cells.joined(separator: ",")
        return (lines.joined(separator: "\n") + "\n", i + 1)
    }

    @Test func fixtureIsAccepted() throws {
        let s = try Self.readSummary(NanoSightFixture().text())
        #expect(s.videos[1].settings.temperatureCelsius == 23 && s.videos[1].settings.frameRateHz == 24.9825)
    }

    @Test func summarySettingsOutsideTheFlagsLimits() {
        let cases: [(key: String, value: String, expected: String)] = [
            ("Temperature/C", "-300", "expected a liquid-water temperature in °C between -20 and 150, found -300"),
            ("Viscosity/cP", "-5", "expected a viscosity in mPa·s between 0.001 and 10000000, found -5"),
            ("Frame rate/fps", "1e-300", "expected a frame rate in Hz between 0.001 and 1000000, found 1e-300"),
            ("Shutter/ms", "-1", "expected an exposure time in ms between 0 and 1000000, found -1"),
        ]
        for c in cases {
            let (text, line) = Self.summary(c.key, video: 1, c.value)
            let e = #expect(throws: InputError.self) { try Self.readSummary(text) }
            #expect(e?.description == "s.csv:\(line):3: \"\(c.key)\" \(c.expected)", "\(c.key)")
        }
    }

    @Test("a setting the report would give but cannot read is a warning, never dropped in silence")
    func unreadableSummarySettings() throws {
        let (text, line) = Self.summary("Viscosity/cP", video: 1, "abc")
        let summary = try DistributionSummary(Self.readSummary(text), fileName: "s.csv")
        #expect(summary.videos[1].warnings.contains("[Conditions] \"Viscosity/cP\" (line \(line), column 3) reads \"abc\", not a number: the viscosity is not known"),
                "\(summary.videos[1].warnings)")
        #expect(summary.videos[1].settings.viscosityMillipascalSeconds == nil)
        // The other videos' cells are numbers: no warning there, nor in the file's own.
        #expect(!summary.videos[0].warnings.contains { $0.contains("not known") } && summary.warnings.isEmpty)
        // A row of the quantity under a key the reader does not know (°F for °C): not read, and said.
        let fahrenheit = NanoSightFixture().text().replacingOccurrences(of: "\nTemperature/C,", with: "\nTemperature/F,")
        let f = try DistributionSummary(Self.readSummary(fahrenheit), fileName: "s.csv")
        #expect(f.warnings.count == 1 && f.warnings[0].hasPrefix("[Conditions] \"Temperature/F\" (line ")
                    && f.warnings[0].hasSuffix(" was not read (expected \"Temperature/C\"): the temperature is not known"), "\(f.warnings)")
        #expect(f.videos.allSatisfy { $0.settings.temperatureCelsius == nil })
    }

    @Test("printed figures the video's own bins do not give (an edited file) are a warning naming them and their line")
    func editedPrintedFigures() throws {
        let fixture = try DistributionSummary(Self.readSummary(NanoSightFixture().text()), fileName: "s.csv")
        #expect(fixture.videos.allSatisfy { !$0.warnings.contains { $0.hasPrefix("printed figures") } }, "\(fixture.videos.map(\.warnings))")
        let printed = try #require(Self.readSummary(NanoSightFixture().text()).block(.size, .number)?.statistics.first { $0.key == "D50" })
        let edited = try #require(Double(printed.values[1])) + 1.5
        let (text, line) = Self.summary("D50", video: 1, String(format: "%.1f", edited))
        let summary = try DistributionSummary(Self.readSummary(text), fileName: "s.csv")
        let warning = try #require(summary.videos[1].warnings.first { $0.hasPrefix("printed figures") }, "\(summary.videos[1].warnings)")
        #expect(warning.contains(String(format: "D50 %.1f nm (line %d; the bins give ", edited, line)), "\(warning)")
        #expect(!summary.videos[0].warnings.contains { $0.hasPrefix("printed figures") })
    }

    @Test func summaryDilutionOutsideTheFlagsLimits() throws {
        for bad in ["1e300", "0.5", "-2"] {
            let (text, line) = Self.summary("Dilution factor (concentrations adjusted for this factor)", video: 2, bad)
            let e = #expect(throws: InputError.self) { try Self.readSummary(text) }
            #expect(e?.line == line && e?.column == 4, "\(bad): \(String(describing: e))")
            #expect(e?.message == "expected a dilution factor of 0 (not recorded) or 1 … 10¹⁵, found \"\(bad)\"")
        }
        // 0 is NTA's "none recorded"; 1 is the sample as measured.
        for good in ["0", "1"] {
            let (text, _) = Self.summary("Dilution factor (concentrations adjusted for this factor)", video: 2, good)
            #expect(try Self.readSummary(text).videos.count == 3, "\(good)")
        }
    }

    static func readNano(_ captureSettings: String) throws(InputError) -> NanoSightExperimentFile {
        let text = "[Filenames]\na.avi\nb.avi\n\n[CaptureSettings]\n" + captureSettings
        return try NanoSightExperimentFileReader().read(bytes: Array(text.utf8), fileName: "x.nano")
    }

    static let goodNano = """
        PixelSize=140,140
        Temperature=26.677,26.747
        Viscosity=0.855745,0.854413
        DilutionFactor=0,100
        FramesPerSecond=24.9825,24.9825
        Shutter=32.5,32.5

        """

    @Test func nanoSettingsWithinTheLimitsAreRead() throws {
        let f = try Self.readNano(Self.goodNano)
        #expect(f.dilutionFactor == [nil, 100] && f.acquisitionSettings(video: 1).exposureMilliseconds == 32.5)
    }

    @Test func nanoSettingsOutsideTheFlagsLimits() {
        let cases: [(old: String, new: String, line: Int, message: String)] = [
            ("PixelSize=140,140", "PixelSize=140,0", 6,
             "PixelSize of video 2: expected a pixel size in nm between 0.001 and 1000000, found 0"),
            ("Temperature=26.677,26.747", "Temperature=-300,26.747", 7,
             "Temperature of video 1: expected a liquid-water temperature in °C between -20 and 150, found -300"),
            ("DilutionFactor=0,100", "DilutionFactor=0,0.25", 9,
             "DilutionFactor of video 2: expected a dilution factor of 1 … 10¹⁵, found 0.25 (or 0: not recorded)"),
            ("Shutter=32.5,32.5", "Shutter=32.5,-4", 11,
             "Shutter of video 2: expected an exposure time in ms between 0 and 1000000, found -4"),
        ]
        for c in cases {
            let e = #expect(throws: InputError.self) { try Self.readNano(Self.goodNano.replacingOccurrences(of: c.old, with: c.new)) }
            #expect(e?.line == c.line && e?.message == c.message, "\(c.new): \(String(describing: e))")
        }
    }
}
