import Foundation
import Testing
import NTA

/// The fast subset of issue 8's robustness matrix (Benchmarks/Sources/RobustnessMatrix):
/// small videos with every instrument-realism feature on, analysed by the built `nta-size
/// analyze` in a child process (so a trap fails this test instead of ending the suite),
/// with the default pipeline and no bootstrap.
@Suite("Robustness matrix, fast subset (realistic instrument, default pipeline)")
struct RobustnessFastTests {
    struct Outcome {
        var d50: Double?
        var fraction: Double?
        var truth: ScoringTruth
        /// Σ steps (localisations − 1) over the tracks of ≥ 10 localisations the analysis sizes.
        var steps: Int
        var tracksUsed: Int
    }

    /// Simulates, writes the trackpy CSV + sidecar (without the exposure when `exposureTold` is
    /// false), and runs `nta-size analyze --bootstrap 0 --output json` on it.
    static func analyse(_ p: SimulationParameters, exposureTold: Bool) throws -> Outcome {
        let dir = ScratchDirectory()
        let video = Simulator.run(p)
        let files = try SimulationWriter.write(video, prefix: dir.file("v"))
        if !exposureTold {
            var settings = p.acquisitionSettings
            settings.exposureMilliseconds = nil
            try SettingsSidecar.write(settings, for: files.trajectories)
        }
        let r = try CommandLine_.run(["analyze", files.trajectories.path, "--bootstrap", "0", "--output", "json"])
        #expect(r.status == 0, "nta-size analyze exited \(r.status) (a status ≥ 4 without output is a trap): \(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let size = object["size"] as? [String: Any], window = object["window"] as? [String: Any]
        let tracks = object["tracks"] as? [String: Any]
        var lengths: [Int64: Int] = [:]
        for id in video.table.particle { lengths[id, default: 0] += 1 }
        let steps = lengths.values.filter { $0 >= 10 }.reduce(0) { $0 + $1 - 1 }
        return Outcome(d50: (size?["d50Nm"] as? NSNumber)?.doubleValue, fraction: (window?["fraction"] as? NSNumber)?.doubleValue,
                       truth: ScoringTruth(video), steps: steps, tracksUsed: tracks?["used"] as? Int ?? 0)
    }

    /// d50 tolerance. For a monodisperse sample the deconvolved d50 is, up to the grid, the
    /// common D fitted to all steps, and d ∝ 1/D, so rel. SE(d50) = rel. SE(D̂). The pooled
    /// one-lag estimate (an upper bound for the ML's) has var(D̂)/D² = (1 + ε)²/ΣK for ΣK 2D steps
    /// without noise correlation (each |Δr|² is exponential, mean 4DΔt(1 + ε), ε = σ²/(DΔt)),
    /// and the adjacent-step covariance −σ² at most doubles it: rel. SE ≤ √2·(1 + ε)/√ΣK.
    /// Tolerance: the 2 % allowance for systematic error + 3 SE.
    static func d50Tolerance(_ o: Outcome, diameterNanometers d: Double, p: SimulationParameters) -> Double {
        let dUm2 = StokesEinstein.diffusionUm2PerS(diameterNanometers: d, temperatureCelsius: p.temperatureCelsius,
                                                   viscosityMillipascalSeconds: p.effectiveViscosity)
        let epsilon = o.truth.localisationVarianceNm2 / (dUm2 * 1e6 * p.frameIntervalSeconds)
        return 0.02 + 3 * 2.0.squareRoot() * (1 + epsilon) / Double(max(o.steps, 1)).squareRoot()
    }

    static func mono100() -> SimulationParameters {
        var p = SimulationParameters.instrumentLike(
            .monodisperse(100), seed: 41, referenceDiameterNanometers: 100, referenceRefractiveIndex: 1.59,
            framesPerCapture: 100, captures: 2, concentrationPerMl: 6e9)
        p.exposureMilliseconds = 10
        p.driftNanometersPerFrame = [30, -10]
        return p
    }

    @Test("100 nm beads, exposure told: no trap, d50 within 2 % + 3 SE")
    func monodisperseExposureTold() throws {
        let p = Self.mono100()
        let o = try Self.analyse(p, exposureTold: true)
        #expect(o.tracksUsed >= 800)
        let d50 = try #require(o.d50)
        let truth = try #require(o.truth.frameWeightedD50Nanometers)
        let tolerance = Self.d50Tolerance(o, diameterNanometers: 100, p: p)
        #expect(abs(d50 / truth - 1) <= tolerance, "d50 \(d50) vs \(truth), tolerance \(tolerance)")
    }

    /// With the exposure not told, R of a monodisperse sample is not identifiable (SCIENCE.md §2);
    /// before `main`'s issue-8 fix it was estimated anyway, trapped at its clamp 0.25 on some
    /// videos and gave d50 +13 % on this one.
    @Test("100 nm beads, exposure not told: no trap, d50 within 2 % + 3 SE")
    func monodisperseExposureNotTold() throws {
        let p = Self.mono100()
        let o = try Self.analyse(p, exposureTold: false)
        let d50 = try #require(o.d50)
        let truth = try #require(o.truth.frameWeightedD50Nanometers)
        let tolerance = Self.d50Tolerance(o, diameterNanometers: 100, p: p)
        #expect(abs(d50 / truth - 1) <= tolerance, "d50 \(d50) vs \(truth), tolerance \(tolerance)")
    }

    /// Fraction tolerance: the 0.03 + 3 binomial SEs √(f(1 − f)/N) with N the sized tracks
    /// (each track one draw of the size distribution; the deconvolution cannot know the
    /// fraction better than the tracks it is given).
    @Test("EV-like mixture, sensitive camera, exposure told: no trap, 30–150 nm fraction within 0.03 + 3 binomial SE")
    func mixtureFraction() throws {
        let p = SimulationParameters.instrumentLike(
            .evLike, seed: 43, referenceDiameterNanometers: 40, referenceRefractiveIndex: 1.39, thresholdFraction: 0.5,
            framesPerCapture: 100, captures: 2, concentrationPerMl: 8e9)
        let o = try Self.analyse(p, exposureTold: true)
        #expect(o.tracksUsed >= 1000)
        let f = try #require(o.fraction)
        let truth = try #require(o.truth.frameWeightedWindowFraction)
        let tolerance = 0.03 + 3 * (truth * (1 - truth) / Double(max(o.tracksUsed, 1))).squareRoot()
        // Through a Gaussian sheet with a threshold the detected depth grows with brightness (∝ d⁶·K(m)²).
        // On these 100-frame captures the video's ends truncate the long visits of bright particles, which
        // hides the trend from the track lengths (the fraction read 0.656 vs 0.748 while only they could
        // switch the intensity depths on); the tracks seen whole show the threshold in their intensities
        // (DetectionDepth.ThresholdSignature), which switches them on here.
        #expect(abs(f - truth) <= tolerance, "fraction \(f) vs \(truth), tolerance \(tolerance)")
    }
}
