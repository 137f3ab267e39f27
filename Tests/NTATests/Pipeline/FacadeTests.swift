import Foundation
import Testing
import NTA  // not @testable: the facade is the public entry point

/// `analyze(_:options:)`, the one call a user meets first: what it reads, and the one typed error it throws.
@Suite("The facade: analyze(_:options:) and NTAError")
struct FacadeTests {
    /// Three tracks of twelve frames each, `header` naming the columns; positions in pixels on a fixed pattern.
    static func table(header: String) -> String {
        var rows = [header]
        for particle in 1...3 {
            for frame in 0..<12 {
                let x = 100.0 + Double(particle) * 50 + Double((frame * 7 + particle) % 5) * 0.3
                let y = 200.0 + Double((frame * 3 + particle) % 4) * 0.25
                rows.append("\(particle),\(frame),\(x),\(y)")
            }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    static var flags: AnalysisOptions {
        var o = AnalysisOptions()
        o.settings = AcquisitionSettings(frameRateHz: 30, nanometersPerPixel: 160, temperatureCelsius: 22)
        return o
    }

    @Test("a setting given nowhere is NTAError.missingSetting naming the setting and the file, not a flag")
    func missingSetting() throws {
        let dir = ScratchDirectory()
        let file = dir.file("t.csv").path
        try Self.table(header: "particle,frame,x,y").write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try analyze(file: file)
            Issue.record("expected an error")
        } catch {
            guard case .missingSetting(let e) = error else { Issue.record("expected missingSetting, got \(error)"); return }
            #expect(e.setting == .frameRateHz && e.file == file)
            #expect(!error.description.contains("--"))
        }
    }

    @Test("a setting outside its range is NTAError.invalidSetting with where it came from")
    func invalidSetting() throws {
        let dir = ScratchDirectory()
        let file = dir.file("t.csv").path
        try Self.table(header: "particle,frame,x,y").write(toFile: file, atomically: true, encoding: .utf8)
        var options = Self.flags
        options.settings.frameRateHz = 0
        do {
            _ = try analyze(file: file, options: options)
            Issue.record("expected an error")
        } catch {
            guard case .invalidSetting(let e) = error else { Issue.record("expected invalidSetting, got \(error)"); return }
            #expect(e.setting == .frameRateHz && e.source == .flag)
            #expect(e.description.hasPrefix("\(file): frameRateHz (given in the analysis options): expected a frame rate in Hz between 0.001 and 1000000, found 0"))
        }
    }

    @Test("unreadable and malformed files are NTAError.input located at file:line")
    func inputErrors() throws {
        let dir = ScratchDirectory()
        let missing = dir.file("absent.csv").path
        do {
            _ = try analyze(file: missing, options: Self.flags)
            Issue.record("expected an error")
        } catch {
            guard case .input(let e) = error else { Issue.record("expected input, got \(error)"); return }
            #expect(e.file == missing)
        }
        let bad = dir.file("bad.csv").path
        try "particle,frame,x,y\n1,0,1.5,2\n1,1,abc,2\n".write(toFile: bad, atomically: true, encoding: .utf8)
        do {
            _ = try analyze(file: bad, options: Self.flags)
            Issue.record("expected an error")
        } catch {
            guard case .input(let e) = error else { Issue.record("expected input, got \(error)"); return }
            #expect(e.file == bad && e.line == 3)
        }
    }

    @Test("SampleInput's column mapping reads another tracker's headers as the trackpy names would")
    func columnMapping() throws {
        let dir = ScratchDirectory()
        let trackpy = dir.file("trackpy.csv").path, other = dir.file("other.csv").path
        try Self.table(header: "particle,frame,x,y").write(toFile: trackpy, atomically: true, encoding: .utf8)
        try Self.table(header: "id,t,px,py").write(toFile: other, atomically: true, encoding: .utf8)
        var options = Self.flags
        options.defaultMinTrackLength = 10
        let a = try analyze(file: trackpy, options: options)
        let b = try analyze(SampleInput(files: [other], columns: ColumnMapping(particle: "id", frame: "t", x: "px", y: "py")),
                            options: options)
        // 3 tracks × 12 rows written above, every track ≥ 10 localisations.
        #expect(a.tracks.read == 3 && a.rows.read == 36)
        #expect(b.tracks.read == 3 && b.rows.read == 36)
        #expect(b.videos[0].analysis?.tracks.diametersNanometers == a.videos[0].analysis?.tracks.diametersNanometers)
    }
}
