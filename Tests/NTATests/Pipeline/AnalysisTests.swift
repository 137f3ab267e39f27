import Foundation
import Testing
import NTA

/// A scratch directory, removed when the value is released.
final class ScratchDirectory: @unchecked Sendable {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nta-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

@Suite("The analysis pipeline, end to end on simulated videos")
struct AnalysisTests {
    static func monodisperse(seed: UInt64 = 3, frames: Int = 1500) -> SimulationParameters {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = seed
        p.frameCount = frames
        p.concentrationPerMl = 2e9
        return p
    }

    @Test("100 nm beads: the one-lag d50 is biased upward, by no more than theory allows")
    func monodisperseOneLag() throws {
        let dir = ScratchDirectory()
        let video = Simulator.run(Self.monodisperse())
        let files = try SimulationWriter.write(video, prefix: dir.file("beads"))
        var options = AnalysisOptions()
        options.estimator = .msd1
        options.distribution = .histogram
        let v = try Analysis.analyzeTrajectoryFile(at: files.trajectories, options: options)
        #expect(v.tracksUsed > 1500)
        // With K steps a track's one-lag D̂ is Gamma(K, D/K), so its size d·K/Gamma(K) has median
        // ≈ d·K/(K − 1/3) > d: the histogram reads slightly large, never small, for noise-free
        // short tracks (σ = 30 nm adds only σ²/(DΔt) ≈ 0.6 % to D here).
        #expect(v.size.d50Nm > 100)
        // Upper bound: that bias at the shortest tracks (K = 9 steps), 1/(3K − 1) = 3.8 %, plus 4 standard errors
        // of a sample median of N tracks whose sizes have relative SD ≤ 1/√K: 4 · 1.2533/√(K·N).
        let kMin = 9.0, n = Double(v.tracksUsed)
        let bound = 1 / (3 * kMin - 1) + 4 * 1.2533 / (kMin * n).squareRoot()
        #expect(v.size.d50Nm / 100 - 1 < bound, "d50 \(v.size.d50Nm) from \(v.tracksUsed) tracks, bound \(bound)")
        // Accounting: every track read is used or dropped with a reason.
        #expect(v.tracksRead == v.tracksUsed + v.droppedTracks.total)
        #expect(v.droppedTracks[.tooShort] > 0)
        #expect(v.rowsRead == video.table.count)
        #expect(v.settings.frameRateHz.source == .file)
        #expect(v.settings.viscosityMillipascalSeconds.source == .derived)
        #expect(v.settings.exposureMilliseconds.source == .file)
    }

    @Test("the CVE sees through full-frame motion blur that enlarges the one-lag sizes by ~1.5×")
    func blur() throws {
        var p = Self.monodisperse(seed: 4, frames: 1000)
        p.exposureMilliseconds = 1000 / p.frameRateHz
        let video = Simulator.run(p)
        #expect(abs(try resolvedSettings(of: video).blurCoefficient - 1.0 / 6) < 1e-12)
        var options = AnalysisOptions()
        options.estimator = .msd1
        options.distribution = .histogram
        let naive = try analyzeSimulated(video, options: options)
        options.estimator = .cve
        let cve = try analyzeSimulated(video, options: options)
        // The default (exact ML with the pooled σ² and the known blur) is unbiased and as tight as the one-lag.
        options.estimator = nil
        let ml = try analyzeSimulated(video, options: options)
        #expect(ml.estimator == .ml)
        // The deconvolved d50 of one size is the common D of all steps (d ∝ 1/D). Its relative SE is at most the
        // pooled one-lag's, √2·(1 + ε)/√ΣK over ΣK 2D steps (χ²₂ steps; the adjacent-step correlation, |ρ| ≤ 1/2,
        // at most doubles the variance), ε = σ²/(DΔt(1 − 2R)). Allowed: 4 SE + the documented +0.5…+1.1 % bias
        // of the deconvolved d50 (BENCHMARKS.md, "Bootstrap coverage").
        let dUm2 = StokesEinstein.diffusionUm2PerS(diameterNanometers: 100, temperatureCelsius: p.temperatureCelsius,
                                                   viscosityMillipascalSeconds: p.effectiveViscosity)
        let epsilon = p.localisationSigmaNanometers * p.localisationSigmaNanometers
            / (dUm2 * 1e6 * p.frameIntervalSeconds * (1 - 2.0 / 6))
        let steps = Double(ml.tracks.lengths.reduce(0) { $0 + $1 - 1 })
        let mlBound = 0.011 + 4 * 2.0.squareRoot() * (1 + epsilon) / steps.squareRoot()
        #expect(abs(ml.size.d50Nm / 100 - 1) <= mlBound, "d50 \(ml.size.d50Nm) over \(steps) steps, bound \(mlBound)")
        #expect(ml.size.d90Nm - ml.size.d10Nm < cve.size.d90Nm - cve.size.d10Nm)
        // Naive: D(1 − 2R) = 2D/3 → sizes × 1.5 (mean of a ratio, so compare medians loosely by theory: ≥ 1.35).
        #expect(naive.size.d50Nm > 135)
        // CVE is unbiased in D; its per-track spread is wider (3D²/K vs D²/K), so its median size sits
        // a little above 100 nm, far below the blurred one-lag value.
        #expect(cve.size.d50Nm > 90 && cve.size.d50Nm < 120)
    }

    @Test("settings: flags override the sidecar; a missing frame rate names the flag")
    func settingsResolution() throws {
        var flags = AcquisitionSettings()
        flags.temperatureCelsius = 25
        let file = AcquisitionSettings(frameRateHz: 25, nanometersPerPixel: 100, temperatureCelsius: 20)
        let s = try ResolvedSettings.resolve(file: "a.csv", flags: flags, fromFile: file, needsPixelSize: true,
                                             viscosityModel: .iapws, defaultMinTrackLength: 10)
        #expect(s.temperatureCelsius == SettingValue(25, source: .flag))
        #expect(s.frameRateHz == SettingValue(25, source: .file))
        #expect(abs(s.viscosityMillipascalSeconds.value - 0.8900) < 0.0001)
        #expect(s.minTrackLength == SettingValue(10, source: .default))

        do {
            _ = try ResolvedSettings.resolve(file: "a.csv", flags: AcquisitionSettings(), fromFile: nil, needsPixelSize: true,
                                             viscosityModel: .iapws, defaultMinTrackLength: 10)
            Issue.record("expected a missing-setting error")
        } catch let e as MissingSettingError {
            // The library speaks of settings; only the command line names flags.
            #expect(e.setting == .frameRateHz)
            #expect(e.description == "a.csv: no frame rate is known for this file: set `frameRateHz` in the analysis options' settings, or add \"frameRateHz\" to a.csv.settings.json")
        }
        // Positions in µm need no pixel size; a negative frame rate is rejected.
        #expect(throws: InvalidSettingError.self) {
            try ResolvedSettings.resolve(file: "a.csv", flags: AcquisitionSettings(frameRateHz: -1, temperatureCelsius: 20),
                                         fromFile: nil, needsPixelSize: false, viscosityModel: .iapws, defaultMinTrackLength: 10)
        }
    }

    @Test("a malformed sidecar is an error naming the sidecar")
    func badSidecar() throws {
        let dir = ScratchDirectory()
        let data = dir.file("t.csv")
        try Data("particle,frame,x,y\n1,0,0,0\n".utf8).write(to: data)
        try Data("{\"frameRateHz\": \"fast\"}".utf8).write(to: dir.file("t.csv.settings.json"))
        let e = inputError { try SettingsSidecar.load(for: data) }
        #expect(e?.file.hasSuffix("t.csv.settings.json") == true)
        #expect(e?.message.contains("frameRateHz") == true)
        // Where, and what was found: the key's line and column for a wrong type; the byte where the text stops
        // being JSON; the value found.
        #expect(e?.line == 1 && e?.column == 2 && e?.message.hasSuffix("found \"fast\"") == true, "\(String(describing: e))")
        for (text, line, column) in [("{bad json\n", 1, 2), ("{\"frameRateHz\": 30,\n \"nanometersPerPixel\": ]}", 2, 24),
                                     ("{\"frameRateHz\": 30", 1, 19), ("[1, 2]", 1, 1)] {
            try Data(text.utf8).write(to: dir.file("t.csv.settings.json"))
            let e = inputError { try SettingsSidecar.load(for: data) }
            #expect(e?.line == line && e?.column == column, "\(text): \(String(describing: e))")
            #expect(e?.description.contains("t.csv.settings.json:\(line):\(column): expected") == true, "\(String(describing: e))")
            #expect(e?.description.contains("DecodingError") == false)
        }
        // Keys that would otherwise be lost in silence, and numbers the setting cannot hold, at their place.
        for (text, line, column, message) in [
            ("{\"frameRateHz\": 30, \"exposureMiliseconds\": 20}", 1, 21,
             "expected a setting (exposureMilliseconds, frameRateHz, minTrackLength, nanometersPerPixel, temperatureCelsius, viscosityMillipascalSeconds), found \"exposureMiliseconds\""),
            ("{\"frameRateHz\": 30,\n \"frameRateHz\": 60}", 2, 2, "expected \"frameRateHz\" once, found it again"),
            ("{\"minTrackLength\": 2.5}", 1, 2, "expected a whole number for \"minTrackLength\", found 2.5"),
            ("{\"frameRateHz\": 1e400}", 1, 17, "expected a number a double can hold (at most about 1.8e308), found 1e400"),
            // Out of the settings' limits: at the key, the first in the file's order (not the checks' order).
            ("{\"temperatureCelsius\": 22,\n \"nanometersPerPixel\": 1e9,\n \"frameRateHz\": -30}", 2, 2,
             "\"nanometersPerPixel\": expected a pixel size in nm between 0.001 and 1000000, found 1000000000"),
            ("{\"minTrackLength\": 1}", 1, 2, "\"minTrackLength\": expected a minimum track length in localisations between 2 and 1000, found 1"),
        ] {
            try Data(text.utf8).write(to: dir.file("t.csv.settings.json"))
            let e = inputError { try SettingsSidecar.load(for: data) }
            #expect(e?.line == line && e?.column == column && e?.message == message, "\(text): \(String(describing: e))")
        }
        // Every key the simulator writes is read back.
        let all = AcquisitionSettings(frameRateHz: 25, nanometersPerPixel: 100, temperatureCelsius: 21,
                                      viscosityMillipascalSeconds: 0.9, exposureMilliseconds: 5, minTrackLength: 4)
        try SettingsSidecar.write(all, for: data)
        #expect(try SettingsSidecar.load(for: data) == all)
    }

    @Test("the JSON report has the v1 contract's fields and is byte-for-byte reproducible")
    func jsonContract() throws {
        let dir = ScratchDirectory()
        let video = Simulator.run(Self.monodisperse(seed: 5, frames: 300))
        let files = try SimulationWriter.write(video, prefix: dir.file("v"))
        func report() throws -> Data {
            let v = try Analysis.analyzeTrajectoryFile(at: files.trajectories, displayName: "v.csv", options: AnalysisOptions())
            return try AnalysisReport(SampleResult([.video(v), .video(v)], options: AnalysisOptions())).jsonData()
        }
        let first = try report()
        #expect(first == (try report()))
        let json = try JSONSerialization.jsonObject(with: first) as! [String: Any]
        #expect(json["schemaVersion"] as? Int == 14)
        let size = json["size"] as! [String: Any]
        for key in ["meanNm", "modeNm", "sdNm", "d10Nm", "d50Nm", "d90Nm"] { #expect(size[key] is Double, "\(key)") }
        let window = json["window"] as! [String: Any]
        #expect(window["minNm"] as? Double == 30 && window["maxNm"] as? Double == 150 && window["fraction"] is Double)
        let tracks = json["tracks"] as! [String: Any]
        #expect(tracks["read"] is Int && tracks["used"] is Int && tracks["dropped"] is [String: Int])
        let settings = json["settings"] as! [String: [String: Any]]
        #expect(settings["frameRateHz"]?["source"] as? String == "file")
        #expect(settings["viscosityMillipascalSeconds"]?["source"] as? String == "derived")
        let videos = json["videos"] as! [[String: Any]]
        #expect(videos.count == 2 && videos[0]["name"] as? String == "v.csv")
        #expect(videos[0]["size"] is [String: Any] && videos[0]["window"] is [String: Any])
    }
}

@Suite("The simulator")
struct SimulatorTests {
    @Test("the same seed writes the same bytes; another seed does not")
    func deterministic() {
        var p = SimulationParameters(mixture: .evLike)
        p.frameCount = 100
        p.exposureMilliseconds = 10
        p.driftNanometersPerFrame = [20, -5]
        let a = SimulationWriter.trajectoryCSV(Simulator.run(p).table)
        #expect(a == SimulationWriter.trajectoryCSV(Simulator.run(p).table))
        p.seed = 2
        #expect(a != SimulationWriter.trajectoryCSV(Simulator.run(p).table))
    }

    @Test("the detection volume holds concentration × volume particles per frame on average")
    func occupancy() {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 400
        p.concentrationPerMl = 1e9
        let v = Simulator.run(p)
        let mean = Double(v.particlesInViewPerFrame.reduce(0, +)) / Double(p.frameCount)
        let expected = p.concentrationPerMl * p.detectionVolumeMl
        // Counts are correlated over the ~15-frame residence time, so allow ±15 % (≈ 4 SE of a
        // 400-frame mean of a Poisson(≈ 49) count with ~15-frame correlation: √(49·2·15/400)/49 ≈ 4 %).
        #expect(abs(mean / expected - 1) < 0.15)
        // Every row belongs to a track with known truth, and every track's truth is that particle's size.
        #expect(Set(v.table.particle).count == v.tracks.count)
        #expect(v.tracks.allSatisfy { $0.diameterNanometers == v.particleDiametersNanometers[$0.particleIndex] })
    }

    @Test("tracker memory links short disappearances into tracks with gaps")
    func memoryMakesGaps() {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 200
        p.detectionProbability = 0.8
        p.memoryFrames = 2
        let v = Simulator.run(p)
        let g = TrackGrouping.group(v.table, nanometersPerPixel: p.nanometersPerPixel, minTrackLength: 2)
        let gapped = (0..<g.tracks.trackCount).filter { g.tracks.frameSpan(of: $0) > g.tracks.length(of: $0) }
        #expect(!gapped.isEmpty)
    }

    @Test("mixture specifications parse, and the EV-like preset's window fraction is analytic")
    func mixtures() throws {
        let m = try SizeMixture(parsing: "vesicles:100/1.3*0.6@1.39,debris:200/1.5*0.4")
        #expect(m.components.count == 2 && m.components[0].refractiveIndex == 1.39 && m.normalizedWeights[1] == 0.4)
        #expect(throws: MixtureParseError.self) { try SizeMixture(parsing: "big") }
        #expect(throws: MixtureParseError.self) { try SizeMixture(parsing: "100/0.5") }
        let mono = SizeMixture.monodisperse(100)
        #expect(mono.fraction(fromNanometers: 30, toNanometers: 150) == 1)
        let f = SizeMixture.evLike.fraction(fromNanometers: 30, toNanometers: 150)
        #expect(f > 0.5 && f < 0.8)
    }
}
