import Foundation
import Testing
import NTA

/// A TrackMate table records its movie's calibration in time: POSITION_T = FRAME × Δt. A user who exports it need
/// not know the frame rate to pass it as `--fps`; flags and a sidecar still override it, and a disagreeing flag is
/// warned of.
@Suite struct TrackMateFrameIntervalTests {
    static let header = """
        LABEL,ID,TRACK_ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,POSITION_T,FRAME,RADIUS,MEAN_INTENSITY_CH1
        Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,Radius,Mean intensity ch1
        Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,R,Mean ch1

        """

    /// A spots table of two tracks over frames 0 … `frames` − 1 whose times are `time(frame)`, in `unit`.
    static func table(unit: String = "(sec)", frames: Int = 20, time: (Int) -> Double) -> [UInt8] {
        var text = header + ",,,(quality),(micron),(micron),(micron),\(unit),,(micron),(counts)\n"
        var id = 0
        for track in 0..<2 {
            for f in 0..<frames {
                text += "ID\(id),\(id),\(track),50.0,\(1.5 + 0.01 * Double(f)),\(2.5 + Double(track)),0.0,\(time(f)),\(f),0.3,100\n"
                id += 1
            }
        }
        return Array(text.utf8)
    }

    static func read(_ bytes: [UInt8]) throws -> TrajectoryReadResult {
        try TrackMateSpotsReader().read(bytes: bytes, fileName: "spots.csv")
    }

    @Test func secondsGiveTheFrameRate() throws {
        let r = try Self.read(Self.table { Double($0) / 30 })
        let fps = try #require(r.recordedSettings?.frameRateHz)
        // Times printed to the shortest round trip: only their last bits differ from f/30.
        #expect(abs(fps / 30 - 1) < 1e-12, "\(fps)")
        #expect(r.recordedSettingsDetail == "TrackMate POSITION_T ÷ FRAME (a frame every 0.0333333 s)")
        #expect(r.notes.isEmpty)
    }

    @Test func roundedTimesStillGiveTheRate() throws {
        // Three decimals (0.033, 0.067, …): each time within 0.0005 s of f/30, so over 99 frames the slope's error
        // is at most 0.0005/(99/30) ≈ 1.5e-4 of the interval.
        let r = try Self.read(Self.table(frames: 100) { (Double($0) / 30 * 1000).rounded() / 1000 })
        let fps = try #require(r.recordedSettings?.frameRateHz)
        #expect(abs(fps / 30 - 1) < 1.5e-4, "\(fps)")
    }

    @Test("a table sorted by frame, many spots a frame: its first rows alone span too few frames, its last rows tell")
    func sortedByFrame() throws {
        var text = Self.header + ",,,(quality),(micron),(micron),(micron),(sec),,(micron),(counts)\n"
        var id = 0
        for f in 0..<30 {
            for spot in 0..<500 {
                text += "ID\(id),\(id),\(spot),50.0,\(1.5 + 0.01 * Double(f)),2.5,0.0,\(Double(f) / 25),\(f),0.3,100\n"
                id += 1
            }
        }
        let r = try Self.read(Array(text.utf8))
        #expect(abs(try #require(r.recordedSettings?.frameRateHz) / 25 - 1) < 1e-12)
    }

    @Test func millisecondsAndMinutes() throws {
        #expect(try Self.read(Self.table(unit: "(ms)") { Double($0) * 40 }).recordedSettings?.frameRateHz.map { abs($0 - 25) < 1e-9 } == true)
        #expect(try Self.read(Self.table(unit: "(min)") { Double($0) * 2 }).recordedSettings?.frameRateHz.map { abs($0 - 1.0 / 120) < 1e-15 } == true)
    }

    @Test func uncalibratedOrUnitlessTimesSayNothing() throws {
        // "(frame)": TrackMate's unit when the movie has no time calibration; POSITION_T is the frame number.
        let frames = try Self.read(Self.table(unit: "(frame)") { Double($0) })
        #expect(frames.recordedSettings == nil && frames.notes.isEmpty)
        let unknown = try Self.read(Self.table(unit: "(fortnight)") { Double($0) })
        #expect(unknown.recordedSettings == nil && unknown.notes.isEmpty)
    }

    @Test func timesThatAreNotAFixedIntervalAreNotUsed() throws {
        // A movie whose frames were taken at a varying rate (times growing as f²) has no one interval.
        let r = try Self.read(Self.table { Double($0 * $0) / 30 })
        #expect(r.recordedSettings == nil)
        #expect(r.notes.count == 1 && r.notes[0].hasPrefix("the frame rate was not taken from the table's POSITION_T: POSITION_T is not FRAME × a fixed interval"), "\(r.notes)")
        // Too few frames to tell.
        let short = try Self.read(Self.table(frames: 5) { Double($0) / 30 })
        #expect(short.recordedSettings == nil && short.notes == ["the frame rate was not taken from the table's POSITION_T: its rows span fewer than 10 frames"])
    }

    /// 100 nm beads simulated, exported as TrackMate would (µm, seconds), analysed with only the temperature given.
    @Test func theAnalysisUsesTheTablesRateBelowTheFlags() throws {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = 11
        p.frameCount = 300
        p.concentrationPerMl = 2e9
        let video = Simulator.run(p)
        let t = video.table
        let micronsPerPixel = p.nanometersPerPixel / 1000
        var text = Self.header + ",,,(quality),(micron),(micron),(micron),(sec),,(micron),(counts)\n"
        for i in 0..<t.count {
            text += "ID\(i),\(i),\(t.particle[i]),50.0,\(t.x[i] * micronsPerPixel),\(t.y[i] * micronsPerPixel),0.0,\(Double(t.frame[i]) / p.frameRateHz),\(t.frame[i]),0.3,100\n"
        }
        let dir = ScratchDirectory()
        let file = dir.file("beads_spots.csv")
        try Data(text.utf8).write(to: file)
        var options = AnalysisOptions()
        options.estimator = .msd1
        options.distribution = .histogram
        options.settings.temperatureCelsius = p.temperatureCelsius
        guard case .video(let fromTimes) = try Analysis.load(file: file.path, options: options) else {
            Issue.record("not read as trajectories"); return
        }
        #expect(fromTimes.settings.frameRateHz.source == .file)
        #expect(abs(fromTimes.settings.frameRateHz.value / p.frameRateHz - 1) < 1e-12)
        // The same as giving the rate as a flag: the sizes agree to the rate's last bits.
        options.settings.frameRateHz = p.frameRateHz
        guard case .video(let fromFlag) = try Analysis.load(file: file.path, options: options) else { return }
        #expect(fromFlag.settings.frameRateHz.source == .flag && fromFlag.warnings.isEmpty)
        #expect(fromTimes.tracksUsed == fromFlag.tracksUsed && fromTimes.tracksUsed > 100)
        #expect(abs(fromTimes.size.d50Nm / fromFlag.size.d50Nm - 1) < 1e-9)
        // A flag that disagrees wins, with a warning.
        options.settings.frameRateHz = 25
        guard case .video(let other) = try Analysis.load(file: file.path, options: options) else { return }
        #expect(other.settings.frameRateHz.value == 25)
        #expect(other.warnings.contains { $0.hasPrefix("the frame rate used, 25 Hz (--fps), differs from the 30 Hz of the file's TrackMate POSITION_T") }, "\(other.warnings)")
    }
}
