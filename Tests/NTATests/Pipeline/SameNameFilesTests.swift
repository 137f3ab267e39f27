import Foundation
import Testing
import NTA

/// Videos are named by their files' names, which two files in different folders may share.
@Suite("Files that share a name")
struct SameNameFilesTests {
    @Test("a/v.csv and b/v.csv are named by their paths, a lone file by its name")
    func namedByPath() throws {
        let dir = ScratchDirectory()
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 60
        let video = Simulator.run(p)
        for folder in ["a", "b"] {
            try FileManager.default.createDirectory(at: dir.file(folder), withIntermediateDirectories: true)
            _ = try SimulationWriter.write(video, prefix: dir.file("\(folder)/v"))
        }
        let a = dir.file("a/v.csv").path, b = dir.file("b/v.csv").path
        var options = AnalysisOptions()
        options.bootstrapReplicates = 0
        let both = try SampleResult.analyze(files: [a, b], options: options)
        #expect(both.videos.map(\.name) == [a, b])
        #expect(TextReport.render(both).contains("\(a):"))
        let alone = try SampleResult.analyze(files: [a], options: options)
        #expect(alone.videos.map(\.name) == ["v.csv"])
    }
}
