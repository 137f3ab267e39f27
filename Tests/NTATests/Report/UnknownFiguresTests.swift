import Foundation
import Testing
import NTA

@Suite("Figures the data cannot give are null in the JSON, as the text says unknown")
struct UnknownFiguresTests {
    /// A trajectory file `name` in `dir`: `particles` tracks of `frames` frames from (300, 300) px, each step (x, y)
    /// from `step` with a generator seeded by `seed`, with a `mass` column of `mass` when given.
    static func trackFile(_ name: String, in dir: ScratchDirectory, particles: Int = 1, frames: Int, mass: Int?,
                          seed: UInt64, step: (inout SeededGenerator) -> (x: Double, y: Double)) throws -> URL {
        var generator = SeededGenerator(seed: seed)
        var csv = mass == nil ? "particle,frame,x,y\n" : "particle,frame,x,y,mass\n"
        for particle in 0..<particles {
            var x = 300.0, y = 300.0
            for frame in 0..<frames {
                let s = step(&generator)
                x += s.x
                y += s.y
                csv += "\(particle),\(frame),\(x),\(y)" + (mass.map { ",\($0)" } ?? "") + "\n"
            }
        }
        let file = dir.file(name)
        try Data(csv.utf8).write(to: file)
        return file
    }

    /// One particle's track of 400 frames (steps of 1.3 px per axis), as a trajectory file in `dir`.
    static func oneTrack(in dir: ScratchDirectory) throws -> URL {
        try trackFile("one.csv", in: dir, frames: 400, mass: 5000, seed: 1) { g in
            (1.3 * g.nextGaussian(), 1.3 * g.nextGaussian())
        }
    }

    static let flags = ["--fps", "30", "--nm-per-pixel", "160", "--temperature", "22", "--exposure-ms", "0", "--bootstrap", "0"]

    /// The one video of `file`'s JSON report (with ``flags``) and its nuisance.
    static func video(of file: URL) throws -> (video: JSON, nuisance: JSON) {
        let r = try CommandLine_.run(["analyze", file.path] + flags + ["--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONDecoder().decode(JSON.self, from: Data(r.stdout.utf8))
        var videos: [JSON] = []
        if case .array(let v)? = report["videos"] { videos = v }
        let video = try #require(videos.first, "no video in the report")
        return (video, try #require(video["nuisance"]))
    }

    @Test("one track: the drift's standard error (nothing to spread it) and its interval are null, not 0 and a point")
    func driftOfOneTrack() throws {
        let dir = ScratchDirectory()
        let nuisance = try Self.video(of: try Self.oneTrack(in: dir)).nuisance
        #expect(nuisance["driftVelocityXNmPerFrame"] != nil && nuisance["driftVelocityXNmPerFrame"] != .null)
        for key in ["driftVelocityStandardErrorNmPerFrame", "driftTotalStandardErrorNm", "driftVelocityXNmPerFrameCI",
                    "driftVelocityYNmPerFrameCI"] {
            #expect(nuisance[key] == nil || nuisance[key] == .null, "\(key): \(String(describing: nuisance[key]))")
        }
    }

    @Test("one track: σ² has no standard error, so it is null with a note, the track is fitted with its own noise, and the HTML says why")
    func localisationVarianceOfOneTrack() throws {
        let dir = ScratchDirectory()
        let file = try Self.oneTrack(in: dir)
        let (video, nuisance) = try Self.video(of: file)
        for key in ["localisationSigmaNm", "localisationVarianceNm2", "localisationVarianceStandardErrorNm2",
                    "localisationSigmaNmCI", "sizingLocalisationVarianceNm2", "stepCovarianceNm2"] {
            #expect(nuisance[key] == .null, "\(key): \(String(describing: nuisance[key]))")
        }
        #expect(nuisance["tracksUsed"] == .number(1))
        #expect(video["estimator"] == .string("ml-free"))
        guard case .string(let note)? = nuisance["note"] else { Issue.record("no note"); return }
        #expect(note.hasPrefix("σ² not measured: 1 track"))
        let html = try CommandLine_.run(["analyze", file.path] + Self.flags + ["--output", "html"])
        #expect(html.stdout.contains("<td>Localisation error σ (one.csv)</td><td>unknown</td><td>see the notes</td>"))
        #expect(html.stdout.contains("one.csv: σ² not measured: 1 track"))
        #expect(!html.stdout.contains("the exposure time is unknown"), "the exposure was given (0 ms)")
    }

    @Test("σ̂² below zero is 'below what the tracks resolve' in the HTML, as in the text, not unknown")
    func negativeLocalisationVariance() throws {
        // Steps that covary positively (each the sum of two neighbouring Gaussian draws, as blur makes them), no
        // localisation noise, exposure given as 0: σ̂² = −(adjacent covariance) < 0. No intensities.
        let dir = ScratchDirectory()
        var previous = (x: 0.0, y: 0.0)
        let file = try Self.trackFile("blurred.csv", in: dir, particles: 6, frames: 200, mass: nil, seed: 2) { g in
            let draw = (x: g.nextGaussian(), y: g.nextGaussian())
            defer { previous = draw }
            return (draw.x + previous.x, draw.y + previous.y)
        }
        let text = try CommandLine_.run(["analyze", file.path] + Self.flags)
        #expect(text.stdout.contains("pooled localisation error σ: below what the tracks resolve (σ̂² ≤ 0)"), "\(text.stdout)")
        let html = try CommandLine_.run(["analyze", file.path] + Self.flags + ["--output", "html"])
        #expect(html.stdout.contains("<td>Localisation error σ (blurred.csv)</td><td>below what the tracks resolve (σ̂² ≤ 0)</td>"))
        #expect(!html.stdout.contains("<td>unknown</td><td>see the notes</td>"))
    }
}

@Suite("Track lengths that diffusion through a sheet cannot give are warned of")
struct FixedLengthTrackTests {
    @Test("every track cut to 10 frames: the number distribution's weighting by visit length is said to be unreliable; simulated visits are not")
    func fixedLengthTracks() throws {
        let dir = ScratchDirectory()
        var generator = SeededGenerator(seed: 3)
        var csv = "particle,frame,x,y,mass\n"
        // Three populations (step SD 0.8, 1.3 and 2.0 px), equal numbers of tracks, each exactly 10 frames.
        for p in 0..<6000 {
            var x = 640 * generator.nextUniform(), y = 480 * generator.nextUniform()
            let s = [0.8, 1.3, 2.0][p % 3], first = Int(5000 * generator.nextUniform())
            for k in 0..<10 {
                x += s * generator.nextGaussian(); y += s * generator.nextGaussian()
                csv += "\(p),\(first + k),\(x),\(y),5000\n"
            }
        }
        let file = dir.file("cut.csv")
        try Data(csv.utf8).write(to: file)
        let flags = ["--fps", "30", "--nm-per-pixel", "160", "--temperature", "22", "--exposure-ms", "0", "--bootstrap", "0"]
        let r = try CommandLine_.run(["analyze", file.path, "--output", "json"] + flags)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("tracks of small particles last longer, against those of large ones, than diffusion through a light sheet allows"))

        // A simulated video (visits through the sheet): no such warning.
        var p = SimulationParameters(mixture: .evLike)
        p.seed = 5
        p.frameCount = 600
        p.concentrationPerMl = 5e9
        _ = try SimulationWriter.write(Simulator.run(p), prefix: dir.file("sim"))
        let sim = try CommandLine_.run(["analyze", dir.file("sim.csv").path, "--output", "json", "--bootstrap", "0"])
        #expect(sim.status == 0, "\(sim.stderr)")
        #expect(!sim.stdout.contains("than diffusion through a light sheet allows"))
    }

    @Test("one-count-per-track histogram with a count: the window's share of tracks says it differs from the particles' shares above it")
    func histogramWindowShareNamesItsUnit() throws {
        let (_, _, counted) = try simulatedSample(.evLike, seed: 4, frames: 300, nanoliters: 0.04) {
            $0.distribution = .histogram
            $0.bootstrapReplicates = 0
        }
        let text = TextReport.render(counted)
        #expect(text.contains("Exosome-sized") && text.contains("of tracks, each track counted once (the shares of particles above weigh each track by the frames it was seen in)"), "\(text)")
        // Without a count there are no particle shares above it to tell apart.
        let (_, _, alone) = try simulatedSample(.evLike, seed: 4, frames: 300, nanoliters: 0.04) {
            $0.distribution = .histogram
            $0.bootstrapReplicates = 0
            $0.detectionVolume = nil
        }
        #expect(!TextReport.render(alone).contains("each track counted once"))
    }
}
