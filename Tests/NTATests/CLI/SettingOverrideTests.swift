import Foundation
import Testing

/// A setting given as a flag that overrides a different one of the file's is said, never silent.
@Suite struct SettingOverrideTests {
    @Test("--fps 30 for a file whose sidecar says 60 Hz: a warning names both; the same value, or one within 1 %, none")
    func flagOverridesSidecar() throws {
        let dir = ScratchDirectory()
        let prefix = try CommandLine_.simulate("b60", in: dir, ["--frames", "200", "--seed", "7", "--fps", "60"])
        func warnings(_ flags: [String]) throws -> [String] {
            let r = try CommandLine_.run(["analyze", prefix + ".csv", "--bootstrap", "0", "--output", "json"] + flags)
            #expect(r.status == 0, "\(flags): \(r.stderr)")
            let video = (try CommandLine_.jsonObject(r)?["videos"] as? [[String: Any]])?.first
            return ((video?["warnings"] as? [String]) ?? []).filter { $0.contains("overrides the") }
        }
        let overridden = try warnings(["--fps", "30", "--temperature", "25"])
        #expect(overridden.count == 2, "\(overridden)")
        #expect(overridden.contains { $0.contains("the frame rate given, 30 Hz, overrides the 60 Hz of the settings sidecar") },
                "\(overridden)")
        #expect(overridden.contains { $0.contains("the temperature given, 25 °C, overrides the 22 °C") }, "\(overridden)")
        #expect(try warnings(["--fps", "60", "--temperature", "22.3"]).isEmpty)
        #expect(try warnings(["--fps", "60.3"]).isEmpty, "within 1 %")
        #expect(try warnings([]).isEmpty)
    }

    @Test("the text report: an exposure nobody gave reads \"unknown (not given)\", not \"— (default)\"")
    func unknownExposureInText() throws {
        let dir = ScratchDirectory()
        let prefix = try CommandLine_.simulate("u", in: dir, ["--frames", "120", "--seed", "3"])
        try FileManager.default.removeItem(atPath: prefix + ".csv.settings.json")
        let r = try CommandLine_.run(["analyze", prefix + ".csv", "--fps", "30", "--nm-per-pixel", "160", "--temperature", "22",
                                      "--bootstrap", "0"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("exposureMilliseconds unknown (not given)"), "\(r.stdout)")
        #expect(!r.stdout.contains("— (default)"))
    }
}
