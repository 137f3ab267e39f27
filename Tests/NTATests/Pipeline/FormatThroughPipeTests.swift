import Foundation
import Testing
import NTA

/// `--format` on a pipe (`cat f | nta-size analyze /dev/stdin --format trackmate`): the content is checked and read
/// from one reading of the pipe, which cannot be read twice.
@Suite struct FormatThroughPipeTests {
    /// A FIFO in a fresh directory, fed `text` by a background writer.
    static func fifo(_ text: String, in dir: ScratchDirectory) throws -> URL {
        let fifo = dir.file("spots.csv")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let bytes = Data(text.utf8)
        Thread { try? bytes.write(to: fifo) }.start()
        return fifo
    }

    @Test func aRequiredFormatReadsThePipeOnce() throws {
        let dir = ScratchDirectory()
        let file = try Self.fifo(InstrumentOtherFormatsTests.trackMate, in: dir)
        var options = AnalysisOptions()
        options.settings.frameRateHz = 30
        options.settings.temperatureCelsius = 22
        // Before: "expected trajectories or an instrument export, found an empty file".
        guard case .video(let v) = try Analysis.load(file: file.path, format: .trackmate, options: options) else {
            Issue.record("not read as a video"); return
        }
        #expect(v.rowsRead == 4 && v.tracksRead == 2)
    }

    @Test func aPipeInAnotherFormatIsNamed() throws {
        let dir = ScratchDirectory()
        let file = try Self.fifo(InstrumentOtherFormatsTests.trackMate, in: dir)
        let e = #expect(throws: InputError.self) { _ = try Analysis.load(file: file.path, format: .zetaview, options: AnalysisOptions()) }
        #expect(e?.message == "expected a ZetaView size measurement (_size_*.txt) (--format zetaview), but the content is a TrackMate spots table (CSV)")
    }
}
