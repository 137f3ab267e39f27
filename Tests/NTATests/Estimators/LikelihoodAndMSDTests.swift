import Foundation
import Testing
import NTA

@Suite("Track likelihood and MSD curve")
struct LikelihoodAndMSDTests {
    /// log N(Δ; 0, T) for a tridiagonal Toeplitz T by a direct LDLᵀ factorisation (no DST).
    static func directLogDensity(_ steps: [Double], a: Double, b: Double) -> Double {
        let k = steps.count
        var d = [Double](repeating: 0, count: k), l = d
        d[0] = a
        for i in 1..<k { l[i] = b / d[i - 1]; d[i] = a - l[i] * b }
        // Solve L z = Δ; quadratic form Σ z²/d.
        var z = [Double](repeating: 0, count: k)
        var quad = 0.0, logDet = 0.0
        for i in 0..<k {
            z[i] = steps[i] - (i > 0 ? l[i] * z[i - 1] : 0)
            quad += z[i] * z[i] / d[i]
            logDet += log(d[i])
        }
        return -0.5 * (Double(k) * log(2 * Double.pi) + logDet + quad)
    }

    @Test("DST-I likelihood equals the direct Gaussian density, with gaps and both DST paths")
    func likelihoodMatchesDirect() {
        let dt = 0.03, dUm = 3.0, sigma2 = 900.0, r = 0.1
        let dNm = dUm * 1e6
        let a = 2 * dNm * dt * (1 - 2 * r) + 2 * sigma2, b = 2 * r * dNm * dt - sigma2
        for (positions, seed) in [(8, UInt64(1)), (60, UInt64(2))] { // 60 → FFTW path
            let set = Simulator.fixedLengthTracks(count: 1, positions: positions, diffusionUm2PerS: dUm,
                                                  frameIntervalSeconds: dt, sigmaNanometers: 30, exposureFraction: 0.6, seed: seed)
            // Remove one interior frame: two runs.
            let cut = positions / 2
            let keep = (0..<positions).filter { $0 != cut }
            let track = TrackSet(particleIDs: [0], offsets: [0, keep.count], frame: keep.map { set.frame[$0] },
                                 xNanometers: keep.map { set.xNanometers[$0] }, yNanometers: keep.map { set.yNanometers[$0] })
            let likelihood = TrackLikelihood(track, track: 0)
            #expect(likelihood.runCount == 2)
            #expect(likelihood.modeCount == positions - 3)
            var expected = 0.0
            for run in [0..<cut, (cut + 1)..<positions] {
                let idx = Array(run)
                let dx = (1..<idx.count).map { set.xNanometers[idx[$0]] - set.xNanometers[idx[$0 - 1]] }
                let dy = (1..<idx.count).map { set.yNanometers[idx[$0]] - set.yNanometers[idx[$0 - 1]] }
                expected += Self.directLogDensity(dx, a: a, b: b) + Self.directLogDensity(dy, a: a, b: b)
            }
            let got = likelihood.logLikelihood(diffusionUm2PerS: dUm, localisationVarianceNm2: sigma2, blurCoefficient: r,
                                               frameIntervalSeconds: dt)
            #expect(abs(got - expected) < 1e-9 * abs(expected), "\(got) vs \(expected)")
            // The covariance is not positive definite at D = −100 µm²/s: −∞.
            #expect(likelihood.logLikelihoods(diffusionGridUm2PerS: [-100], localisationVarianceNm2: sigma2, blurCoefficient: r,
                                              frameIntervalSeconds: dt)[0] == -.infinity)
            let grid = [0.5, 1, dUm, 8, 1e-12, 1e9] // the last two force the term-by-term fallback
            let many = likelihood.logLikelihoods(diffusionGridUm2PerS: grid, localisationVarianceNm2: sigma2,
                                                 blurCoefficient: r, frameIntervalSeconds: dt)
            for (g, value) in zip(grid, many) {
                let one = likelihood.logLikelihood(diffusionUm2PerS: g, localisationVarianceNm2: sigma2, blurCoefficient: r,
                                                   frameIntervalSeconds: dt)
                #expect(abs(value - one) < 1e-9 * abs(one))
            }
        }
    }

    @Test("The parallel log-likelihood matrix equals the per-track rows")
    func matrix() {
        let dt = 1.0 / 30
        let set = EstimatorTestSupport.withGaps(
            Simulator.fixedLengthTracks(count: 300, positions: 40, diffusionUm2PerS: 4, frameIntervalSeconds: dt,
                                        sigmaNanometers: 40, exposureFraction: 1, seed: 12), missing: 0.05, seed: 13)
        let likelihoods = TrackLikelihood.all(set)
        #expect(likelihoods == (0..<set.trackCount).map { TrackLikelihood(set, track: $0) })
        let grid = (0..<50).map { 0.2 * pow(1.1, Double($0)) }
        let matrix = TrackLikelihood.logLikelihoodMatrix(likelihoods, diffusionGridUm2PerS: grid, localisationVarianceNm2: 1600,
                                                         blurCoefficient: 1.0 / 6, frameIntervalSeconds: dt)
        let shifted = TrackLikelihood.logLikelihoodMatrix(likelihoods, diffusionGridUm2PerS: grid, localisationVarianceNm2: 1600,
                                                          blurCoefficient: 1.0 / 6, frameIntervalSeconds: dt,
                                                          subtractingRowMaximum: true)
        for t in [0, 17, 299] {
            let row = likelihoods[t].logLikelihoods(diffusionGridUm2PerS: grid, localisationVarianceNm2: 1600,
                                                    blurCoefficient: 1.0 / 6, frameIntervalSeconds: dt)
            #expect(Array(matrix[(t * 50)..<(t * 50 + 50)]) == row)
            #expect(shifted[(t * 50)..<(t * 50 + 50)].max() == 0)
        }
        // The deconvolution-facing adapter (D in nm²/s) gives the same rows.
        let model = ExactTrackLikelihoods(set, context: EstimationContext(
            frameIntervalSeconds: dt, blurCoefficient: 1.0 / 6, localisationVarianceNm2: 1600))
        #expect(model.trackCount == 300 && model.summary(ofTrack: 17) == 17)
        var row: [Double] = []
        model.logLikelihood(17, diffusionNm2PerS: grid.map { $0 * 1e6 }, into: &row)
        for k in 0..<50 { #expect(abs(row[k] - matrix[17 * 50 + k]) <= 1e-12 * abs(row[k])) }
        var profiled = model
        profiled.profilesNoise = true
        profiled.logLikelihood(17, diffusionNm2PerS: grid.map { $0 * 1e6 }, into: &row)
        let profile = likelihoods[17].profileLogLikelihoods(diffusionGridUm2PerS: grid, frameIntervalSeconds: dt)
        for k in 0..<50 { #expect(abs(row[k] - profile[k]) <= 1e-9 * abs(row[k])) }
    }

    /// max over s of the full log L at D (R = 0, so σ² = s), by brute force over the *whole* domain of s.
    ///
    /// With λⱼ = 2DΔt + vⱼ·s, vⱼ = 2(1 − cos θⱼ), the covariance is positive definite iff s > sMin = −2DΔt / max vⱼ,
    /// which is below −DΔt/2 (max vⱼ = 2(1 + cos(π/(K + 1))) < 4), and the maximum can lie in that sliver
    /// (seen: track 23 of seed 21, D ≈ 10 µm²/s, ŝ ≈ −1.0021·DΔt/2). Above sMax = max Pⱼ/(2vⱼ) every λⱼ > Pⱼ/2, so
    /// every term of ∂log L/∂s = Σ vⱼ(Pⱼ/(2λⱼ²) − 1/λⱼ) is negative: the maximum lies in (sMin, sMax].
    /// A scan with distances from sMin log-spaced over 12 decades (0.7 % apart, so it resolves a maximum at the
    /// edge of the domain), then golden-section refinement between the best point's neighbours.
    static func maximumOverEffectiveNoise(_ lik: TrackLikelihood, diffusionUm2PerS d: Double,
                                          frameIntervalSeconds dt: Double) -> Double {
        let v = lik.cosines.map { 2 * (1 - $0) }
        let sMin = -2 * d * 1e6 * dt / v.max()!
        let sMax = max(zip(lik.power, v).map { $0 / (2 * $1) }.max()!, 0)
        func ell(_ s: Double) -> Double {
            lik.logLikelihood(diffusionUm2PerS: d, localisationVarianceNm2: s, blurCoefficient: 0, frameIntervalSeconds: dt)
        }
        let n = 4000
        let points = (0...n).map { sMin + (sMax - sMin) * pow(1e-12, 1 - Double($0) / Double(n)) }
        let values = points.map(ell)
        let top = values.indices.max { values[$0] < values[$1] }!
        var lo = top > 0 ? points[top - 1] : sMin, hi = top < n ? points[top + 1] : sMax
        let ratio = (sqrt(5.0) - 1) / 2
        var x1 = hi - ratio * (hi - lo), x2 = lo + ratio * (hi - lo)
        var f1 = ell(x1), f2 = ell(x2)
        for _ in 0..<200 where hi - lo > 1e-13 * (abs(lo) + abs(hi)) {
            if f1 < f2 { lo = x1; x1 = x2; f1 = f2; x2 = lo + ratio * (hi - lo); f2 = ell(x2) }
            else { hi = x2; x2 = x1; f2 = f1; x1 = hi - ratio * (hi - lo); f1 = ell(x1) }
        }
        return max(values[top], f1, f2)
    }

    @Test("σ²-free ML and the profile likelihood do not depend on R")
    func blurInvariance() {
        let dt = 1.0 / 30
        let set = Simulator.fixedLengthTracks(count: 30, positions: 20, diffusionUm2PerS: 4, frameIntervalSeconds: dt,
                                              sigmaNanometers: 40, exposureFraction: 1, seed: 21)
        let grid = (0..<40).map { 0.5 * pow(1.08, Double($0)) }
        for t in 0..<set.trackCount {
            let lik = TrackLikelihood(set, track: t)
            let a = lik.maximumLikelihood(localisationVarianceNm2: nil, blurCoefficient: 0, frameIntervalSeconds: dt)!
            let b = lik.maximumLikelihood(localisationVarianceNm2: nil, blurCoefficient: 1.0 / 6, frameIntervalSeconds: dt)!
            #expect(abs(a.diffusionUm2PerS / b.diffusionUm2PerS - 1) < 1e-7)
            // s = σ² − 2RDΔt
            #expect(abs(a.localisationVarianceNm2 - (b.localisationVarianceNm2 - 2 / 6.0 * b.diffusionUm2PerS * 1e6 * dt))
                    < 1e-6 * b.diffusionUm2PerS * 1e6 * dt)
            // The profile at D equals the maximum over s of the full likelihood, and peaks at the σ²-free ML D̂.
            let profile = lik.profileLogLikelihoods(diffusionGridUm2PerS: grid, frameIntervalSeconds: dt)
            for k in [0, 13, 39] {
                // Independent reference: maximise the full log L (R = 0, so σ² = s) over the whole domain of s.
                let best = Self.maximumOverEffectiveNoise(lik, diffusionUm2PerS: grid[k], frameIntervalSeconds: dt)
                #expect(profile[k] >= best - 1e-9 * abs(best))
                // Both are converged maximisations of the same function (measured gap ≤ 2e-13 over all tracks and D).
                #expect(profile[k] - best < 1e-9 * abs(best), "the profile is the maximum, not above it")
            }
            // No grid point beats the joint maximum.
            #expect(profile.max()! <= a.logLikelihood + 1e-9 * abs(a.logLikelihood))
        }
    }

    @Test("The profile reaches the whole positive-definite domain of s, below −DΔt/2")
    func profileNearDomainEdge() {
        // With Pⱼ = 2λⱼ(s*) every term −log λⱼ − Pⱼ/(2λⱼ) is maximal at λⱼ(s*), so the maximum over s is exactly s*
        // and the profile is −Σ[log(2πλⱼ*) + 1]. Put s* where the simulated data put it (track 23, seed 21):
        // between the domain edge sMin = −DΔt/(1 + cos(π/(K + 1))) and −DΔt/2.
        let k = 19, dt = 1.0 / 30, d = 10.0
        let dDt = d * 1e6 * dt
        let cosines = (1...k).map { cos(Double($0) * Double.pi / Double(k + 1)) }
        let sMin = -dDt / (1 + cos(Double.pi / Double(k + 1)))
        for sStar in [-0.5 * dDt + 0.5 * (sMin + 0.5 * dDt), sMin + 1e-4 * (-0.5 * dDt - sMin), 0.3 * dDt] {
            let lambdas = cosines.map { 2 * dDt + 2 * (1 - $0) * sStar }
            #expect(lambdas.allSatisfy { $0 > 0 })
            let lik = TrackLikelihood(cosines: cosines, power: lambdas.map { 2 * $0 }, runCount: 1)
            let exact = -lambdas.reduce(0) { $0 + log(2 * Double.pi * $1) + 1 }
            // D/2 first: the D point is reached from a warm start.
            let profile = lik.profileLogLikelihoods(diffusionGridUm2PerS: [d / 2, d], frameIntervalSeconds: dt)
            #expect(abs(profile[1] - exact) < 1e-9 * abs(exact), "s* = \(sStar / dDt)·DΔt")
            #expect(abs(lik.logLikelihood(diffusionUm2PerS: d, localisationVarianceNm2: sStar, blurCoefficient: 0,
                                          frameIntervalSeconds: dt) - exact) < 1e-12 * abs(exact))
        }
    }

    @Test("The ML estimate maximises the likelihood")
    func mlIsMaximum() {
        let dt = 1.0 / 30
        let set = Simulator.fixedLengthTracks(count: 20, positions: 25, diffusionUm2PerS: 4, frameIntervalSeconds: dt,
                                              sigmaNanometers: 40, exposureFraction: 1, seed: 9)
        for t in 0..<set.trackCount {
            let lik = TrackLikelihood(set, track: t)
            for known in [Optional(1600.0), nil] {
                let fit = lik.maximumLikelihood(localisationVarianceNm2: known, blurCoefficient: 1.0 / 6,
                                                frameIntervalSeconds: dt)!
                #expect(fit.converged)
                let best = lik.logLikelihood(diffusionUm2PerS: fit.diffusionUm2PerS,
                                             localisationVarianceNm2: fit.localisationVarianceNm2,
                                             blurCoefficient: 1.0 / 6, frameIntervalSeconds: dt)
                #expect(abs(best - fit.logLikelihood) < 1e-8 * abs(best))
                for factor in [0.99, 1.01] {
                    let other = lik.logLikelihood(diffusionUm2PerS: fit.diffusionUm2PerS * factor,
                                                  localisationVarianceNm2: fit.localisationVarianceNm2,
                                                  blurCoefficient: 1.0 / 6, frameIntervalSeconds: dt)
                    #expect(other < best)
                }
            }
        }
    }

    @Test("FFT MSD equals the direct MSD, with gaps")
    func msdFFTMatchesDirect() {
        let set = Simulator.fixedLengthTracks(count: 3, positions: 400, diffusionUm2PerS: 4, frameIntervalSeconds: 0.03,
                                              sigmaNanometers: 30, seed: 5)
        // Offset far from the origin to exercise the centring.
        var shifted = EstimatorTestSupport.withGaps(set, missing: 0.2, seed: 8)
        for i in 0..<shifted.rowCount { shifted.xNanometers[i] += 5e7; shifted.yNanometers[i] -= 3e7 }
        for t in 0..<shifted.trackCount {
            shifted.withSample(of: t) { s in
                let direct = MSDCurve(s, maxLag: 250, method: .direct)
                let fft = MSDCurve(s, maxLag: 250, method: .fft)
                #expect(direct.pairCounts == fft.pairCounts)
                for l in 1...250 where direct.pairCounts[l] > 0 {
                    let d = direct.meanSquaredDisplacementNm2[l], f = fft.meanSquaredDisplacementNm2[l]
                    #expect(abs(d - f) <= 1e-8 * d, "lag \(l): \(d) vs \(f)")
                }
                // Expected: 4DΔt·n + 4σ². A 2D squared step is (4DΔt + 4σ²)·χ²₂/2 (relative SD 1), and adjacent
                // steps share one localisation (correlation σ²/(2DΔt + 2σ²) ≈ 0.004, negligible): the mean of N
                // lag-1 pairs has relative SD 1/√N (N ≈ 400·0.8² ≈ 256 with 20 % gaps), allowed 4 of them.
                let expected1 = 4 * 4e6 * 0.03 + 4 * 900.0
                let pairs = Double(direct.pairCounts[1])
                #expect(abs(direct.meanSquaredDisplacementNm2[1] / expected1 - 1) < 4 / pairs.squareRoot(),
                        "lag 1: \(direct.meanSquaredDisplacementNm2[1]) vs \(expected1) over \(pairs) pairs")
            }
        }
    }

    @Test("Michalet's optimal lag count")
    func optimalLagCount() {
        #expect(OptimalLagMSDEstimator.optimalLagCount(reducedError: 0, localisations: 30) == 2)
        #expect(OptimalLagMSDEstimator.optimalLagCount(reducedError: 0, localisations: 1000) == 2)
        #expect(OptimalLagMSDEstimator.optimalLagCount(reducedError: 10, localisations: 100) > 5)
        // f = 2 + 1.35·10^0.6 = 7.376, L = 57.2: p = ⌊7.376·57.2/(7.376³ + 57.2³)^(1/3)⌋ = 7.
        #expect(OptimalLagMSDEstimator.optimalLagCount(reducedError: 10, localisations: 100) == 7)
    }
}
