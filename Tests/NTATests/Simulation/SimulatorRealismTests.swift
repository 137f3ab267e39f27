import Foundation
import Testing
import NTA

/// The simulator's instrument-realism features (issue 8) against theory.
@Suite("Simulator realism: Gaussian sheet, threshold, photon-limited σ, captures")
struct SimulatorRealismTests {
    /// Standard normal CDF.
    static func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    @Test("one capture, whatever its numbering, is the original model draw for draw")
    func singleCaptureUnchanged() {
        var p = SimulationParameters(mixture: .evLike)
        p.frameCount = 60
        p.seed = 11
        let base = Simulator.run(p)
        p.captureCount = 1
        p.captureFrameNumbering = .continuing
        let same = Simulator.run(p)
        #expect(same.table.particle == base.table.particle && same.table.frame == base.table.frame)
        #expect(same.table.x == base.table.x && same.table.y == base.table.y && same.table.intensity == base.table.intensity)
        #expect(same.tracks == base.tracks)
        #expect(!p.usesRealismFeatures)
        #expect(SampleTruth(base).scoring == nil)
        #expect(base.localisationSigmaPerRowNanometers == nil)
    }

    @Test("captures: ids unique, no track spans two captures, frames restart or continue")
    func captureNumbering() throws {
        var p = SimulationParameters(mixture: .monodisperse(100))
        p.frameCount = 40
        p.captureCount = 3
        p.concentrationPerMl = 2e9
        p.seed = 5
        p.memoryFrames = 2
        let restart = Simulator.run(p)
        p.captureFrameNumbering = .continuing
        let continuing = Simulator.run(p)
        // Same draws; only the frame column differs.
        #expect(restart.table.x == continuing.table.x && restart.table.particle == continuing.table.particle)
        #expect(Set(restart.tracks.map(\.capture)) == [0, 1, 2])
        let captureOf = Dictionary(uniqueKeysWithValues: restart.tracks.map { ($0.trackID, $0.capture) })
        #expect(captureOf.count == restart.tracks.count) // track ids unique across captures
        for r in 0..<restart.table.count {
            let c = try #require(captureOf[restart.table.particle[r]])
            #expect((0..<40).contains(restart.table.frame[r]))
            #expect(continuing.table.frame[r] == restart.table.frame[r] + Int32(40 * c))
        }
        #expect(restart.particlesInViewPerFrame.count == 120)
        // A track's frames lie in one capture: with continuing numbering, ⌊frame/40⌋ is constant per track.
        var seen: [Int64: Int32] = [:]
        for r in 0..<continuing.table.count {
            let block = continuing.table.frame[r] / 40
            if let b = seen[continuing.table.particle[r]] { #expect(b == block) } else { seen[continuing.table.particle[r]] = block }
        }
    }

    /// Expected detections per frame through a Gaussian sheet with a threshold. A particle
    /// at depth u·w from the centre has mean intensity I₀·exp(−2u²) and is detected when
    /// I₀·exp(−2u²)·exp(0.1ε) ≥ T, ε ~ N(0, 1): P(u) = Φ((ln(I₀/T) − 2u²)/0.1). Positions are
    /// uniform in the box (stationary), so E[detections per frame] = n·(field area/box area)·
    /// (1/box depth)·∫P dz. The count over frames is a sum over independent particles, so its
    /// SE is √n × the SD of one particle's detections; the tolerance is 4 SE.
    @Test("Gaussian sheet: detections per frame per size match ∫Φ((ln(I₀/T) − 2z²/w²)/0.1) dz")
    func gaussianSheetDetections() {
        var p = SimulationParameters(mixture: SizeMixture([
            SizeComponent(name: "small", weight: 1, medianNanometers: 100),
            SizeComponent(name: "large", weight: 1, medianNanometers: 200),
        ]))
        p.seed = 21
        p.frameCount = 300
        p.concentrationPerMl = 1e10
        p.sheetWaistMicrometers = 2.5
        let peak100 = Simulator.peakIntensity(diameterNanometers: 100, refractiveIndex: 1.59, mediumRefractiveIndex: 1.333)
        p.detectionThresholdIntensity = 0.05 * peak100
        let video = Simulator.run(p)
        let (bx, by, bz) = p.boxSizeNanometers
        let area = Double(p.fieldWidthPixels * p.fieldHeightPixels) * p.nanometersPerPixel * p.nanometersPerPixel
        let w = 2500.0, t = 0.05 * peak100
        var trackComponent: [Int64: Int] = [:]
        for tr in video.tracks { trackComponent[tr.trackID] = tr.component }
        var perParticle = [Int](repeating: 0, count: video.particleDiametersNanometers.count)
        var particleOfTrack: [Int64: Int] = [:]
        for tr in video.tracks { particleOfTrack[tr.trackID] = tr.particleIndex }
        for id in video.table.particle { perParticle[particleOfTrack[id]!] += 1 }
        var depths: [Double] = []
        for (c, d) in [(0, 100.0), (1, 200.0)] {
            let i0 = Simulator.peakIntensity(diameterNanometers: d, refractiveIndex: 1.59, mediumRefractiveIndex: 1.333)
            // ∫P dz by the midpoint rule over the box depth (P is smooth; 20,000 steps).
            let steps = 20_000
            var integral = 0.0
            for k in 0..<steps {
                let z = -bz / 2 + (Double(k) + 0.5) * bz / Double(steps)
                let u = z / w
                integral += Self.phi((log(i0 / t) - 2 * u * u) / 0.1) * bz / Double(steps)
            }
            depths.append(integral)
            let members = video.particleComponents.indices.filter { video.particleComponents[$0] == c }
            let n = Double(members.count)
            let expected = n * area / (bx * by) * integral / bz * Double(p.frameCount)
            let counts = members.map { Double(perParticle[$0]) }
            let mean = counts.reduce(0, +) / n
            let variance = counts.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            let se = (n * variance).squareRoot()
            let observed = counts.reduce(0, +)
            #expect(abs(observed - expected) <= 4 * se, "\(d) nm: observed \(observed), expected \(expected) ± \(se)")
        }
        // Brightness sets the depth: a 200 nm sphere (64× brighter) is seen over a thicker slab,
        // 2w·√(ln(I₀/T)/2) in the noiseless limit: 2.5 µm × (√(ln 1280/2) − √(ln 20/2)) ≈ 1.67 µm per side.
        #expect(depths[1] > depths[0] * 1.4)
        #expect(abs(depths[0] - 2 * w * (log(20.0) / 2).squareRoot()) < 0.02 * depths[0])
    }

    @Test("photon-limited σ: each localisation's σ = max(floor, σ_ref·√(I_ref/I)) and its noise has that variance")
    func photonLimitedSigma() throws {
        var p = SimulationParameters(mixture: .monodisperse(1000))
        p.seed = 31
        p.frameCount = 400
        p.concentrationPerMl = 5e8
        let peak = Simulator.peakIntensity(diameterNanometers: 1000, refractiveIndex: 1.59, mediumRefractiveIndex: 1.333)
        p.localisationSigmaNanometers = 100
        p.sigmaReferenceIntensity = peak
        p.sigmaFloorNanometers = 120
        let video = Simulator.run(p)
        let sigmas = try #require(video.localisationSigmaPerRowNanometers)
        let intensity = try #require(video.table.intensity)
        #expect(sigmas.count == video.table.count && video.table.count > 5000)
        for r in 0..<sigmas.count {
            let expected = max(120, 100 * (peak / intensity[r]).squareRoot())
            #expect(abs(sigmas[r] - expected) <= 1e-9 * expected)
        }
        #expect(sigmas.contains { $0 == 120 } && sigmas.contains { $0 > 200 }) // floor and the dim sheet edge both occur

        // Noise actually applied: for a step between frames n and n+1 (no blur), per axis
        // E[Δx²] = 2DΔt + σₙ² + σₙ₊₁². Non-overlapping steps are independent, so the mean of
        // Δx² − 2DΔt − σₙ² − σₙ₊₁² is 0 within 4 standard errors of the mean.
        let d = video.tracks[0].diffusionUm2PerS * 1e6
        let dt = p.frameIntervalSeconds, pixel = p.nanometersPerPixel
        var residuals: [Double] = []
        let t = video.table
        var rowsOfTrack: [Int64: [Int]] = [:] // rows are written frame by frame: collect each track's, in frame order
        for r in 0..<t.count { rowsOfTrack[t.particle[r], default: []].append(r) }
        for rows in rowsOfTrack.values {
            var k = 0
            while k + 1 < rows.count {
                let (a, b) = (rows[k], rows[k + 1])
                guard t.frame[b] == t.frame[a] + 1 else { k += 1; continue }
                let s2 = sigmas[a] * sigmas[a] + sigmas[b] * sigmas[b]
                for delta in [(t.x[b] - t.x[a]) * pixel, (t.y[b] - t.y[a]) * pixel] {
                    residuals.append(delta * delta - 2 * d * dt - s2)
                }
                k += 2
            }
        }
        let n = Double(residuals.count)
        let mean = residuals.reduce(0, +) / n
        let sd = (residuals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        #expect(abs(mean) <= 4 * sd / n.squareRoot(), "mean residual \(mean) nm², SE \(sd / n.squareRoot())")
        // The scoring truth reports the mean σ² over the written localisations.
        let truth = ScoringTruth(video)
        let meanVariance = sigmas.reduce(0) { $0 + $1 * $1 } / Double(sigmas.count)
        #expect(abs(truth.localisationVarianceNm2 - meanVariance) <= 1e-9 * meanVariance)
        #expect(truth.localisationSigmaMinimumNanometers == 120)
    }

    @Test("scoring truth: R = τₑ/(6Δt), drift, frame-weighted d50 and 30–150 nm fraction")
    func scoringTruth() throws {
        var p = SimulationParameters(mixture: .monodisperse(150))
        p.frameCount = 30
        p.exposureMilliseconds = 10
        p.driftNanometersPerFrame = [12, -4]
        p.captureCount = 2
        let truth = try #require(SampleTruth(Simulator.run(p)).scoring)
        #expect(abs(truth.blurCoefficient - 0.010 / (6.0 / 30)) < 1e-12)
        #expect(truth.driftXNanometersPerFrame == 12 && truth.driftYNanometersPerFrame == -4)
        #expect(truth.frameWeightedD50Nanometers == 150 && truth.sampleD50Nanometers == 150)
        #expect(truth.frameWeightedWindowFraction == 1) // 150 nm is inside [30, 150]
        #expect(truth.localisationSigmaNanometers == 30 && truth.captureCount == 2)

        // EV-like: the frame-weighted fraction estimates the sample's 0.667 (analytic). Each
        // particle's frames in view are one cluster; the fraction's SE is the ratio estimator's
        // √(Σ wᵢ²(1{in} − f)²)/Σ wᵢ; tolerance 4 SE.
        var q = SimulationParameters(mixture: .evLike)
        q.frameCount = 200
        q.concentrationPerMl = 1e10
        q.captureCount = 2
        let video = Simulator.run(q)
        let ev = try #require(SampleTruth(video).scoring)
        let f = try #require(ev.frameWeightedWindowFraction)
        var s2 = 0.0
        for (k, d) in video.particleDiametersNanometers.enumerated() {
            let w = Double(video.framesInViewPerParticle[k])
            let e = (d >= 30 && d <= 150 ? 1.0 : 0.0) - f
            s2 += w * w * e * e
        }
        let se = s2.squareRoot() / Double(ev.particleFramesInView)
        let analytic = SizeMixture.evLike.fraction(fromNanometers: 30, toNanometers: 150)
        #expect(abs(f - analytic) <= 4 * se, "frame-weighted \(f) vs analytic \(analytic) ± \(se)")
    }

    @Test("scoring truth: the detectable part leaves out particles below the threshold at the sheet's centre")
    func detectableTruth() throws {
        // 60 nm vesicles (n 1.39) and 200 nm polystyrene, the threshold between their peaks: only the beads can be seen.
        var p = SimulationParameters(mixture: SizeMixture([
            SizeComponent(name: "dim", weight: 0.5, medianNanometers: 60, refractiveIndex: 1.39),
            SizeComponent(name: "bright", weight: 0.5, medianNanometers: 200, refractiveIndex: 1.59),
        ]))
        p.frameCount = 40
        p.concentrationPerMl = 3e9
        let dim = Simulator.peakIntensity(diameterNanometers: 60, refractiveIndex: 1.39, mediumRefractiveIndex: 1.333)
        let bright = Simulator.peakIntensity(diameterNanometers: 200, refractiveIndex: 1.59, mediumRefractiveIndex: 1.333)
        #expect(dim < 1e-2 * bright)
        let all = Simulator.run(p)
        let everything = ScoringTruth(all)
        #expect(everything.detectableFrameWeightedD50Nanometers == everything.frameWeightedD50Nanometers)
        #expect(everything.detectableFrameWeightedWindowFraction == everything.frameWeightedWindowFraction)
        #expect(everything.undetectableFrameShare == 0)

        p.sheetWaistMicrometers = 2.5
        p.detectionThresholdIntensity = (dim * bright).squareRoot()
        let video = Simulator.run(p)
        let truth = ScoringTruth(video)
        var dimFrames = 0, total = 0
        for (k, c) in video.particleComponents.enumerated() {
            total += video.framesInViewPerParticle[k]
            if c == 0 { dimFrames += video.framesInViewPerParticle[k] }
        }
        #expect(dimFrames > 0 && dimFrames < total)
        #expect(truth.frameWeightedD50Nanometers == 60 || truth.frameWeightedD50Nanometers == 200)
        #expect(truth.detectableFrameWeightedD50Nanometers == 200)
        #expect(truth.detectableFrameWeightedWindowFraction == 0)
        let share = try #require(truth.undetectableFrameShare)
        #expect(abs(share - Double(dimFrames) / Double(total)) < 1e-12)
    }
}
