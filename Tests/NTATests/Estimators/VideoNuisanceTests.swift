import Foundation
import Testing
import NTA
@testable import NTAReport

@Suite("Video-level nuisance: σ², blur, drift")
struct VideoNuisanceTests {
    static let dt = 1.0 / 30

    /// A polydisperse set (three D values), full-frame blur, σ = 40 nm.
    static let mixed = EstimatorTestSupport.concatenate([
        Simulator.fixedLengthTracks(count: 300, positions: 30, diffusionUm2PerS: 1.5, frameIntervalSeconds: dt,
                                    sigmaNanometers: 40, exposureFraction: 1, seed: 31),
        Simulator.fixedLengthTracks(count: 300, positions: 30, diffusionUm2PerS: 4.4, frameIntervalSeconds: dt,
                                    sigmaNanometers: 40, exposureFraction: 1, seed: 32),
        Simulator.fixedLengthTracks(count: 300, positions: 30, diffusionUm2PerS: 12, frameIntervalSeconds: dt,
                                    sigmaNanometers: 40, exposureFraction: 1, seed: 33),
    ])

    @Test("Pooled σ² with known exposure is within 4 SE of the truth")
    func pooledSigma() throws {
        let n = try #require(VideoNuisance.estimate(Self.mixed, frameIntervalSeconds: Self.dt,
                                                    exposureMilliseconds: Self.dt * 1000))
        print("pooled σ² = \(n.localisationVarianceNm2) ± \(n.localisationVarianceStandardErrorNm2) nm² (truth 1600)")
        #expect(n.blurSource == .exposure)
        #expect(abs(n.blurCoefficient - 1.0 / 6) < 1e-12)
        #expect(abs(n.localisationVarianceNm2 - 1600) < 4 * n.localisationVarianceStandardErrorNm2)
        #expect(n.localisationVarianceStandardErrorNm2 < 1600, "SE small enough that the test can fail")
    }

    @Test("The pooled σ² standard error matches the spread over independent videos")
    func pooledSigmaCalibrated() {
        var values: [Double] = [], ses: [Double] = []
        for seed in UInt64(0)..<30 {
            let set = Simulator.fixedLengthTracks(count: 150, positions: 25, diffusionUm2PerS: 3, frameIntervalSeconds: Self.dt,
                                                  sigmaNanometers: 50, exposureFraction: 0.5, seed: 500 + seed)
            let n = VideoNuisance.estimate(set, frameIntervalSeconds: Self.dt, exposureMilliseconds: Self.dt * 500)!
            values.append(n.localisationVarianceNm2); ses.append(n.localisationVarianceStandardErrorNm2)
        }
        let mean = values.reduce(0, +) / 30
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 29).squareRoot()
        let meanSE = ses.reduce(0, +) / 30
        print("σ² over 30 videos: mean \(mean) SD \(sd), mean reported SE \(meanSE) (truth 2500)")
        #expect(abs(mean - 2500) < 4 * sd / 30.0.squareRoot())
        // Ratio of SDs from 30 replicates: sampling SD ≈ 1/√(2·29) ≈ 0.13.
        #expect(abs(sd / meanSE - 1) < 4 * 0.13)
    }

    @Test("Blur coefficient estimated from a polydisperse video when the exposure is unknown")
    func estimatedBlur() throws {
        let r = try #require(VideoNuisance.estimateBlurCoefficient(Self.mixed, frameIntervalSeconds: Self.dt))
        print("R̂ = \(r.blurCoefficient) ± \(r.standardError) (truth 1/6), σ̂² = \(r.localisationVarianceNm2)")
        #expect(abs(r.blurCoefficient - 1.0 / 6) < 4 * r.standardError)
        #expect(r.standardError < 0.05, "R is identifiable from this polydisperse set")
        let n = try #require(VideoNuisance.estimate(Self.mixed, frameIntervalSeconds: Self.dt, exposureMilliseconds: nil))
        #expect(n.blurSource == .estimated)
        #expect(abs(n.localisationVarianceNm2 - 1600) < 4 * n.localisationVarianceStandardErrorNm2)
    }

    @Test("The estimated blur coefficient is unbiased and its standard error matches the spread over videos")
    func estimatedBlurCalibrated() throws {
        var values: [Double] = [], ses: [Double] = []
        for seed in UInt64(0)..<30 {
            let set = EstimatorTestSupport.concatenate([1.5, 4.4, 12].enumerated().map { k, d in
                Simulator.fixedLengthTracks(count: 100, positions: 25, diffusionUm2PerS: d, frameIntervalSeconds: Self.dt,
                                            sigmaNanometers: 40, exposureFraction: 0.5, seed: 900 + 3 * seed + UInt64(k))
            })
            let r = try #require(VideoNuisance.estimateBlurCoefficient(set, frameIntervalSeconds: Self.dt))
            values.append(r.blurCoefficient); ses.append(r.standardError)
        }
        let mean = values.reduce(0, +) / 30
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 29).squareRoot()
        let meanSE = ses.reduce(0, +) / 30
        print("R̂ over 30 videos: mean \(mean) SD \(sd), mean reported SE \(meanSE) (truth 1/12)")
        #expect(abs(mean - 1.0 / 12) < 4 * sd / 30.0.squareRoot())
        // Ratio of SDs from 30 replicates: sampling SD ≈ 1/√(2·29) ≈ 0.13.
        #expect(abs(sd / meanSE - 1) < 4 * 0.13)
        #expect(sd < 0.02, "precise enough that the test can fail")
    }

    /// Photon-limited σ (σ² ∝ 1/I): bright, slow particles localise better than dim, fast ones, as in
    /// a real polydisperse sample, and brightness also varies within a size (depth in the light sheet):
    /// two brightnesses per D. Half-frame blur (R = 1/12). Truth: the mean σ² over localisations.
    static func photonLimited(seed: UInt64, intensities: Bool = true) -> (tracks: TrackSet, truthNm2: Double) {
        let groups: [(d: Double, sigma: Double)] = [(0.5, 15), (0.5, 30), (1.5, 25), (1.5, 45), (4.4, 40), (4.4, 70)]
        let count = 600, positions = 30
        var set = EstimatorTestSupport.concatenate(groups.enumerated().map { k, g in
            Simulator.fixedLengthTracks(count: count, positions: positions, diffusionUm2PerS: g.d, frameIntervalSeconds: dt,
                                        sigmaNanometers: g.sigma, exposureFraction: 0.5, seed: seed + UInt64(k))
        })
        if intensities {
            // I = 10⁶/σ²: every row of a group has its group's brightness.
            set.intensity = groups.flatMap { g in [Double](repeating: 1e6 / (g.sigma * g.sigma), count: count * positions) }
        }
        return (set, groups.map { $0.sigma * $0.sigma }.reduce(0, +) / Double(groups.count))
    }

    @Test("Photon-limited σ: with intensities, σ² is the mean over localisations, and R is unbiased")
    func photonLimitedSigma() throws {
        let (set, truth) = Self.photonLimited(seed: 71)
        let told = try #require(VideoNuisance.estimate(set, frameIntervalSeconds: Self.dt,
                                                       exposureMilliseconds: Self.dt * 500))
        print("photon-limited σ² = \(told.localisationVarianceNm2) ± \(told.localisationVarianceStandardErrorNm2) (truth \(truth))")
        #expect(abs(told.localisationVarianceNm2 - truth) < 4 * told.localisationVarianceStandardErrorNm2)
        #expect(told.localisationVarianceStandardErrorNm2 < truth / 4, "precise enough that the test can fail")
        // Without the intensities one σ² is reported: the mean over localisations (each half weighted by its
        // pairs; every track here is long enough to split), within 4 SE of the truth and precise enough to
        // fail. The sizes' σ² is pooled with weights that favour slow (here bright) particles: it falls short
        // of the localisations' mean by more than 3 of its SEs.
        let (plain, _) = Self.photonLimited(seed: 71, intensities: false)
        let constant = try #require(VideoNuisance.estimate(plain, frameIntervalSeconds: Self.dt,
                                                           exposureMilliseconds: Self.dt * 500))
        print("constant-σ² model: \(constant.localisationVarianceNm2) ± \(constant.localisationVarianceStandardErrorNm2), sizes \(constant.sizingLocalisationVarianceNm2) ± \(constant.sizingLocalisationVarianceStandardErrorNm2)")
        #expect(!constant.localisationVarianceFollowsBrightness)
        #expect(abs(constant.localisationVarianceNm2 - truth) < 4 * constant.localisationVarianceStandardErrorNm2)
        #expect(constant.localisationVarianceStandardErrorNm2 < truth / 4, "precise enough that the test can fail")
        #expect(truth - constant.sizingLocalisationVarianceNm2 > 3 * constant.sizingLocalisationVarianceStandardErrorNm2)
        // Told that the file's localisations are on average dimmer than the tracks' (short tracks are), the
        // reported σ² describes them and rises, while the sizes keep the tracks' own σ².
        let tracksMean = VideoNuisance.meanInverseIntensity(set.intensity, 0 ..< set.intensity!.count)
        let dimmer = try #require(VideoNuisance.estimate(set, frameIntervalSeconds: Self.dt, exposureMilliseconds: Self.dt * 500,
                                                         localisationInverseIntensity: 1.5 * tracksMean))
        #expect(dimmer.localisationVarianceNm2 > told.localisationVarianceNm2 + told.localisationVarianceStandardErrorNm2)
        #expect(abs(dimmer.sizingLocalisationVarianceNm2 - told.localisationVarianceNm2) < 1e-9 * truth)
        #expect(told.sizingLocalisationVarianceNm2 == told.localisationVarianceNm2)
        // A few tracks without a positive intensity (a dim particle rounded to 0) are left out of the model;
        // many turn it off (one σ² for the video).
        #expect(told.localisationVarianceFollowsBrightness)
        func zeroed(tracks: Int) throws -> VideoNuisance {
            var copy = set
            for r in 0 ..< tracks * 30 { copy.intensity![r] = 0 }
            return try #require(VideoNuisance.estimate(copy, frameIntervalSeconds: Self.dt, exposureMilliseconds: Self.dt * 500))
        }
        let few = try zeroed(tracks: 100), many = try zeroed(tracks: 400)
        #expect(few.localisationVarianceFollowsBrightness && few.tracksUsed == told.tracksUsed - 100)
        #expect(abs(few.localisationVarianceNm2 - truth) < 4 * few.localisationVarianceStandardErrorNm2)
        #expect(!many.localisationVarianceFollowsBrightness && many.tracksUsed == told.tracksUsed)
        // The exposure not told: R̂ within 4 SE of 1/12 (a σ² that falls with D tilts the covariance line).
        let r = try #require(VideoNuisance.estimateBlurCoefficient(set, frameIntervalSeconds: Self.dt))
        print("photon-limited R̂ = \(r.blurCoefficient) ± \(r.standardError) (truth 1/12)")
        #expect(abs(r.blurCoefficient - 1.0 / 12) < 4 * r.standardError)
        #expect(r.standardError < 0.03)
    }

    @Test("Photon-limited σ varying along each track (dim ends, as at a light sheet's wings): σ² is the localisations' mean")
    func dimTrackEnds() throws {
        // 12,000 tracks of 30 positions, D = 0.05 µm²/s, instantaneous exposure. Brightness rises from the
        // ends to the middle (I ∝ 0.15 + 0.85·sin(π(k + ½)/30)) and varies across tracks (lognormal, SD 0.5);
        // σ² = 400·I_ref/I per localisation. A half's c measures the σ² of its pairs' shared localisations,
        // brighter than the half's ends: ũ over the half's plain mean put σ² 8–10 % low (BENCHMARKS.md).
        let tracks = 12_000, positions = 30, stepVariance = 2 * 5e4 * Self.dt
        var rng = SeededGenerator(seed: 91)
        var ids: [Int64] = [], offsets = [0], frames: [Int32] = [], xs: [Double] = [], ys: [Double] = []
        var intensity: [Double] = [], varianceSum = 0.0
        for t in 0..<tracks {
            let brightness = 1000 * exp(0.5 * rng.nextGaussian())
            var x = 0.0, y = 0.0
            for k in 0..<positions {
                let i = brightness * (0.15 + 0.85 * sin(Double.pi * (Double(k) + 0.5) / Double(positions)))
                let variance = 400 * 1000 / i
                varianceSum += variance
                xs.append(x + variance.squareRoot() * rng.nextGaussian())
                ys.append(y + variance.squareRoot() * rng.nextGaussian())
                frames.append(Int32(k)); intensity.append(i)
                x += stepVariance.squareRoot() * rng.nextGaussian(); y += stepVariance.squareRoot() * rng.nextGaussian()
            }
            ids.append(Int64(t)); offsets.append(frames.count)
        }
        let truth = varianceSum / Double(tracks * positions)
        let set = TrackSet(particleIDs: ids, offsets: offsets, frame: frames, xNanometers: xs, yNanometers: ys,
                           intensity: intensity)
        let n = try #require(VideoNuisance.estimate(set, frameIntervalSeconds: Self.dt, exposureMilliseconds: 0))
        print("dim ends: σ² = \(n.localisationVarianceNm2) ± \(n.localisationVarianceStandardErrorNm2) (truth \(truth))")
        #expect(n.localisationVarianceFollowsBrightness)
        #expect(abs(n.localisationVarianceNm2 - truth) < 3 * n.localisationVarianceStandardErrorNm2)
        #expect(n.localisationVarianceStandardErrorNm2 < 0.03 * truth, "precise enough to see an 8 % bias")
    }

    @Test("the JSON names the σ² model and the σ² the sizes used (schema 4)")
    func reportedModel() throws {
        let (set, _) = Self.photonLimited(seed: 72)
        let tracksMean = VideoNuisance.meanInverseIntensity(set.intensity, 0 ..< set.intensity!.count)
        let photon = try #require(VideoNuisance.estimate(set, frameIntervalSeconds: Self.dt, exposureMilliseconds: Self.dt * 500,
                                                         localisationInverseIntensity: 1.5 * tracksMean))
        let report = NuisanceReport(photon)
        #expect(report.localisationVarianceModel == "photonLimited")
        // The file's localisations are dimmer than the tracks': the two σ² differ, and each is reported.
        let reported = try #require(report.localisationVarianceNm2), sizing = try #require(report.sizingLocalisationVarianceNm2)
        #expect(photon.sizingLocalisationVarianceNm2 > 0, "a positive σ² here: the clamp at 0 plays no part")
        #expect(sizing == photon.sizingLocalisationVarianceNm2 && reported == photon.localisationVarianceNm2)
        #expect(reported > sizing + photon.localisationVarianceStandardErrorNm2)
        let (plain, _) = Self.photonLimited(seed: 72, intensities: false)
        let constant = try #require(VideoNuisance.estimate(plain, frameIntervalSeconds: Self.dt, exposureMilliseconds: Self.dt * 500))
        let plainReport = NuisanceReport(constant)
        #expect(plainReport.localisationVarianceModel == "constant")
        // One σ² without intensities: reported as the localisations' mean; the sizes' weighted mean, in which
        // the slow, bright (well-localised) tracks count more, is smaller, and reported beside it.
        let plainReported = try #require(plainReport.localisationVarianceNm2)
        let plainSizing = try #require(plainReport.sizingLocalisationVarianceNm2)
        #expect(plainReported == constant.localisationVarianceNm2 && plainSizing == constant.sizingLocalisationVarianceNm2)
        #expect(plainReported > plainSizing + constant.sizingLocalisationVarianceStandardErrorNm2)
        let json = try #require(String(data: try JSONEncoder().encode(report), encoding: .utf8))
        #expect(json.contains("\"localisationVarianceModel\":\"photonLimited\""))
        #expect(json.contains("\"sizingLocalisationVarianceNm2\":"))
    }

    @Test("the mean 1/I over localisations: the same for any row order, and no trap on extreme intensities")
    func meanInverseIntensity() {
        var rng = SeededGenerator(seed: 5)
        let values = (0..<10_000).map { _ in Double.random(in: 1...1e6, using: &rng) }
        let forward = VideoNuisance.meanInverseIntensity(values, 0 ..< values.count)
        #expect(forward == VideoNuisance.meanInverseIntensity(Array(values.reversed()), 0 ..< values.count))
        let direct = values.reduce(0) { $0 + 1 / $1 } / Double(values.count)
        #expect(abs(forward / direct - 1) < 1e-9)
        #expect(VideoNuisance.meanInverseIntensity([1e-320, 5], 0 ..< 2).isNaN, "1/I overflows: no mean, no trap")
        #expect(VideoNuisance.meanInverseIntensity([0, -1, .nan], 0 ..< 3).isNaN)
        #expect(VideoNuisance.meanInverseIntensity(nil, 0 ..< 0).isNaN)
        #expect(abs(VideoNuisance.meanInverseIntensity([.greatestFiniteMagnitude, 2], 0 ..< 2) - 0.25) < 1e-12)
    }

    @Test("Drift recovered from a simulated video, with a calibrated uncertainty; correction restores D")
    func drift() throws {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.seed = 77
        p.frameCount = 300
        p.concentrationPerMl = 2e9
        p.driftNanometersPerFrame = [50, -30]
        p.localisationSigmaNanometers = 30
        let video = Simulator.run(p)
        let grouped = TrackGrouping.group(video.table, nanometersPerPixel: p.nanometersPerPixel, minTrackLength: 5)
        let tracks = grouped.tracks
        for smoothing in [1, 15] {
            let drift = DriftEstimate.estimate(tracks, smoothingFrames: smoothing)
            let last = drift.frameCount - 1
            let se = drift.varianceNm2[last].squareRoot()
            let truthX = 50.0 * Double(last), truthY = -30.0 * Double(last)
            print("drift w=\(smoothing): (\(drift.xNanometers[last]), \(drift.yNanometers[last])) ± \(se) nm vs (\(truthX), \(truthY))")
            #expect(abs(drift.xNanometers[last] - truthX) < 4 * se)
            #expect(abs(drift.yNanometers[last] - truthY) < 4 * se)
            #expect(se < 0.1 * abs(truthX), "the drift is resolved")
            let v = drift.meanVelocityNanometersPerFrame
            #expect(abs(v.x - 50) < 4 * v.standardError)
        }
        // After correction (w = 15), the pooled CVE D̂ matches that of the same video simulated without
        // drift (the simulator loses fast-moving particles at the field's edges, so both are compared
        // with each other rather than with the nominal D): within 4 SE of their difference.
        let corrected = tracks.subtractingDrift(DriftEstimate.estimate(tracks, smoothingFrames: 15))
        var still = p
        still.driftNanometersPerFrame = [0, 0]
        let reference = TrackGrouping.group(Simulator.run(still).table, nanometersPerPixel: p.nanometersPerPixel,
                                            minTrackLength: 5).tracks
        let context = EstimationContext(frameIntervalSeconds: p.frameIntervalSeconds)
        func pooled(_ set: TrackSet) -> StepMoments {
            var m = StepMoments()
            for t in 0..<set.trackCount { set.withSample(of: t) { m.add(StepMoments($0)) } }
            return m
        }
        let dRaw = CVEEstimator().estimate(pooled(tracks), context: context)!
        let dFixed = CVEEstimator().estimate(pooled(corrected), context: context)!
        let dStill = CVEEstimator().estimate(pooled(reference), context: context)!
        print("pooled CVE D: raw \(dRaw.diffusionUm2PerS), corrected \(dFixed.diffusionUm2PerS) ± \(dFixed.standardErrorUm2PerS), no-drift video \(dStill.diffusionUm2PerS), nominal \(video.tracks[0].diffusionUm2PerS)")
        let seDifference = (dFixed.varianceUm4PerS2 + dStill.varianceUm4PerS2).squareRoot()
        #expect(abs(dFixed.diffusionUm2PerS - dStill.diffusionUm2PerS) < 4 * seDifference)
    }

    @Test("Drift standard error is calibrated over 12 independent videos")
    func driftCalibration() {
        var zs: [Double] = []
        for seed in UInt64(1)...12 {
            var p = SimulationParameters(mixture: .monodisperse(100))
            p.seed = seed
            p.frameCount = 300
            p.concentrationPerMl = 2e9
            p.driftNanometersPerFrame = [50, -30]
            let video = Simulator.run(p)
            let tracks = TrackGrouping.group(video.table, nanometersPerPixel: p.nanometersPerPixel, minTrackLength: 5).tracks
            let d = DriftEstimate.estimate(tracks, smoothingFrames: 1)
            let last = d.frameCount - 1, se = d.varianceNm2[last].squareRoot()
            zs.append((d.xNanometers[last] - 50 * Double(last)) / se)
            zs.append((d.yNanometers[last] + 30 * Double(last)) / se)
        }
        let n = Double(zs.count)
        let mean = zs.reduce(0, +) / n
        let sd = (zs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
        print("drift z-scores over 12 videos: mean \(mean) SD \(sd)")
        #expect(abs(mean) < 4 / n.squareRoot())
        #expect(abs(sd - 1) < 4 / (2 * (n - 1)).squareRoot())
    }

    @Test("Blur is weakly identifiable: a monodisperse video leaves R undetermined (large SE)")
    func blurWeakForMonodisperse() throws {
        let mono = Simulator.fixedLengthTracks(count: 900, positions: 30, diffusionUm2PerS: 4.4, frameIntervalSeconds: Self.dt,
                                               sigmaNanometers: 40, exposureFraction: 1, seed: 34)
        let r = try #require(VideoNuisance.estimateBlurCoefficient(mono, frameIntervalSeconds: Self.dt))
        let mixed = try #require(VideoNuisance.estimateBlurCoefficient(Self.mixed, frameIntervalSeconds: Self.dt))
        print("monodisperse R̂ = \(r.blurCoefficient) ± \(r.standardError); polydisperse ± \(mixed.standardError)")
        // With one D the instrument only carries sampling noise: SE far above the polydisperse one.
        #expect(r.standardError > 5 * mixed.standardError)
    }

    @Test("Optimal-lag MSD with a fixed lag count is unbiased at low SNR")
    func fixedLag() {
        let noisy = Simulator.fixedLengthTracks(count: 1200, positions: 40, diffusionUm2PerS: 0.5, frameIntervalSeconds: Self.dt,
                                                sigmaNanometers: 150, exposureFraction: 0, seed: 202)
        let s = EstimateSummary(EstimatorTestSupport.estimates(OptimalLagMSDEstimator(fixedLagCount: 3), noisy,
                                                               EstimationContext(frameIntervalSeconds: Self.dt)))
        print("msd p=3 noisy: \(s)")
        #expect(abs(s.zScore(truth: 0.5)) < 4)
        #expect(abs(s.varianceRatio - 1) < 4 * s.varianceRatioSD)
    }
}
