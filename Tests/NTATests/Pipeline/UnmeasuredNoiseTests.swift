import Foundation
import Testing
@testable import NTA
@testable import NTAReport

/// A σ² that fewer than two tracks measured has no standard error: it is reported as unknown and used nowhere, and
/// each track's noise is fitted with its D (VideoNuisance.isMeasured).
@Suite("Localisation variance the tracks did not measure, or measured from a few")
struct UnmeasuredNoiseTests {
    /// Very dilute bead videos (``simulatedBeads(seed:concentrationPerMl:options:)`` at 5·10⁶/mL), analysed without a
    /// bootstrap by default: (video, truth). Most have 0–3 sized tracks; in about half, fewer than two tracks are long
    /// enough to split into halves.
    static func diluteBeads(seeds: ClosedRange<UInt64>, options: AnalysisOptions = unbootstrapped)
        throws -> [(video: VideoAnalysis, truth: SimulatedVideo)] {
        try seeds.map { try simulatedBeads(seed: $0, concentrationPerMl: 5e6, options: options) }
    }

    static var unbootstrapped: AnalysisOptions {
        var o = AnalysisOptions()
        o.bootstrapReplicates = 0
        return o
    }

    /// Seeds 3001–3040, analysed once for every test here.
    static let videos = Result { try diluteBeads(seeds: 3001...3040) }

    @Test("σ² from one track is unknown: the sizes fit each track's noise, and their intervals hold the truth")
    func oneTrackSigma() throws {
        let all = try Self.videos.get()
        // Sized tracks, and σ² from fewer than two tracks (one track's halves, or none).
        let unmeasured = all.filter { !$0.video.tracks.diametersNanometers.isEmpty && !($0.video.nuisance?.isMeasured ?? false) }
        try #require(unmeasured.count >= 10, "\(unmeasured.count) videos with σ² from fewer than 2 tracks")
        var covered = 0, judged = 0, oneTrack = 0
        for (video, truth) in unmeasured {
            #expect(video.estimator == .mlFree)
            #expect(video.localisationSigmaNanometers == nil)
            // The default one-lag Gamma likelihood cannot fit each track's noise: it took σ² = 0, and says so.
            #expect(video.deconvolved == nil || video.notes.contains { $0.contains("Gamma likelihood takes the video's σ²") })
            if let n = video.nuisance {
                oneTrack += 1
                #expect(n.tracksUsed < VideoNuisance.minimumTracksForStandardError)
                #expect(n.context.localisationVarianceNm2 == nil)
                let report = NuisanceReport(n)
                #expect(report.localisationSigmaNm == nil && report.localisationVarianceNm2 == nil
                        && report.sizingLocalisationVarianceNm2 == nil && report.stepCovarianceNm2 == nil
                        && report.localisationSigmaNmCI == nil)
                #expect(report.blurCoefficient == 0, "the exposure's R (0) stays known")
                #expect(n.note?.hasPrefix("σ² not measured: \(n.tracksUsed) track") == true, "\(n.note ?? "")")
            }
            // Each sized track's 95 % interval from its own fit (D ± 1.96 SE) against its true D.
            let trueD = Dictionary(truth.tracks.map { ($0.trackID, $0.diffusionUm2PerS) }, uniquingKeysWith: { a, _ in a })
            for r in video.trackRecords where r.reason == nil && r.diameterNanometers.isFinite {
                let d = try #require(trueD[r.particleID])
                #expect(r.diffusionStandardErrorUm2PerS.isFinite, "track \(r.particleID) has no standard error")
                judged += 1
                if abs(r.diffusionUm2PerS - d) <= 1.96 * r.diffusionStandardErrorUm2PerS { covered += 1 }
            }
        }
        #expect(oneTrack >= 5, "\(oneTrack) videos whose σ² came from one track")
        // Binomial: intervals covering 95 % reach this many with probability ≥ 0.999. The σ² of one track had left
        // those tracks with no standard error at all (and `simulate … --concentration 2e7 --seed 2002`'s three D of
        // 1.8–4.1 µm²/s, sized with σ ≈ 486 nm, for 4.5).
        try #require(judged >= 15, "\(judged) tracks")
        let floor = BinomialCoverage.threshold(n: judged, nominal: 0.95, power: 0.999)
        #expect(covered >= floor, "\(covered) of \(judged) intervals hold the true D (floor \(floor))")
    }

    @Test("a σ² from enough tracks is still the video's: ml with the pooled σ²")
    func measuredSigmaStillUsed() throws {
        let v = try #require(try Self.videos.get().first { ($0.video.nuisance?.tracksUsed ?? 0) >= 2 })
        let n = try #require(v.video.nuisance)
        #expect(n.isMeasured && n.context.localisationVarianceNm2 != nil)
        #expect(v.video.estimator == .ml)
        #expect(NuisanceReport(n).localisationVarianceNm2 != nil)
    }

    @Test("σ² from a few tracks: its interval takes Student's t for their degrees of freedom")
    func fewTracksSigma() throws {
        // t's 97.5 % quantiles from the tables (1, 5 and 29 degrees of freedom) over z = 1.959964.
        var n = try #require(try Self.videos.get().compactMap(\.video.nuisance).first { $0.isMeasured })
        for (m, t) in [(2, 12.7062), (6, 2.5706), (30, 2.0452)] {
            n.tracksUsed = m
            #expect(abs(n.localisationVarianceSmallSampleFactor - t / 1.959964) < 2e-3 * t, "m = \(m)")
        }
        let few = try #require(try Self.videos.get().compactMap(\.video.nuisance).first { (2...5).contains($0.tracksUsed) })
        let report = NuisanceReport(few)
        let ci = try #require(report.localisationSigmaNmCI), v = few.localisationVarianceNm2
        let se = few.localisationVarianceStandardErrorNm2, factor = few.localisationVarianceSmallSampleFactor
        #expect(factor > 1.5, "\(few.tracksUsed) tracks")
        #expect(abs(ci[1] * ci[1] - (v + 1.959964 * factor * se)) < 1e-6 * (v + 1.959964 * factor * se))
    }

    @Test("the report says σ² was not measured, not that the exposure is unknown; ml asked for by name is told")
    func reportsSayWhy() throws {
        let (video, _) = try #require(try Self.videos.get().first { !($0.video.nuisance?.isMeasured ?? true) })
        let text = TextReport.render(try SampleResult([.video(video)], options: Self.unbootstrapped))
        #expect(text.contains("σ² not measured"))
        #expect(!text.contains("the exposure time is unknown"), "the exposure (0 ms) was recorded")
        #expect(!text.contains("pooled localisation error σ"))
        var forced = Self.unbootstrapped
        forced.estimator = .ml
        let seed = try #require(zip(3001..., try Self.videos.get()).first { $0.1.video.nuisance?.isMeasured == false }?.0)
        let asked = try #require(try Self.diluteBeads(seeds: UInt64(seed)...UInt64(seed), options: forced).first).video
        #expect(asked.estimator == .ml)
        #expect(asked.notes.contains { $0.contains("the per-track estimator ml takes the video's σ², which too few") })
        // Its sizes are ml-free's: the context carried no σ².
        #expect(asked.tracks.diffusionUm2PerS == video.tracks.diffusionUm2PerS)
        forced.estimator = .cvePooled
        let pooled = try #require(try Self.diluteBeads(seeds: UInt64(seed)...UInt64(seed), options: forced).first).video
        forced.estimator = .cve
        let own = try #require(try Self.diluteBeads(seeds: UInt64(seed)...UInt64(seed), options: forced).first).video
        #expect(pooled.notes.contains { $0.contains("cve-pooled takes the video's σ²") && $0.contains("as cve does") })
        #expect(pooled.tracks.diffusionUm2PerS == own.tracks.diffusionUm2PerS)
    }
}
