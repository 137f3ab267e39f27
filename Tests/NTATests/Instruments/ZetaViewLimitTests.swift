import Foundation
import Testing
import NTA

/// A ZetaView file's settings and dilution are held to the limits of the flags: a value outside them is an input
/// error at its line and field, never reported as a setting nor multiplied into a concentration.
@Suite struct ZetaViewLimitTests {
    static func read(_ text: String) throws(InputError) -> ZetaViewSizeMeasurement {
        try ZetaViewSizeReader().read(bytes: Array(text.utf8), fileName: "z_size_488.txt")
    }

    static let fixture = InstrumentOtherFormatsTests.zetaViewText(counts: InstrumentOtherFormatsTests.zetaCounts)

    static func replacing(_ old: String, _ new: String) -> String {
        precondition(fixture.contains(old))
        return fixture.replacingOccurrences(of: old, with: new)
    }

    @Test func fixtureIsAccepted() throws {
        let m = try Self.read(Self.fixture)
        #expect(m.temperatureCelsius == 24.93 && m.dilutionFactor == 100)
    }

    @Test func temperatureOutsideTheFlagsLimits() {
        let e = #expect(throws: InputError.self) { try Self.read(Self.replacing("Temperature:\t24.930000", "Temperature:\t-300.0")) }
        #expect(e?.line == 5 && e?.column == 2, "\(String(describing: e))")
        #expect(e?.description == "z_size_488.txt:5:2: \"Temperature:\" expected a liquid-water temperature in °C between -20 and 150, found -300")
    }

    @Test func dilutionOutsideTheFlagsLimits() {
        for bad in ["1e300", "0.5", "1e16"] {
            let e = #expect(throws: InputError.self) { try Self.read(Self.replacing("Dilution::\t100.000000", "Dilution::\t\(bad)")) }
            #expect(e?.line == 9 && e?.column == 7, "\(String(describing: e))")
            #expect(e?.message.hasPrefix("\"Dilution::\" expected a dilution factor of 1 … 10¹⁵, found ") == true, "\(String(describing: e))")
        }
        #expect((try? Self.read(Self.replacing("Dilution::\t100.000000", "Dilution::\t1e15")))?.dilutionFactor == 1e15)
        #expect((try? Self.read(Self.replacing("Dilution::\t100.000000", "Dilution::\t1")))?.dilutionFactor == 1)
    }

    @Test func theFirstInTheFileIsReported() {
        let text = Self.replacing("Temperature:\t24.930000", "Temperature:\t-300.0").replacingOccurrences(of: "Dilution::\t100.000000", with: "Dilution::\t1e300")
        let e = #expect(throws: InputError.self) { try Self.read(text) }
        #expect(e?.line == 5, "\(String(describing: e))")
    }

    @Test func otherSettingsOutsideTheFlagsLimits() {
        let cases: [(String, String, Int, Int)] = [
            ("Viscosity:\t0.901280", "Viscosity:\t1e9", 6, 2),
            ("Micrometer per Pixel:\t0.713000", "Micrometer per Pixel:\t0", 11, 2),
            ("FRate 30.000000", "FRate 1e7", 10, 2),
        ]
        for (old, new, line, column) in cases {
            let e = #expect(throws: InputError.self) { try Self.read(Self.replacing(old, new)) }
            #expect(e?.line == line && e?.column == column, "\(new): \(String(describing: e))")
        }
    }

    @Test("a setting given as text that holds no number is a warning, never dropped in silence; an empty one is not recorded")
    func unreadableSettings() throws {
        let text = Self.replacing("Temperature:\t24.930000", "Temperature:\tn.a.").replacingOccurrences(of: "Viscosity:\t0.901280", with: "Viscosity:\t")
        let summary = try DistributionSummary(Self.read(text), fileName: "z_size_488.txt")
        let unread = summary.videos[0].warnings.filter { $0.contains("not known") }
        #expect(unread == ["\"Temperature:\" (line 5) reads \"n.a. sensed\", not a number: the temperature is not known"], "\(unread)")
        #expect(summary.videos[0].settings.temperatureCelsius == nil && summary.videos[0].settings.viscosityMillipascalSeconds == nil)
        #expect(try !DistributionSummary(Self.read(Self.fixture), fileName: "z_size_488.txt").videos[0].warnings.contains { $0.contains("not known") })
    }
}
