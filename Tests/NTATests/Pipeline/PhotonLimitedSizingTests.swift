import Foundation
import Testing
@testable import NTA
@testable import NTAPipeline

/// Photon-limited localisation (σ² ∝ 1/brightness, many-fold from track to track): each track is sized with the σ² of
/// its own brightness, not one σ² for all.
@Suite struct PhotonLimitedSizingTests {
    /// 66 nm ×/÷ 1.2 polystyrene, σ = 30 nm·√(`reference`/I) (floor 10 nm), a 10 ms exposure at 30 fps, 1,500 frames,
    /// no detection threshold; analysed with `exposure` given (`nil`: unknown). The analysis and the sample's true
    /// D10, D50, D90.
    static func analysis(sigmaReferenceIntensity reference: Double, exposure: Double?) throws
        -> (video: VideoAnalysis, truth: [Double]) {
        let simulated = Simulator.run(parameters(sigmaReferenceIntensity: reference, frames: 1500, seed: 3))
        let sorted = simulated.particleDiametersNanometers.sorted()
        let truth = [0.1, 0.5, 0.9].map { sorted[Int($0 * Double(sorted.count - 1))] }
        return (try analyzeSimulated(simulated, withheldExposureGiven: exposure, name: "dim"), truth)
    }

    /// 66 nm ×/÷ 1.2 polystyrene, σ = 30 nm·√(`reference`/I) (floor 10 nm), a 10 ms exposure at 30 fps, `frames`
    /// frames, no detection threshold.
    static func parameters(sigmaReferenceIntensity reference: Double, frames: Int, seed: UInt64) -> SimulationParameters {
        var p = SimulationParameters(mixture: SizeMixture([SizeComponent(name: "small", medianNanometers: 66, geometricSD: 1.2)]))
        p.seed = seed
        p.frameCount = frames
        p.exposureMilliseconds = 10
        p.sigmaReferenceIntensity = reference
        p.sigmaFloorNanometers = 10
        return p
    }

    static func quantiles(_ v: VideoAnalysis) throws -> [Double] {
        let s = try #require(v.deconvolved?.summary)
        return [s.d10Nm, s.d50Nm, s.d90Nm]
    }

    // Mean σ 311 nm (20–1,970 nm across localisations). With one σ² for every track the deconvolution read D10/D50/D90
    // 33/73/125 nm (exposure unknown) and 29/75/134 nm (known) for the truth's 53/65/82 nm; with each track's own,
    // 57/69/83 and 57/69/84: the width is the sample's again, the remaining +7 % in D50 a limit the README states
    // (each quantile within 15 % is that statement).
    @Test("photon-limited σ of mean 311 nm, exposure unknown or known: D10, D50 and D90 within 15 % of the truth", arguments: [nil, 10.0])
    func widthRestored(exposure: Double?) throws {
        let (video, truth) = try Self.analysis(sigmaReferenceIntensity: 20_000, exposure: exposure)
        #expect(video.nuisance?.sizingLocalisationVarianceSlopeNm2PerInverseIntensity != nil, "σ² follows the brightness here")
        let q = try Self.quantiles(video)
        for (estimate, true_) in zip(q, truth) {
            #expect(abs(estimate / true_ - 1) < 0.15, "deconvolved \(q) against the truth's \(truth)")
        }
        #expect(!video.warnings.contains { $0.contains("the deconvolution puts") }, "\(video.warnings)")
        #expect(video.notes.contains { $0.contains("own brightness") && $0.contains("D10 and D50 read high") },
                "the bias σ following size leaves is stated: \(video.notes)")
    }

    // Mean σ 696 nm (46–4,400 nm): one σ² put the distribution against the grid's ends (D50 1,983 nm, exposure
    // unknown; 1,980 nm known) for the truth's 64.5 nm; each track's own reads 74.7 and 74.9 nm. Within a factor 1.5
    // is the README's statement of that regime.
    @Test("photon-limited σ of mean 696 nm: D50 within a factor 1.5 of the truth, no pile against the grid's ends", arguments: [nil, 10.0])
    func noPile(exposure: Double?) throws {
        let (video, truth) = try Self.analysis(sigmaReferenceIntensity: 100_000, exposure: exposure)
        let q = try Self.quantiles(video)
        #expect(q[1] / truth[1] < 1.5 && truth[1] / q[1] < 1.5, "D50 \(q[1]) against the truth's \(truth[1])")
        #expect(!video.warnings.contains { $0.contains("the deconvolution puts") }, "\(video.warnings)")
    }

    // 1/I of 1, ¼, ¼, 1 weighted 1, 2, 2, 1: 3/6 = 0.5 (the plain mean, 0.625, over-counts the dim ends); a row without
    // a positive intensity left out (its neighbour inside keeps weight 2): 2.5/4; one row alone: its own; none: NaN.
    @Test("a track's mean 1/I as its steps see it: the ends weigh one step, the rest two")
    func stepWeightedInverseIntensity() {
        #expect(Analysis.stepWeightedInverseIntensity([1, 4, 4, 1], 0..<4) == 0.5)
        #expect(Analysis.stepWeightedInverseIntensity([1, .nan, 4, 1], 0..<4) == 0.625)
        #expect(Analysis.stepWeightedInverseIntensity([9, 1, 4, 4, 1, 9], 1..<5) == 0.5, "only the track's rows")
        #expect(Analysis.stepWeightedInverseIntensity([2], 0..<1) == 0.5)
        #expect(Analysis.stepWeightedInverseIntensity([0, -1], 0..<2).isNaN)
    }

    // σ = 0, 10, …, 100 nm over 11 tracks: the 10th and 90th percentiles (ranks 1 and 9 of 0…10) are 10 and 90 nm; a
    // negative σ² (a bright track below the model's zero) counts as σ = 0; no finite σ²: no note.
    @Test("the note on σ following size gives the spread of the tracks' σ over their middle 80 %")
    func noiseFollowsSizeNote() throws {
        let note = try #require(Analysis.noiseFollowsSizeNote((0...10).map { Double($0 * $0) * 100 }.reversed()))
        #expect(note.contains("σ 10–90 nm over the middle 80 %"), "\(note)")
        let clamped = try #require(Analysis.noiseFollowsSizeNote([-400] + (1...10).map { Double($0 * $0) * 100 }))
        #expect(clamped.contains("σ 10–90 nm"), "\(clamped)")
        #expect(Analysis.noiseFollowsSizeNote([.nan, .infinity]) == nil)
    }
}
