import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline
@testable import NTAReport

/// A deconvolution whose likelihood model does not describe the tracks (the tail-pile warning) gives no figures: its
/// D10/D50/D90, mode, window fraction, intervals and components are reported as unknown, and the track histogram
/// beside them keeps the tracks' own sizes.
@Suite struct DeconvolutionMisfitTests {
    /// 66 nm ×/÷ 1.2 (truth D10/D50/D90 ≈ 53/65/82 nm), photon-limited σ = 30 nm·√(200,000/I) (floor 10 nm, mean
    /// ≈ 500 nm) over 300 frames, its intensities left out (as a tracker exporting positions only writes it), so every
    /// track shares one σ²: the deconvolution piles tracks against both ends of its grid (the CLI on such a file read
    /// D10 9.8, D50 36.5, D90 2,006 nm before these figures were withheld). With `nanoliters`, a detection volume.
    static func sample(nanoliters: Double? = nil) throws -> SampleResult {
        var simulated = Simulator.run(PhotonLimitedSizingTests.parameters(sigmaReferenceIntensity: 200_000, frames: 300, seed: 1))
        simulated.table.intensity = nil
        var options = AnalysisOptions()
        options.bootstrapReplicates = 20
        if let nanoliters { options.detectionVolume = try DetectionVolume(nanoliters: nanoliters) }
        let video = try analyzeSimulated(simulated, name: "positions-only", options: options)
        return try SampleResult([.video(video)], options: options)
    }

    @Test("a deconvolution piled against its grid's ends: its figures and intervals null in the JSON, the histogram's kept, the warning and a note say why")
    func misfitFiguresUnknown() throws {
        let sample = try Self.sample()
        let video = try #require(sample.videos.first?.analysis)
        let warning = try #require(video.deconvolutionMisfit)
        #expect(warning.contains("the deconvolution puts") && warning.contains("reported as unknown"), "\(warning)")
        #expect(video.warnings.contains(warning))
        // What the deconvolution itself found stays in the library's result, far from the truth at both ends.
        let fitted = try #require(video.deconvolved?.summary)
        #expect(fitted.d10Nm < 53 / 2 && fitted.d90Nm > 82 * 2, "the misfit this fixture is for: \(fitted)")
        #expect(video.deconvolved?.bootstrap != nil, "the bootstrap ran; its intervals are what is withheld")

        let json = try JSONSerialization.jsonObject(with: AnalysisReport(sample).jsonData()) as? [String: Any]
        let size = try #require(json?["size"] as? [String: Any])
        for key in ["meanNm", "modeNm", "sdNm", "d10Nm", "d50Nm", "d90Nm", "d10NmCI", "d50NmCI", "d90NmCI", "modeNmCI",
                    "geometricSD", "geometricSDCI"] {
            #expect(size[key] is NSNull, "size.\(key) = \(String(describing: size[key]))")
        }
        let window = try #require(json?["window"] as? [String: Any])
        #expect(window["fraction"] is NSNull && window["fractionCI"] is NSNull)
        #expect(json?["components"] is NSNull)
        let videoJSON = try #require((json?["videos"] as? [[String: Any]])?.first)
        let videoSize = try #require(videoJSON["size"] as? [String: Any])
        #expect(videoSize["d50Nm"] is NSNull && videoSize["d50NmCI"] is NSNull && videoSize["geometricSD"] is NSNull)
        #expect((videoJSON["window"] as? [String: Any])?["fraction"] is NSNull)
        // The tracks' own sizes stay reported: a measurement of the tracks, broadened (and here biased) by their noise.
        let histogram = try #require((json?["histogram"] as? [String: Any])?["size"] as? [String: Any])
        for key in ["d10Nm", "d50Nm", "d90Nm"] { #expect(histogram[key] is Double, "histogram.size.\(key)") }
        #expect(sample.notes.contains { $0.contains("are unknown") && $0.contains("does not describe its tracks") },
                "\(sample.notes)")

        let text = TextReport.render(sample)
        #expect(text.contains("D10 n/a, D50 n/a, D90 n/a"), "\(text)")
        #expect(text.contains("unknown: the deconvolution's likelihood model does not describe these tracks"))
        #expect(!text.contains("% intervals ("), "no interval of a figure not given")
        let html = HTMLReport.render(sample)
        #expect(html.contains("not a measurement") && !html.contains("Blue: the sample's number distribution"))
        #expect(!html.contains("D10, D50, D90</text>"), "no legend entry for lines not drawn")
    }

    @Test("with a detection volume, the count's size fractions come from the tracks' own sizes, as for a histogram")
    func misfitPopulationsFromOwnSizes() throws {
        let sample = try Self.sample(nanoliters: 0.04)
        #expect(sample.deconvolvedFiguresUnsupported)
        let decomposition = try #require(sample.populations.decomposition)
        #expect(decomposition.fractionSource == "frameWeightedTracks")
        #expect(decomposition.inWindow.fraction > 0.5 && decomposition.inWindow.fraction <= 1,
                "most of a 66 nm sample's tracks lie in 30–150 nm: \(decomposition.inWindow.fraction)")
        #expect(sample.notes.contains { $0.contains("raw per-track sizes") }, "\(sample.notes)")
    }

    // Fewer than 6 tracks: no 95 % interval exists even for their median, and the deconvolution rests on its smoothing
    // (a 3-track video of 100 nm beads read D50 309 nm so, its track histogram's D10/D50/D90 110/174/258 nm). Pooled with a
    // video of enough tracks, the sum stands on them.
    @Test("a deconvolution of fewer than 6 tracks: its figures unknown, with a note; pooled with enough tracks, the sum's figures known")
    func tooFewTracks() throws {
        var few: VideoAnalysis?, enough: VideoAnalysis?
        for seed: UInt64 in 2001...2040 where few == nil || enough == nil {
            let v = try LocationBootstrapTests.beads(seed: seed, concentrationPerMl: 2e7)
            let n = v.deconvolved?.deconvolution.trackCount ?? 0
            if n > 0, n < 6, few == nil { few = v } else if n >= 12, enough == nil { enough = v }
        }
        let small = try #require(few), large = try #require(enough)
        #expect(small.deconvolvedTracksTooFew && small.deconvolvedFiguresUnsupported && small.deconvolutionMisfit == nil)
        #expect(small.size.d50Nm.isNaN && small.windowFraction.isNaN && small.histogramSize.d50Nm.isFinite)
        #expect(small.notes.contains { $0.contains("cannot support the deconvolved figures") }, "\(small.notes)")
        // Nor is the unknown distribution's width or its intervals warned of (seed 2002's width had been).
        #expect(small.warnings.allSatisfy { !$0.contains("do not resolve this sample's width") && !$0.contains("bootstrap interval") },
                "\(small.warnings)")
        let options = AnalysisOptions()
        let alone = try SampleResult([.video(small)], options: options)
        #expect(alone.deconvolvedFiguresUnsupported && alone.size.d50Nm.isNaN && alone.windowFraction.isNaN)
        #expect(TextReport.render(alone).contains("unknown: \(small.deconvolved!.deconvolution.trackCount) tracks cannot support"))
        let pooled = try SampleResult([.video(small), .video(large)], options: options)
        #expect(!pooled.deconvolvedFiguresUnsupported && pooled.size.d50Nm.isFinite && pooled.windowFraction.isFinite)
        #expect(large.size.d50Nm.isFinite)
    }

    @Test("a deconvolution that describes its tracks keeps its figures")
    func fittingDeconvolutionKeepsFigures() throws {
        var p = SimulationParameters(mixture: SizeMixture([SizeComponent(name: "small", medianNanometers: 66, geometricSD: 1.2)]))
        p.seed = 1
        p.frameCount = 300
        var options = AnalysisOptions()
        options.bootstrapReplicates = 0
        let video = try analyzeSimulated(Simulator.run(p), options: options)
        #expect(video.deconvolutionMisfit == nil)
        #expect(video.size.d50Nm.isFinite && video.windowFraction.isFinite)
        #expect(!(try SampleResult([.video(video)], options: options)).deconvolvedFiguresUnsupported)
    }
}
