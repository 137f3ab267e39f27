import Foundation
import Testing
import NTA  // not @testable: the article uses only public API

/// The code of the DocC article `GettingStarted.md` (Sources/NTA/NTA.docc), compiled and run: if the
/// public API it shows changes, this test stops compiling. Keep the two in step; only the file path differs.
@Suite("The getting-started article's code")
struct GettingStartedTests {
    @Test("analyse a file, read the result, validate with the simulator")
    func article() throws {
        let dir = ScratchDirectory()

        // --- Validate with the simulator: 100 nm beads, written as a tracker would export them.
        var parameters = SimulationParameters(mixture: .monodisperse(100))
        parameters.seed = 7
        parameters.frameCount = 200
        let video = Simulator.run(parameters)
        let written = try SimulationWriter.write(video, prefix: dir.file("beads"))
        let truth = SampleTruth(video)

        // --- Analyse a file (the article's "beads.csv").
        let file = written.trajectories.path
        var options = AnalysisOptions()
        options.settings = AcquisitionSettings(frameRateHz: 30, nanometersPerPixel: 160, temperatureCelsius: 22)
        options.bootstrapReplicates = 20
        let result = try analyze(file: file, options: options)

        // --- Read the result.
        print("d50 \(result.size.d50Nm) nm from \(result.tracks.used) of \(result.tracks.read) tracks")
        if let b = result.bootstrap {
            print("\(100 * b.level) % interval \(b.d50Nm.lower)–\(b.d50Nm.upper) nm")
        }
        print("in \(result.options.window.minNm)–\(result.options.window.maxNm) nm: \(result.windowFraction)")
        let settings = try #require(result.videos.first?.analysis?.settings)
        print("temperature \(settings.temperatureCelsius.value) °C from \(settings.temperatureCelsius.source)")
        let json = try AnalysisReport(result).jsonData()
        let text = TextReport.render(result)

        // --- Compare with the truth.
        let error = result.size.d50Nm / truth.size.d50Nm - 1
        print("d50 \(result.size.d50Nm) nm, true \(truth.size.d50Nm) nm: \(100 * error) %")

        // What the article claims, checked.
        // Monodisperse (geometric SD 1): every particle is 100 nm; the truth's d50 is read from 1-nm bins.
        #expect(abs(truth.size.d50Nm - 100) <= 0.5)
        #expect(settings.temperatureCelsius.source == .flag)
        #expect(result.tracks.used > 150)
        // Per-track relative SD ≈ 1/√K with K ≥ 9 steps (≤ 0.33); over > 150 tracks the median's relative standard
        // error is ≲ 1.25 × 0.33 / √150 ≈ 3.4 %: 10 % is ≈ 3 standard errors, and within the NTA standards'
        // expanded uncertainty (10–12 %, Kestens 2017).
        #expect(abs(error) < 0.10)
        let b = try #require(result.bootstrap)
        #expect(b.level == 0.95)
        // The interval's scale is honest: the truth lies within 4 bootstrap SEs of the estimate, plus the
        // deconvolution's documented +0.5…+1.1 % d50 bias (BENCHMARKS.md, "Bootstrap coverage"). With s from 20
        // replicates, (d̂ − d)/s ~ t₁₉ and P(|t₁₉| > 4) = 0.0008: a correct SE fails this once in ~1,300 seeds.
        #expect(abs(result.size.d50Nm - truth.size.d50Nm) <= 4 * b.d50Nm.standardError + 0.011 * truth.size.d50Nm,
                "d50 \(result.size.d50Nm) vs \(truth.size.d50Nm), bootstrap SE \(b.d50Nm.standardError)")
        #expect(result.windowFraction > 0.9)  // 100 nm lies well inside 30–150 nm
        #expect(!json.isEmpty && text.contains("D50"))
    }
}
