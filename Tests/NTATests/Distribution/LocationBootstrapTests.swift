import Foundation
import Testing
@testable import NTA
@testable import NTADistribution
import NTAReport

/// A sample whose width the tracks do not resolve (beads): the bootstrap moves the distribution's location, which the
/// tracks do resolve, instead of refitting a spike no optimiser moves from.
@Suite struct LocationBootstrapTests {
    /// Monodisperse 100 nm beads, 300 frames at `concentrationPerMl`, analysed with 100 bootstrap replicates.
    static func beads(seed: UInt64, concentrationPerMl: Double) throws -> VideoAnalysis {
        var options = AnalysisOptions()
        options.bootstrapReplicates = 100
        return try simulatedBeads(seed: seed, concentrationPerMl: concentrationPerMl, options: options).video
    }

    /// The D50 interval's relative width over what the steps allow: a single size's D from ΣK two-dimensional steps
    /// has a relative SE of at least 1/√ΣK (each step's squared length is D·χ²₂-distributed: variance 1 per step in
    /// units of its mean, Cramér–Rao for independent steps), so a 95 % interval spans about 2·1.96/√ΣK of d.
    static func widthOverTheory(_ v: VideoAnalysis) throws -> Double {
        let d = try #require(v.deconvolved)
        let b = try #require(d.bootstrap)
        let steps = v.tracks.lengths.reduce(0) { $0 + $1 - 1 }
        // The replicates' own interval (the σ²'s uncertainty, added after, is not the steps' sampling noise).
        let replicates = ConfidenceInterval(percentileOf: b.replicates.map(\.d50Nm), level: b.level)
        return (replicates.upper - replicates.lower) / d.summary.d50Nm / (2 * 1.96 / Double(steps).squareRoot())
    }

    @Test("beads: the width is unresolved, the replicates move the location, and the D50 interval is as wide as the steps allow")
    func manyTracks() throws {
        let v = try Self.beads(seed: 1001, concentrationPerMl: 1e9)
        let d = try #require(v.deconvolved)
        #expect(d.widthResolution?.isUnresolved == true && d.bootstrap?.locationOnly == true)
        // ~600 tracks: the percentile ends of 100 replicates are good to ~10 % of the width, and localisation noise
        // (σ²/DΔt ≈ 0.6 % here) barely widens it. The refitted replicates had given ~1 % of this width (a spike).
        let ratio = try Self.widthOverTheory(v)
        #expect(ratio > 0.7 && ratio < 1.5, "\(ratio)")
        #expect(d.bootstrap!.d50Nm.lower < d.summary.d50Nm && d.summary.d50Nm < d.bootstrap!.d50Nm.upper)
    }

    @Test("beads, exposure known: the σ² the tracks were sized with is uncertain, and its error joins the intervals as the physics says")
    func localisationVarianceUncertainty() throws {
        let v = try Self.beads(seed: 1001, concentrationPerMl: 1e9)
        let d = try #require(v.deconvolved)
        let n = try #require(v.nuisance)
        let shifted = try #require(d.nuisanceShifted, "no σ²-shifted fit")
        #expect(v.notes.contains { $0.contains("the intervals include the uncertainty of the localisation variance σ²") })
        // A one-lag step's mean square per axis is 2DΔt + 2σ² (R = 0): σ² raised by δ lowers D̂ by δ/Δt, so d rises by
        // δ/(DΔt) of itself, to first order. The shifted fit must move D50 by that much (to a tenth of itself, and the
        // grid's interpolation), not by nothing (a spike refitted in place) nor by the whole width of the sample.
        let s = v.settings
        let dUm2PerS = StokesEinstein.diffusionUm2PerS(diameterNanometers: d.summary.d50Nm,
                                                       temperatureCelsius: s.temperatureCelsius.value,
                                                       viscosityMillipascalSeconds: s.viscosityMillipascalSeconds.value)
        let predicted = n.sizingLocalisationVarianceStandardErrorNm2 / (dUm2PerS * 1e6 * s.frameIntervalSeconds)
        let moved = shifted.d50Nm / d.summary.d50Nm - 1
        #expect(abs(moved / predicted - 1) < 0.1, "moved \(moved), predicted \(predicted)")
        // And the interval holds it: each side at least z × the shift.
        let b = try #require(d.bootstrap)
        let shift = 1.959964 * abs(shifted.d50Nm - d.summary.d50Nm)
        #expect(d.summary.d50Nm - b.d50Nm.lower >= shift * (1 - 1e-9) && b.d50Nm.upper - d.summary.d50Nm >= shift * (1 - 1e-9))
    }

    @Test("a few beads' tracks (6–16): intervals as wide as the steps allow, never a spike's hundredth of a nanometre")
    func fewTracks() throws {
        // Over 18 such videos the ratio spanned 0.63–1.71: with ~10 tracks the interval's width varies by ~1/√(2n)
        // ≈ 22 % between samples, and by ~15 % more from 100 replicates' percentiles; 0.35–3 is beyond 3 of those SDs.
        var tested = 0
        for seed: UInt64 in [1001, 1003, 1008] {
            let v = try Self.beads(seed: seed, concentrationPerMl: 2e7)
            guard let b = v.deconvolved?.bootstrap else { continue }
            tested += 1
            guard b.locationOnly else { continue }
            let ratio = try Self.widthOverTheory(v)
            #expect(ratio > 0.35 && ratio < 3, "seed \(seed): \(ratio)")
        }
        #expect(tested >= 2)
    }

    /// A stranger's first test file, transcribed: 10 noise-free tracks of 15 positions of ~524 nm particles (30 frames/s,
    /// 160 nm/pixel, 22 °C, no blur), written by their own simulator. Its D50 interval had read 574.3–574.6 nm.
    static let tenTracks = """
particle,frame,x,y
0,9,96.4258,100.9290
0,10,97.1084,102.2635
0,11,96.0624,103.7082
0,12,96.6503,104.1943
0,13,96.5524,103.0255
0,14,95.3782,101.2052
0,15,95.6839,102.2449
0,16,98.0338,98.4851
0,17,98.8354,98.2839
0,18,99.9629,97.3847
0,19,97.5622,98.9148
0,20,96.1941,99.8690
0,21,95.7652,102.4937
0,22,93.6740,104.5824
0,23,93.0633,103.8587
1,38,157.9523,101.5778
1,39,157.0545,101.1815
1,40,158.8546,98.3908
1,41,158.9858,100.0212
1,42,156.8892,97.5570
1,43,158.2232,98.9183
1,44,160.2390,98.5144
1,45,159.7106,95.9782
1,46,158.4707,95.9227
1,47,156.9207,94.9340
1,48,155.2928,97.3863
1,49,154.1688,98.6940
1,50,154.3674,95.9508
1,51,156.0495,94.5673
1,52,156.0033,97.4754
2,58,219.5696,98.4497
2,59,221.6239,96.7041
2,60,222.5605,96.0387
2,61,224.4191,96.7506
2,62,224.1860,97.1959
2,63,223.8217,99.4818
2,64,223.2956,96.9167
2,65,225.6582,94.8704
2,66,224.6229,94.7097
2,67,225.4318,92.4312
2,68,224.3996,93.7241
2,69,223.7680,92.1414
2,70,224.0984,91.4621
2,71,223.7276,91.2078
2,72,223.6169,90.5135
3,43,279.5229,97.9730
3,44,278.6058,96.5332
3,45,276.3683,95.8818
3,46,277.7915,98.1598
3,47,278.1165,97.8260
3,48,278.4798,98.9008
3,49,279.1631,99.3610
3,50,278.6785,98.7644
3,51,281.9864,100.2405
3,52,280.4591,101.3208
3,53,279.1007,101.5436
3,54,278.1555,101.8232
3,55,277.1547,101.2752
3,56,277.7820,102.0874
3,57,274.8272,103.8925
4,38,339.4633,104.4775
4,39,341.1381,102.1344
4,40,342.0301,102.7401
4,41,345.5938,103.8328
4,42,348.2698,103.8804
4,43,348.6051,103.9615
4,44,349.1575,102.8368
4,45,347.3691,104.0912
4,46,347.7775,106.2083
4,47,347.7276,105.8882
4,48,349.4286,106.9208
4,49,348.0120,109.7429
4,50,350.5277,110.2837
4,51,351.0452,109.9292
4,52,350.0167,107.1808
5,54,100.2619,159.2067
5,55,100.3551,159.1305
5,56,100.1381,156.8017
5,57,99.2102,156.7589
5,58,98.0056,157.8598
5,59,98.2127,158.7241
5,60,99.2523,157.1402
5,61,98.9784,159.2244
5,62,98.4341,158.6228
5,63,96.7207,157.6153
5,64,97.6931,158.4305
5,65,98.9811,156.9357
5,66,99.2336,158.4144
5,67,96.9591,159.0229
5,68,97.3704,158.5304
6,2,161.3024,159.1480
6,3,159.7307,158.4567
6,4,159.2632,157.2964
6,5,158.3743,155.6071
6,6,158.8131,154.8840
6,7,160.6732,154.4596
6,8,162.8157,157.2830
6,9,161.5985,158.7901
6,10,161.0758,156.4230
6,11,160.0239,155.0539
6,12,159.0290,157.0654
6,13,160.3133,155.9588
6,14,160.8573,155.0304
6,15,161.2649,151.6068
6,16,161.7055,154.9084
7,14,218.1113,159.9215
7,15,219.6089,161.4191
7,16,221.2286,161.9693
7,17,220.2189,161.9018
7,18,223.3159,162.8549
7,19,224.5149,161.2567
7,20,226.3150,161.5926
7,21,228.8065,161.0025
7,22,228.6459,160.6076
7,23,227.6838,160.0916
7,24,227.9056,160.0728
7,25,228.4319,163.1163
7,26,229.3550,163.9842
7,27,228.2796,166.8906
7,28,227.1205,163.5916
8,12,279.6000,160.7788
8,13,277.8229,159.5410
8,14,278.3813,160.3456
8,15,277.8113,160.6415
8,16,276.7756,159.8501
8,17,277.1936,160.4447
8,18,280.1450,159.0728
8,19,280.6561,160.8147
8,20,278.6573,161.1660
8,21,277.0858,158.8004
8,22,275.7853,159.3011
8,23,276.2456,159.5660
8,24,277.1142,159.5027
8,25,276.1795,159.9010
8,26,276.1001,163.6074
9,25,342.9853,157.8831
9,26,342.9634,158.2369
9,27,342.6644,161.1778
9,28,343.6546,163.1529
9,29,344.8216,163.9231
9,30,345.8276,165.7397
9,31,344.0541,167.6222
9,32,342.5385,167.4483
9,33,345.3774,167.8340
9,34,347.0879,168.2624
9,35,349.7327,168.0601
9,36,347.6044,170.7852
9,37,347.5020,172.7626
9,38,345.3688,171.6702
9,39,345.0063,173.1364
"""

    @Test("ten noise-free tracks: a D50 interval as wide as their 140 steps allow, where the refits gave a spike's 0.3 nm")
    func tenTracks() throws {
        let dir = ScratchDirectory()
        let file = dir.file("ten.csv")
        try Data(Self.tenTracks.utf8).write(to: file)
        var options = AnalysisOptions()
        options.settings = AcquisitionSettings(frameRateHz: 30, nanometersPerPixel: 160, temperatureCelsius: 22,
                                               exposureMilliseconds: 0)
        options.bootstrapReplicates = 100
        let v = try Analysis.analyzeTrajectoryFile(at: file, options: options)
        #expect(v.tracks.lengths.count == 10 && v.deconvolved?.bootstrap?.locationOnly == true)
        let ratio = try Self.widthOverTheory(v)
        #expect(ratio > 0.35 && ratio < 3, "\(ratio)")
        // The replicates keep the fit's shape, so its geometric SD has no interval: null, not a zero-width pair.
        let size = SizeReport(v.size, bootstrap: v.deconvolved?.bootstrap, geometricSD: v.deconvolved?.summary.geometricSD)
        #expect(size.geometricSD != nil && size.geometricSDCI == [nil, nil], "\(String(describing: size.geometricSDCI))")
        #expect(size.d50NmCI?.allSatisfy { $0 != nil } == true)
    }

    @Test("a replicate moved by a scale: its summary is the full fit's statistics times that scale")
    func scaledSummary() throws {
        let grid = DiameterGrid()
        var weights = [Double](repeating: 0, count: grid.count)
        for (i, d) in grid.diametersNanometers.enumerated() { weights[i] = exp(-pow(log(d / 100) / 0.2, 2) / 2) }
        let plain = GridSizeSummary(weights: weights, grid: grid, window: .exosome)
        let same = GridSizeSummary(weights: weights, grid: grid, window: .exosome, scale: 1)
        #expect(plain.d50Nm == same.d50Nm && plain.meanNm == same.meanNm && plain.windowFraction == same.windowFraction)
        let moved = GridSizeSummary(weights: weights, grid: grid, window: .exosome, scale: 1.1)
        // Quantiles of 1-nm bins move with the scale to within a bin's interpolation; the shape (geometric SD) stays.
        #expect(abs(moved.d50Nm - 1.1 * plain.d50Nm) < 0.5 && abs(moved.d90Nm - 1.1 * plain.d90Nm) < 0.5)
        #expect(abs(moved.meanNm - 1.1 * plain.meanNm) < 1e-9 * plain.meanNm && moved.geometricSD == plain.geometricSD)
        #expect(moved.windowFraction < plain.windowFraction)
    }
}
