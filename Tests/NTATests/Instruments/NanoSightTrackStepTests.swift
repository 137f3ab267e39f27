import Foundation
import Testing
import NTA

/// NanoSight NTA 2.x `-alltracks.csv`: one row per step, no frame numbers.
@Suite struct NanoSightTrackStepTests {
    /// A hand-written export in NTA 2.x's layout (FORMATS.md). Track 7: 11 positions whose ten steps (px) are
    /// (1,0) (0,2) (2,2) (−1,−1) (3,0) (0,−3) (1,2) (−2,1) (0.5,0.5) (−1.5,0): Σ|Δ|² = 45.75 px², mean 4.575 px².
    /// Track 9: 10 positions, steps (2,0) (0,−2) (−2,0) (0,2) (1,1) (1,−1) (−1,1) (−1,−1) (3,1): Σ|Δ|² = 34 px².
    /// Track 12: 3 positions. Track 15: 4 positions, every step zero (NTA prints D = 0).
    /// `Diffusion Co` = mean|Δ|²/4 × 166² nm²/px² × 30 /s in 10⁴ nm²/s, e.g. 4.575/4 × 27556 × 30 / 10⁴ = 94.551525.
    static let fixture = """
        Particle ID, Track Step, X1, Y1, X2, Y2, Diffusion Co, Particle Size
        7, 2, 100.500000, 200.250000, 101.500000, 200.250000, 94.551525, 479.132879
        7, 3, 101.500000, 200.250000, 101.500000, 202.250000, 94.551525, 479.132879
        7, 4, 101.500000, 202.250000, 103.500000, 204.250000, 94.551525, 479.132879
        7, 5, 103.500000, 204.250000, 102.500000, 203.250000, 94.551525, 479.132879
        7, 6, 102.500000, 203.250000, 105.500000, 203.250000, 94.551525, 479.132879
        7, 7, 105.500000, 203.250000, 105.500000, 200.250000, 94.551525, 479.132879
        7, 8, 105.500000, 200.250000, 106.500000, 202.250000, 94.551525, 479.132879
        7, 9, 106.500000, 202.250000, 104.500000, 203.250000, 94.551525, 479.132879
        7, 10, 104.500000, 203.250000, 105.000000, 203.750000, 94.551525, 479.132879
        7, 11, 105.000000, 203.750000, 103.500000, 203.750000, 94.551525, 479.132879
        9, 2, 320.000000, 240.000000, 322.000000, 240.000000, 78.075333, 580.244009
        9, 3, 322.000000, 240.000000, 322.000000, 238.000000, 78.075333, 580.244009
        9, 4, 322.000000, 238.000000, 320.000000, 238.000000, 78.075333, 580.244009
        9, 5, 320.000000, 238.000000, 320.000000, 240.000000, 78.075333, 580.244009
        9, 6, 320.000000, 240.000000, 321.000000, 241.000000, 78.075333, 580.244009
        9, 7, 321.000000, 241.000000, 322.000000, 240.000000, 78.075333, 580.244009
        9, 8, 322.000000, 240.000000, 321.000000, 241.000000, 78.075333, 580.244009
        9, 9, 321.000000, 241.000000, 320.000000, 240.000000, 78.075333, 580.244009
        9, 10, 320.000000, 240.000000, 323.000000, 241.000000, 78.075333, 580.244009
        12, 2, 50.000000, 60.000000, 51.000000, 61.000000, 62.001000, 730.677641
        12, 3, 51.000000, 61.000000, 53.000000, 61.000000, 62.001000, 730.677641
        15, 2, 400.000000, 100.000000, 400.000000, 100.000000, 0.000000, 0.000000
        15, 3, 400.000000, 100.000000, 400.000000, 100.000000, 0.000000, 0.000000
        15, 4, 400.000000, 100.000000, 400.000000, 100.000000, 0.000000, 0.000000

        """

    /// The one-lag D of the tracks, µm²/s, by hand: mean|Δ|² px² / 4 × (0.166 µm)² × 30 /s.
    static let expectedDiffusionUm2PerS: [Int64: Double] = [
        7: 45.75 / 10 / 4 * 0.166 * 0.166 * 30,
        9: 34.0 / 9 / 4 * 0.166 * 0.166 * 30,
    ]
    /// `Diffusion Co` as printed (10⁴ nm²/s, 6 decimals), in µm²/s.
    static let printedDiffusionUm2PerS: [Int64: Double] = [7: 0.94551525, 9: 0.78075333]

    @Test("recognised from content; positions rebuilt from the steps at consecutive frames from each track's start")
    func readsTracks() throws {
        let bytes = Array(Self.fixture.utf8)
        #expect(try InstrumentFormatDetector.detect(bytes: bytes, fileName: "a.csv") == .nanoSightTrackSteps)
        guard case .trajectories(let read, .nanoSightTrackSteps) = try InstrumentReading.read(bytes: bytes, fileName: "v-alltracks.csv") else {
            Issue.record("not read as NTA 2.x tracks"); return
        }
        #expect(read.rowsRead == 24)
        #expect(read.framesSharedAcrossTracks == false)
        #expect(read.table.positionUnit == .pixels)
        #expect(read.table.count == 11 + 10 + 3)
        #expect(read.droppedTracks == [DroppedTrack(particleID: 15, localisations: 4, reason: .allStepsZero)])
        let seven = (0..<read.table.count).filter { read.table.particle[$0] == 7 }
        #expect(seven.map { read.table.frame[$0] } == (0...10).map(Int32.init))
        #expect(read.table.x[seven[0]] == 100.5 && read.table.y[seven[0]] == 200.25)
        #expect(read.table.x[seven[10]] == 103.5 && read.table.y[seven[10]] == 203.75)
        #expect(read.instrumentTracks.map(\.particleID) == [7, 9, 12, 15])
        #expect(read.instrumentTracks[3].diffusionUm2PerS == 0)
        #expect(abs(read.instrumentTracks[0].diffusionUm2PerS - 0.94551525) < 1e-15)
        #expect(read.instrumentTracks[0].diameterNanometers == 479.132879)
    }

    static func analyse(_ text: String = fixture, name: String = "v-alltracks.csv", minTrackLength: Int? = nil,
                        subtractsDrift: Bool = true) throws -> SampleResult {
        let url = try InstrumentFiles.fixture(name, text)
        var options = AnalysisOptions()
        options.estimator = .msd1
        options.subtractsDrift = subtractsDrift
        options.distribution = .histogram
        options.settings = AcquisitionSettings(frameRateHz: 30, nanometersPerPixel: 166, temperatureCelsius: 22,
                                               minTrackLength: minTrackLength)
        return try SampleResult([Analysis.load(file: url.path, options: options)], options: options)
    }

    @Test("msd1 without drift correction equals NTA's printed one-lag D on every track, to its printed precision")
    func perTrackConformance() throws {
        let sample = try Self.analyse(subtractsDrift: false)
        let video = try #require(sample.videos[0].analysis)
        let records = TrackTable.records(of: video)
        #expect(records.map(\.particleID) == [7, 9, 12, 15])
        for r in records where r.reason == nil {
            let expected = try #require(Self.expectedDiffusionUm2PerS[r.particleID])
            let printed = try #require(Self.printedDiffusionUm2PerS[r.particleID])
            // Exact arithmetic up to rounding of positions of magnitude ~300 px (~1e-13 relative).
            #expect(abs(r.diffusionUm2PerS - expected) <= 1e-12 * expected, "track \(r.particleID)")
            // The printed value has 6 decimals of 10⁴ nm²/s: ± 5e-7 × 10⁻² µm²/s.
            #expect(abs(r.diffusionUm2PerS - printed) <= 5e-9 + 1e-15, "track \(r.particleID): \(r.diffusionUm2PerS) vs \(printed)")
        }
        #expect(records.filter { $0.reason == nil }.count == 2)
    }

    @Test("tracks counted: read = the file's tracks; too short and all-zero tracks dropped with their reasons")
    func countsAndNotes() throws {
        let sample = try Self.analyse()
        #expect(sample.tracks.read == 4)
        #expect(sample.tracks.used == 2)
        #expect(sample.tracks.dropped[.tooShort] == 1)
        #expect(sample.tracks.dropped[.allStepsZero] == 1)
        let report = AnalysisReport(sample)
        let drift = try #require(report.settings["driftCorrection"])
        #expect(drift.value == .text("none") && drift.source == .input)
        #expect(report.notes.contains { $0.contains("drift, particles per frame and concentration are not computed") })
        let text = TextReport.render(sample)
        #expect(text.contains("drift correction skipped"))
        #expect(sample.videos[0].analysis?.subtractsDrift == false)
        #expect(sample.videos[0].analysis?.nuisance?.drift == nil)
    }

    @Test("no concentration from tracks without shared frames, even with a detection volume; the note says why")
    func noConcentration() throws {
        let url = try InstrumentFiles.fixture("conc-alltracks.csv", Self.fixture)
        var options = AnalysisOptions()
        options.estimator = .msd1
        options.distribution = .histogram
        options.detectionVolume = try DetectionVolume(nanoliters: 0.5)
        options.settings = AcquisitionSettings(frameRateHz: 30, nanometersPerPixel: 166, temperatureCelsius: 22, minTrackLength: 2)
        let sample = try SampleResult([Analysis.load(file: url.path, options: options)], options: options)
        #expect(sample.concentrationPerMl == nil)
        #expect(sample.populations.concentration == nil)
        #expect(sample.notes.contains { $0.contains("no concentration: no input has frame numbers shared across tracks") })
    }

    @Test("--output tracks: one row per track, instrument D beside ours, deterministic bytes")
    func trackTable() throws {
        let sample = try Self.analyse(name: "table-alltracks.csv", subtractsDrift: false)
        let csv = TrackTable.csv(sample)
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "video,particle,localisations,steps,diffusion_um2_s,diffusion_se_um2_s,diameter_nm,included,reason,one_lag_diffusion_um2_s,instrument_diffusion_um2_s,instrument_diameter_nm")
        #expect(lines.count == 6 && lines[5].isEmpty)
        let rows = lines[1...4].map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.map { $0[1] } == ["7", "9", "12", "15"])
        #expect(rows.map { $0[2] } == ["11", "10", "3", "4"])
        #expect(rows.map { $0[3] } == ["10", "9", "2", "3"])
        #expect(rows.map { $0[7] } == ["true", "true", "false", "false"])
        #expect(rows.map { $0[8] } == ["", "", "tooShort", "allStepsZero"])
        #expect(Double(rows[0][10]) == 0.94551525 && Double(rows[0][11]) == 479.132879)
        #expect(rows[3][10] == "0.0" && rows[3][4].isEmpty)  // NTA printed D = 0; ours is not estimated
        // With the estimator msd1 the one-lag column is the same figure as ours.
        #expect(rows[0][9] == rows[0][4] && rows[1][9] == rows[1][4])
        #expect(abs(try #require(Double(rows[1][4])) - 0.78075333) <= 5e-9)
        #expect(TrackTable.csv(try Self.analyse(name: "table-alltracks.csv", subtractsDrift: false)) == csv)
    }

    @Test("with the default estimator the one-lag column still equals NTA's printed D, to its printed precision")
    func oneLagColumnWithDefaults() throws {
        let url = try InstrumentFiles.fixture("defaults-alltracks.csv", Self.fixture)
        var options = AnalysisOptions()
        options.settings = AcquisitionSettings(frameRateHz: 30, nanometersPerPixel: 166, temperatureCelsius: 22)
        let sample = try SampleResult([Analysis.load(file: url.path, options: options)], options: options)
        let video = try #require(sample.videos.first?.analysis)
        var printed: [Int64: Double] = [:]
        for e in video.instrumentTracks { printed[e.particleID] = e.diffusionUm2PerS }
        let measured = TrackTable.records(of: video).filter { $0.oneLagDiffusionUm2PerS.isFinite }
        #expect(!measured.isEmpty)
        for r in measured {
            let nta = try #require(printed[r.particleID])
            // NTA prints D in 10⁴ nm²/s with 6 decimals: 5e-9 µm²/s is half its last digit.
            #expect(abs(r.oneLagDiffusionUm2PerS - nta) <= 5e-9, "particle \(r.particleID)")
        }
    }

    @Test("nta-size analyze --output tracks on an NTA 2.x export, as a user runs it")
    func commandLine() throws {
        let url = try InstrumentFiles.fixture("cli-alltracks.csv", Self.fixture)
        let args = ["analyze", url.path, "--fps", "30", "--nm-per-pixel", "166", "--temperature", "22",
                    "--estimator", "msd1", "--no-drift-correction", "--distribution", "histogram", "--output", "tracks"]
        let first = try CommandLine_.run(args), second = try CommandLine_.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)
        let lines = first.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[1].hasPrefix("cli-alltracks.csv,7,11,10,0.9455152"))
        #expect(lines[4].hasSuffix(",false,allStepsZero,,0.0,0.0"))
        let text = try CommandLine_.run(Array(args.dropLast(2)))
        #expect(text.stdout.contains("drift, particles per frame and concentration are not computed"))
    }

    @Test("rows of one particle split by another particle's rows are an error naming the line")
    func nonContiguousParticle() {
        let lines = Self.fixture.split(separator: "\n").map(String.init)
        let text = ([lines[0], lines[1], lines[20], lines[2]]).joined(separator: "\n") + "\n"
        do {
            _ = try NanoSightTrackStepReader().read(bytes: Array(text.utf8), fileName: "x.csv")
            Issue.record("read")
        } catch {
            #expect(error.line == 4 && error.column == 1, "\(error)")
        }
    }

    @Test("a European re-save (';', decimal commas) reads the same tracks")
    func europeanResave() throws {
        let text = Self.fixture.replacingOccurrences(of: ",", with: ";").replacingOccurrences(of: ".", with: ",")
        let read = try NanoSightTrackStepReader().read(bytes: Array(text.utf8), fileName: "eu.csv")
        let plain = try NanoSightTrackStepReader().read(bytes: Array(Self.fixture.utf8), fileName: "a.csv")
        #expect(read.table.x == plain.table.x && read.table.y == plain.table.y && read.table.particle == plain.table.particle)
        #expect(read.instrumentTracks == plain.instrumentTracks)
    }
}
