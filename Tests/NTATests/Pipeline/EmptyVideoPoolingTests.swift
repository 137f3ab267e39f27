import Foundation
import Testing
import NTA

/// A video that contributes no sized track, or no frame, pooled with one that does: the pool is labelled by the
/// videos with tracks, the concentration comes from the videos with frames, and each video left out is named.
@Suite("Pooling a video that contributes nothing")
struct EmptyVideoPoolingTests {
    /// A short monodisperse video, its analysis options (a detection volume, few bootstrap replicates) and the
    /// sample of it alone.
    static func fixture() throws -> (SimulatedVideo, AnalysisOptions, SampleResult) {
        try simulatedSample(.monodisperse(100), seed: 7, frames: 200, nanoliters: 1) { $0.bootstrapReplicates = 20 }
    }

    /// A video analysed from `table`, read from `rowsRead` rows of which `droppedRows` were dropped.
    static func video(_ like: SimulatedVideo, name: String, table: TrajectoryTable, rowsRead: Int,
                      droppedRows: DropTally = DropTally(), options: AnalysisOptions) throws -> LoadedInput {
        let read = TrajectoryReadResult(table: table, rowsRead: rowsRead, droppedRows: droppedRows)
        return .video(try Analysis.analyze(read, settings: try resolvedSettings(of: like, name: name), name: name,
                                           file: name, options: options))
    }

    @Test("a video whose every row was dropped: the pool stays deconvolved and the concentration is the other video's, each with a note naming it")
    func allRowsDropped() throws {
        let (v, options, alone) = try Self.fixture()
        #expect(alone.distributionKind == .deconvolved)
        let empty = TrajectoryTable(particle: [], frame: [], x: [], y: [], positionUnit: v.table.positionUnit)
        let bad = try Self.video(v, name: "bad.csv", table: empty, rowsRead: 1,
                                 droppedRows: DropTally(["nonFinitePosition": 1]), options: options)
        let pooled = try SampleResult([.video(try analyzeSimulated(v, name: "sim", options: options)), bad], options: options)
        #expect(pooled.distributionKind == .deconvolved)
        #expect(pooled.size.d50Nm == alone.size.d50Nm)
        #expect(pooled.bootstrap?.d50Nm == alone.bootstrap?.d50Nm)
        #expect(pooled.notes.contains { $0.hasPrefix("the pooled distribution is that of the 1 of 2 videos with sized tracks; no sized track came from bad.csv (all 1 data row was dropped: 1 nonFinitePosition)") },
                "\(pooled.notes)")
        let concentration = try #require(alone.concentrationPerMl)
        #expect(pooled.concentrationPerMl == concentration)
        #expect(pooled.populations.concentration?.frames == alone.populations.concentration?.frames)
        #expect(pooled.notes.contains { $0.hasPrefix("concentration from the 1 of 2 videos with frames to count particles in; bad.csv (all 1 data row was dropped: 1 nonFinitePosition) is left out") },
                "\(pooled.notes)")
        #expect(!pooled.notes.contains { $0.hasPrefix("populations could not be computed") }, "\(pooled.notes)")
        let json = try JSONSerialization.jsonObject(with: AnalysisReport(pooled).jsonData()) as! [String: Any]
        #expect(json["distribution"] as? String == "deconvolved")
        let text = TextReport.render(pooled)
        #expect(text.contains("Size distribution (the sample's number distribution, deconvolved") && !text.contains("instrument"))
        #expect(HTMLReport.render(pooled).contains("source: trajectories analysed by nta-size (deconvolved number distribution)"))
    }

    @Test("a video with no data row at all may be a real count of 0 over frames unknown: no concentration, said so")
    func noRowsRead() throws {
        let (v, options, alone) = try Self.fixture()
        let empty = TrajectoryTable(particle: [], frame: [], x: [], y: [], positionUnit: v.table.positionUnit)
        let none = try Self.video(v, name: "none.csv", table: empty, rowsRead: 0, options: options)
        let pooled = try SampleResult([.video(try analyzeSimulated(v, name: "sim", options: options)), none], options: options)
        #expect(pooled.distributionKind == .deconvolved)
        #expect(pooled.concentrationPerMl == nil && pooled.populations.concentration == nil)
        #expect(pooled.notes.contains { $0.hasPrefix("no concentration: none.csv holds no data rows") }, "\(pooled.notes)")
        // The size distribution's components do not need the count.
        #expect(pooled.populations.components != nil)
        #expect(alone.concentrationPerMl != nil)
    }

    @Test("a video with rows but no sized track: its frames are counted, and the pool stays deconvolved with a note")
    func rowsButNoSizedTrack() throws {
        let (v, options, alone) = try Self.fixture()
        var rows: [(Int64, Int32)] = []
        for id in 0..<20 { for f in 0..<30 { rows.append((Int64(id), Int32(f))) } }
        let stuck = TrajectoryTable(particle: rows.map(\.0), frame: rows.map(\.1), x: rows.map { Double($0.0) * 50 },
                                    y: rows.map { _ in 100 }, positionUnit: v.table.positionUnit)
        let still = try Self.video(v, name: "still.csv", table: stuck, rowsRead: rows.count, options: options)
        let pooled = try SampleResult([.video(try analyzeSimulated(v, name: "sim", options: options)), still], options: options)
        #expect(pooled.distributionKind == .deconvolved)
        #expect(pooled.notes.contains { $0.hasPrefix("the pooled distribution is that of the 1 of 2 videos with sized tracks; no sized track came from still.csv (20 tracks read, all dropped: 20 allStepsZero)") },
                "\(pooled.notes)")
        let frames = try #require(alone.populations.concentration?.frames)
        #expect(pooled.populations.concentration?.frames == frames + 30)
    }

    @Test("videos whose distributions were formed in different ways are said to be, not called the instrument's bins")
    func mixedLabel() throws {
        let (v, options, _) = try Self.fixture()
        var histogram = options
        histogram.distribution = .histogram
        let sample = try SampleResult([.video(try analyzeSimulated(v, name: "a", options: options)),
                                       .video(try analyzeSimulated(v, name: "b", options: histogram))], options: options)
        #expect(sample.distributionKind == .mixed)
        let text = TextReport.render(sample)
        #expect(text.contains("formed in different ways") && !text.contains("instrument"), "\(text)")
    }
}
