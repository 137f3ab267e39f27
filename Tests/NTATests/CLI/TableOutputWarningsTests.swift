import Foundation
import Testing
import NTA

/// Outputs with no place for the report's warnings (a CSV table, the per-track table, an SVG figure) print them on
/// standard error, with why the deconvolved figures are unknown when they are; the CSV leaves unknown cells empty.
@Suite("nta-size tables and figures: warnings on standard error")
struct TableOutputWarningsTests {
    /// Three tracks of 15 positions of a ~100 nm particle (a 2D random walk of 5.35 px per axis and frame: 2DΔt for
    /// D = 4.3 µm²/s at 30 frames/s and 100 nm/px), written out here: too few tracks for the deconvolved figures.
    static let threeTracks: String = {
        var rng = SeededGenerator(seed: 7)
        var text = "particle,frame,x,y\n"
        for particle in 0..<3 {
            var x = 100.0 + 150 * Double(particle), y = 200.0
            for frame in 0..<15 {
                text += "\(particle),\(frame),\(String(format: "%.3f", x)),\(String(format: "%.3f", y))\n"
                x += 5.35 * rng.nextGaussian()
                y += 5.35 * rng.nextGaussian()
            }
        }
        return text
    }()

    @Test("three tracks as a CSV table: the distribution's cells empty, and why on standard error; JSON keeps it to itself")
    func tooFewTracksAsTable() throws {
        let dir = ScratchDirectory()
        let file = dir.file("three.csv")
        try Data(Self.threeTracks.utf8).write(to: file)
        let flags = ["--fps", "30", "--nm-per-pixel", "100", "--temperature", "22"]
        let csv = try CommandLine_.run(["analyze", file.path, "--output", "csv"] + flags)
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stderr.contains("nta-size: the deconvolved distribution and its figures are unknown: 3 tracks cannot support the deconvolved figures"), "\(csv.stderr)")
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.first == "bin_centre_nm,all" && rows.count > 100)
        #expect(rows.dropFirst().allSatisfy { $0.hasSuffix(",") }, "every cell of the unknown distribution empty")
        for output in ["tracks", "svg"] {
            let run = try CommandLine_.run(["analyze", file.path, "--output", output] + flags)
            #expect(run.status == 0 && run.stderr.contains("its figures are unknown: 3 tracks"), "\(output): \(run.stderr)")
        }
        let json = try CommandLine_.run(["analyze", file.path, "--output", "json"] + flags)
        #expect(json.status == 0 && json.stderr.isEmpty, "the JSON carries its warnings and notes: \(json.stderr)")
    }

    @Test("a warning (an exposure longer than the frame) reaches standard error with a CSV table, once per line")
    func warningOnStandardError() throws {
        let dir = ScratchDirectory()
        let prefix = try CommandLine_.simulate("w", in: dir, ["--frames", "150", "--seed", "3"])
        let run = try CommandLine_.run(["analyze", prefix + ".csv", "--output", "csv", "--bootstrap", "0",
                                        "--exposure-ms", "100"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("nta-size: warning: w.csv: the exposure 100") }, "\(run.stderr)")
        #expect(lines.allSatisfy { $0.hasPrefix("nta-size: ") })
        #expect(!run.stdout.contains(",\n"), "a supported distribution has every cell")
    }

    @Test("with a detection volume the count's warnings reach standard error too, as the JSON's `warnings` holds them")
    func countWarningsOnStandardError() throws {
        let dir = ScratchDirectory()
        let prefix = try CommandLine_.simulate("c", in: dir, ["--frames", "150", "--seed", "3"])
        let run = try CommandLine_.run(["analyze", prefix + ".csv", "--output", "csv", "--bootstrap", "0",
                                        "--detection-volume-nl", "0.04"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("nta-size: warning: the window starts at 30 nm, below the ~60 nm scatter detection limit"),
                "\(run.stderr)")
    }
}
