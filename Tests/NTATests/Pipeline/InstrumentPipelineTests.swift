import Foundation
import Testing
import NTA

@Suite("Instrument exports through the summary and report stages")
struct InstrumentPipelineTests {
    @Test("a NanoSight summary reports per video as NTA printed, pooled from the average, with dilution provenance",
          .enabled(if: SharedFormats.available, "needs ../shared/formats/nanosight-3.4-beads100-ExperimentSummary.csv or $NTA_SHARED_FORMATS"))
    func nanoSightSummary() throws {
        let file = SharedFormats.url("nanosight-3.4-beads100-ExperimentSummary.csv").path
        let input = try Analysis.load(file: file, options: AnalysisOptions())
        let sample = try SampleResult([input], options: AnalysisOptions())
        #expect(sample.videos.count == 5)
        #expect(sample.distributionKind == .instrument)
        // NTA printed D50 98.6 nm and 5.91e+12 /mL for the first video; the Average concentration 6.09e+12 ± 6.67e+10.
        #expect(abs(sample.videos[0].size.d50Nm - 98.6) <= 0.05)
        #expect(abs(sample.videos[0].concentrationPerMl! / 5.91e12 - 1) < 0.005)
        #expect(abs(sample.concentrationPerMl! / 6.09e12 - 1) < 0.005)
        #expect(abs(sample.concentrationStandardErrorPerMl! / 6.67e10 - 1) < 0.01)
        #expect(sample.videos[0].dilution?.appliedBy == .instrument)
        let report = AnalysisReport(sample)
        // A summary holds no tracks nor rows: null, not 0 (a stranger's pass read "0 tracks" beside 343 traces).
        #expect(report.estimator == nil && report.tracks == nil && report.rows == nil)
        #expect(abs(report.replicates.d50Nm.mean! - (98.6 + 99.7 + 101.0 + 100.2 + 99.6) / 5) < 0.05)
        let json = try JSONSerialization.jsonObject(with: report.jsonData()) as! [String: Any]
        let first = (json["videos"] as! [[String: Any]])[0]
        #expect((first["dilution"] as? [String: Any])?["appliedBy"] as? String == "instrument")
        #expect(first["tracks"] is NSNull)
        #expect(json["tracks"] is NSNull && json["rows"] is NSNull)
    }

    @Test("a ZetaView measurement's concentration is the table's times its recorded dilution, applied once",
          .enabled(if: SharedFormats.available, "needs ../shared/formats/zetaview-8.06-ev-size_488.txt or $NTA_SHARED_FORMATS"))
    func zetaView() throws {
        let input = try Analysis.load(file: SharedFormats.url("zetaview-8.06-ev-size_488.txt").path, options: AnalysisOptions())
        let sample = try SampleResult([input], options: AnalysisOptions())
        #expect(abs(sample.size.d50Nm - 163.0) < 1e-6)  // the file's own "Median Number (D50)"
        #expect(abs(sample.concentrationPerMl! / 8.72e10 - 1) < 0.005)
        #expect(sample.videos[0].dilution?.appliedFactor == 1000)
        #expect(sample.videos[0].dilution?.appliedBy == .ntaSize)
    }

    @Test("summaries and trajectories are not pooled together; settings files are refused as measurements")
    func refusals() throws {
        let dir = ScratchDirectory()
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 60
        let files = try SimulationWriter.write(Simulator.run(p), prefix: dir.file("t"))
        let video = try Analysis.load(file: files.trajectories.path, options: AnalysisOptions())
        let summaryFile = dir.file("beads-ExperimentSummary.csv")
        try Data(NanoSightFixture().text().utf8).write(to: summaryFile)
        let summary = try Analysis.load(file: summaryFile.path, options: AnalysisOptions())
        guard case .summary = summary else { Issue.record("the NanoSight fixture was not read as a summary"); return }
        let mixed = #expect(throws: InputError.self) { try SampleResult([video, summary], options: AnalysisOptions()) }
        #expect(mixed?.file == summaryFile.path)
        let nano = dir.file("e.nano")
        try Data("[CaptureSettings]\nPixelSize=140\nFramesPerSecond=25\n[Filenames]\nFile0=a.avi\n".utf8).write(to: nano)
        let e = inputError { try Analysis.load(file: nano.path, options: AnalysisOptions()) }
        #expect(e?.message.contains("settings, not measurements") == true)
        // --format insists on a format.
        let wrong = inputError { try Analysis.load(file: files.trajectories.path, format: .zetaview, options: AnalysisOptions()) }
        #expect(wrong?.message.contains("--format zetaview") == true)
    }

    @Test("NanoSight per-track exports are sized with these settings and counted like tracks")
    func particleData() throws {
        let dir = ScratchDirectory()
        // D for 100 nm at 22 °C in IAPWS water, in nm²/s.
        let d = StokesEinstein.diffusionUm2PerS(diameterNanometers: 100, temperatureCelsius: 22,
                                                 viscosityMillipascalSeconds: ViscosityModel.iapws.viscosityMillipascalSeconds(temperatureCelsius: 22)) * 1e6
        var csv = "Particle ID,Size/nm,Diffusion coefficient/nm^2 s^-1,Ln(Adjusted intensity)/AU,Start frame,Tracklength,Included in distribution?\n"
        csv += "1,100,\(d),10,0,20,True\n2,100,\(d),10,5,4,True\n3,0,-5,10,5,30,False\n"
        let file = dir.file("v_ParticleData.csv")
        try Data(csv.utf8).write(to: file)
        var options = AnalysisOptions()
        options.settings = AcquisitionSettings(frameRateHz: 25, temperatureCelsius: 22)
        guard case .video(let v) = try Analysis.load(file: file.path, options: options) else {
            Issue.record("not analysed as tracks"); return
        }
        #expect(v.tracksUsed == 1 && v.droppedTracks[.tooShort] == 1 && v.droppedTracks[.nonPositiveDiffusion] == 1)
        #expect(abs(v.tracks.diametersNanometers[0] - 100) < 1e-9)
        // NanoSight's own exclusion (track 3) is not applied but said, with what became of it here.
        #expect(v.notes.contains { $0.contains("NanoSight left 1 of the file's 3 tracks out of its own distribution") && $0.hasSuffix("which sized 0 of those 1") }, "\(v.notes)")
        // Marked False but sizeable here: sized, and the note says so.
        let sizedAnyway = csv.replacingOccurrences(of: "1,100,\(d),10,0,20,True", with: "1,100,\(d),10,0,20,False")
        try Data(sizedAnyway.utf8).write(to: file)
        guard case .video(let w) = try Analysis.load(file: file.path, options: options) else {
            Issue.record("not analysed as tracks"); return
        }
        #expect(w.tracksUsed == 1 && w.notes.contains { $0.contains("left 2 of the file's 3 tracks") && $0.hasSuffix("which sized 1 of those 2") }, "\(w.notes)")
    }
}

@Suite("Replicate measurements")
struct ReplicateTests {
    @Test("several summary files: per file and pooled, with mean ± SE across files")
    func replicateFiles() throws {
        let dir = ScratchDirectory()
        var paths: [String] = []
        for (k, videos) in [["a_00", "a_01"], ["b_00", "b_01", "b_02"]].enumerated() {
            var fixture = NanoSightFixture()
            fixture.videos = videos
            let url = dir.file("rep\(k)-ExperimentSummary.csv")
            try Data(fixture.text().utf8).write(to: url)
            paths.append(url.path)
        }
        let inputs = try paths.map { try Analysis.load(file: $0, options: AnalysisOptions()) }
        let sample = try SampleResult(inputs, options: AnalysisOptions())
        #expect(sample.videos.count == 5 && sample.files.count == 2)
        #expect(sample.files.map(\.videoCount) == [2, 3])
        let report = AnalysisReport(sample)
        #expect(report.replicates.count == 5 && report.fileReplicates.count == 2)
        let c = sample.files.map { $0.concentrationPerMl! }
        let mean = (c[0] + c[1]) / 2
        let se = (((c[0] - mean) * (c[0] - mean) + (c[1] - mean) * (c[1] - mean)) / 1).squareRoot() / 2.0.squareRoot()
        #expect(abs(report.fileReplicates.concentrationPerMl.mean! / mean - 1) < 1e-12)
        #expect(abs(report.fileReplicates.concentrationPerMl.standardError! - se) <= 1e-9 * max(se, 1))
        #expect(abs(sample.concentrationPerMl! / mean - 1) < 1e-12)
    }
}

@Suite("NanoSight per-particle exports with their experiment file")
struct NanoSightExportSettingsTests {
    @Test("an AllTracks export takes pixel size, frame rate, temperature and shutter from the .nano beside it")
    func allTracksWithNano() throws {
        let dir = ScratchDirectory()
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 400
        p.concentrationPerMl = 2e9
        p.nanometersPerPixel = 140
        p.frameRateHz = 24.9825
        p.temperatureCelsius = 26.7
        p.exposureMilliseconds = 20
        let video = Simulator.run(p)
        var csv = "Particle ID,Size/nm,Diffusion coefficient/nm^2 s^-1,Frame,X/pixels,Y/pixels,Ln(Adjusted intensity)/AU,Included in distribution?\n"
        for r in 0..<video.table.count {
            csv += "\(video.table.particle[r]),100,4000000,\(video.table.frame[r]),\(video.table.x[r]),\(video.table.y[r]),\(log(video.table.intensity![r])),True\n"
        }
        try Data(csv.utf8).write(to: dir.file("beads 15-43-10_AllTracks.csv"))
        let nano = """
            [Filenames]
            beads 15-43-10.avi
            beads 15-44-24.avi

            [CaptureSettings]
            PixelSize=140,140
            Temperature=26.7,26.8
            Viscosity=0.855745,0.854413
            FramesPerSecond=24.9825,24.9825
            Shutter=20,20

            """
        try Data(nano.utf8).write(to: dir.file("beads.nano"))
        let loaded = try Analysis.load(file: dir.file("beads 15-43-10_AllTracks.csv").path, options: AnalysisOptions())
        guard case .video(let v) = loaded else { Issue.record("not analysed as trajectories"); return }
        #expect(v.settings.nanometersPerPixel?.value == 140 && v.settings.nanometersPerPixel?.source == .file)
        #expect(v.settings.nanometersPerPixel?.detail == "NanoSight experiment file beads.nano")
        #expect(v.settings.frameRateHz.value == 24.9825)
        #expect(v.settings.temperatureCelsius.value == 26.7)
        #expect(v.settings.exposureMilliseconds.value == 20 && v.estimator == .ml)
        // The first video's own viscosity, as NTA recorded it.
        #expect(v.settings.viscosityMillipascalSeconds.value == 0.855745)
        #expect(abs(v.size.d50Nm / 100 - 1) < 0.05)
    }
}
