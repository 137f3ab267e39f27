import Foundation
import Testing
import NTA

@Suite("Detection depth from intensities (a Gaussian sheet through a threshold)")
struct DetectionDepthTests {
    /// A track whose localisations sample depth uniformly inside its detectable half-depth
    /// z* = w·√(ln(B/T)/2), at the midpoints u = (k + ½)/n of z/z*: I = B·exp(−2z²/w²) = B·(T/B)^{u²}.
    static func uniformDepthIntensities(brightness b: Double, threshold t: Double, n: Int) -> [Double] {
        (0..<n).map { k in
            let u = (Double(k) + 0.5) / Double(n)
            return b * pow(t / b, u * u)
        }
    }

    /// Tracks from per-track intensity columns (positions are not used by the depths).
    static func tracks(_ columns: [[Double]]) -> TrackSet {
        var offsets = [0], frames: [Int32] = [], intensity: [Double] = []
        for c in columns {
            frames += (0..<c.count).map(Int32.init)
            intensity += c
            offsets.append(intensity.count)
        }
        let zeros = [Double](repeating: 0, count: intensity.count)
        return TrackSet(particleIDs: columns.indices.map(Int64.init), offsets: offsets, frame: frames,
                        xNanometers: zeros, yNanometers: zeros, intensity: intensity)
    }

    @Test("tracks sampling their detectable depth uniformly get depths in the ratio √ln(B/T); T is read from the tracks' dimmest localisations")
    func depthsFollowTheLogBrightness() throws {
        let threshold = 50.0
        let brightness = [2.0, 10, 1000].map { $0 * threshold }
        // 200 tracks whose dimmest localisation sits at the threshold fix T (the 1 % quantile of the minima).
        var columns = (0..<200).map { _ in [threshold, 1.5 * threshold, 1.2 * threshold] }
        columns += brightness.map { Self.uniformDepthIntensities(brightness: $0, threshold: threshold, n: 2000) }
        let result = try #require(DetectionDepth.relativeDepths(Self.tracks(columns)))
        #expect(result.thresholdIntensity == threshold)
        // mean over the midpoints of 1 − u² is 2/3 + 1/(12n²): the depth is √(ln(B/T)·(1 + 1/(8n²))).
        for (k, b) in brightness.enumerated() {
            let depth = result.depths[200 + k]
            let expected = (log(b / threshold) * (1 + 1 / (8 * 2000.0 * 2000.0))).squareRoot()
            #expect(abs(depth / expected - 1) < 1e-9, "B/T \(b / threshold): \(depth) vs \(expected)")
        }
        // A 40 nm and a 100 nm vesicle with scattering ∝ d⁶, the smaller at twice the threshold: ≈ 0.33.
        let small = result.depths[200], large = (log(2 * pow(2.5, 6))).squareRoot()
        #expect(abs(small / large - 0.335) < 0.001)
    }

    @Test("a track at or below the threshold is floored; tracks without intensities take the median; too few intensities give none")
    func floorsAndMissingIntensities() throws {
        let threshold = 10.0
        var columns = (0..<300).map { _ in [threshold, 3 * threshold] }
        columns.append([threshold, threshold, threshold])       // exactly at the threshold: ln(B/T) = 0
        columns.append([0, -1, .nan])                          // no usable intensity (3 of 606 localisations: < 1 %)
        let result = try #require(DetectionDepth.relativeDepths(Self.tracks(columns)))
        #expect(result.depths[300] == DetectionDepth.minimumLogBrightnessRatio.squareRoot())
        let usual = (1.5 * 0.5 * log(3.0)).squareRoot()
        #expect(abs(result.depths[0] - usual) < 1e-12)
        #expect(result.depths[301] == result.depths[0], "the median of the others")
        #expect(result.depths.allSatisfy { $0 > 0 && $0.isFinite })

        // Half the tracks without intensities: no depths (the share needed is 90 %).
        let half = (0..<10).map { $0 < 5 ? [threshold, 2 * threshold] : [0.0, 0.0] }
        #expect(DetectionDepth.relativeDepths(Self.tracks(half)) == nil)
        // Every track has intensities, but 1.3 % of the localisations read 0 (integers below a threshold
        // under 1): the column does not resolve T, so no depths.
        let quantised = (0..<100).map { k in k < 4 ? [0.0, 1, 2] : [1.0, 2, 3] }
        #expect(DetectionDepth.relativeDepths(Self.tracks(quantised)) == nil)
        // Why: 4 of the 300 localisations are not positive, and every other one is a whole number.
        guard case .unresolved(.nonPositive(let share, let whole))? = DetectionDepth.read(Self.tracks(quantised)) else {
            Issue.record("expected the non-positive share as the reason"); return
        }
        #expect(share == 4.0 / 300 && whole)
        // The same with one fraction among them: not whole numbers.
        let fractional = (0..<100).map { k in k < 4 ? [0.0, 1, 2] : [1.0, 2, k == 50 ? 3.5 : 3] }
        guard case .unresolved(.nonPositive(4.0 / 300, wholeNumbers: false))? = DetectionDepth.read(Self.tracks(fractional)) else {
            Issue.record("expected 4/300 not positive, not whole numbers"); return
        }
        // 11 of 100 tracks hold one localisation reading 0 (0.6 % of the localisations, within the 1 % allowed),
        // the others 20 positive ones: 89 % of the tracks have an intensity, under the 90 % needed.
        let fewTracks = (0..<100).map { k in k < 11 ? [0.0] : [Double](repeating: 2, count: 20) }
        guard case .unresolved(.fewTracks(0.89))? = DetectionDepth.read(Self.tracks(fewTracks)) else {
            Issue.record("expected 89 % of the tracks with an intensity"); return
        }
        let resolved = (0..<100).map { k in k < 1 ? [0.0, 1, 2, 3, 4] : [1.0, 2, 3, 4, 5] }
        #expect(DetectionDepth.relativeDepths(Self.tracks(resolved)) != nil, "0.2 % zeros is within the 1 % allowed")
        // No intensity column at all.
        var none = Self.tracks(columns)
        none.intensity = nil
        #expect(DetectionDepth.relativeDepths(none) == nil)
        #expect(DetectionDepth.read(none) == nil, "no column: nothing to say why")
    }

    @Test("intensities that are not numbers or infinite are missing, not dim: left out of their tracks' depths and counted, whatever their share")
    func nonFiniteIntensitiesAreMissing() throws {
        let threshold = 10.0
        // 300 tracks of 3 localisations; in 30 of them one reads NaN, +∞ or −∞ (3.3 % of the localisations, more
        // than the 1 % of zeros allowed, which gave no depths before).
        let bad: [Double] = [.nan, .infinity, -.infinity]
        let columns = (0..<300).map { k in k < 30 ? [threshold, 3 * threshold, bad[k % 3]] : [threshold, 3 * threshold, 2 * threshold] }
        guard case .depths(let depths, let t, _, let missing)? = DetectionDepth.read(Self.tracks(columns)) else {
            Issue.record("expected depths"); return
        }
        #expect(missing == 30 && t == threshold)
        // A track with a missing value has the depth of its other two localisations.
        let twoLocalisations = (1.5 * 0.5 * log(3.0)).squareRoot()
        #expect(abs(depths[0] - twoLocalisations) < 1e-12)
        // Zeros still count against the column: 4 of 300 finite ones (1.3 %) read 0 besides the missing ones.
        let zeros = (0..<100).map { k in k < 4 ? [0.0, 1, .nan] : [1.0, 2, 3] }
        guard case .unresolved(.nonPositive(let share, _))? = DetectionDepth.read(Self.tracks(zeros)) else {
            Issue.record("expected the zeros' share as the reason"); return
        }
        #expect(share == 4.0 / 296)
    }

    /// Tracks seen whole (frames 10…, at the field's centre) with the given intensity columns, plus two
    /// anchors that set the video's first and last frames and the field's corners (and so are not seen whole),
    /// plus `cut` tracks that start at the video's first frame or at the field's edge.
    static func signatureTracks(_ columns: [[Double]], cut: [[Double]] = []) -> TrackSet {
        var ids: [Int64] = [], offsets = [0], frames: [Int32] = [], x: [Double] = [], y: [Double] = []
        var intensity: [Double] = []
        func add(_ c: [Double], firstFrame: Int32, at position: (Double, Double)) {
            ids.append(Int64(ids.count))
            frames += (0..<c.count).map { firstFrame + Int32($0) }
            x += [Double](repeating: position.0, count: c.count)
            y += [Double](repeating: position.1, count: c.count)
            intensity += c
            offsets.append(intensity.count)
        }
        add([5, 5], firstFrame: 0, at: (0, 0))
        add([5, 5], firstFrame: 999, at: (100_000, 100_000))
        for c in columns { add(c, firstFrame: 10, at: (50_000, 50_000)) }
        for (k, c) in cut.enumerated() { add(c, firstFrame: k.isMultiple(of: 2) ? 0 : 10, at: k.isMultiple(of: 2) ? (50_000, 50_000) : (500, 50_000)) }
        return TrackSet(particleIDs: ids, offsets: offsets, frame: frames, xNanometers: x, yNanometers: y,
                        intensity: intensity)
    }

    @Test("threshold signature: the dimmest localisation at T whatever the brightness reads slope 0; at a fixed fraction of it (a hard-edged sheet), slope 1")
    func thresholdSignature() throws {
        let threshold = 4.0
        // 120 tracks, brightness B from e¹ to e¹¹ times T; each rises from its edge value to B and back.
        let logB = (0..<120).map { 1 + 10 * Double($0) / 119 }
        func track(peak: Double, edge: Double) -> [Double] { [edge, (edge * peak).squareRoot(), peak, (edge * peak).squareRoot(), edge] }
        let throughThreshold = logB.map { track(peak: threshold * exp($0), edge: threshold) }
        let hardEdged = logB.map { track(peak: threshold * exp($0), edge: threshold * exp($0 - 2)) }
        // Tracks cut by the video's start or the field's edge never reach T: with them the slope would not be 0.
        let cut = logB.prefix(60).map { track(peak: threshold * exp($0), edge: threshold * exp($0 - 1)) }

        let a = try #require(DetectionDepth.relativeDepths(Self.signatureTracks(throughThreshold, cut: Array(cut)))?.signature)
        #expect(a.tracks == 120, "the anchors and the cut tracks are left out")
        #expect(abs(a.slope) < 1e-12 && a.standardError < 1e-12)
        // mean ln I = ln T + 0.4 ln(B/T) for this shape (two edges, two midpoints, one peak): the spread is
        // 0.4 × the SD of ln(B/T).
        let sd = (logB.map { ($0 - 6) * ($0 - 6) }.reduce(0, +) / 120).squareRoot()
        #expect(abs(a.brightnessSpread - 0.4 * sd) < 1e-9)
        #expect(a.showsThreshold)

        let b = try #require(DetectionDepth.relativeDepths(Self.signatureTracks(hardEdged))?.signature)
        #expect(abs(b.slope - 1) < 1e-9 && b.tracks == 120)
        #expect(!b.showsThreshold)

        // One brightness (a monodisperse sample): no spread to read a slope over.
        let mono = (0..<120).map { k in track(peak: threshold * exp(3 + 0.01 * Double(k % 3)), edge: threshold) }
        let c = try #require(DetectionDepth.relativeDepths(Self.signatureTracks(mono))?.signature)
        #expect(c.brightnessSpread < DetectionDepth.ThresholdSignature.minimumBrightnessSpread && !c.showsThreshold)
        // Too few tracks seen whole.
        let few = try #require(DetectionDepth.relativeDepths(Self.signatureTracks(Array(throughThreshold.prefix(50))))?.signature)
        #expect(few.tracks == 50 && !few.showsThreshold)
    }

    @Test("the threshold diameter: d·exp(−ln(B/T)/6) for Rayleigh scatterers is the same for every size of one material; the median follows the commoner material")
    func thresholdDiameter() throws {
        // Vesicles with d_T = 60 nm (ln(B/T) = 6 ln(d/60)) at 61–149 nm, and fewer, brighter particles with d_T = 40 nm.
        let vesicles = stride(from: 61.0, to: 150, by: 1).map { $0 }
        let dense = stride(from: 45.0, to: 150, by: 4).map { $0 }
        let diameters = vesicles + dense + [200, 400]      // beyond the Rayleigh limit: not used
        let depths = vesicles.map { (6 * log($0 / 60)).squareRoot() } + dense.map { (6 * log($0 / 40)).squareRoot() }
            + [1, 1]
        #expect(vesicles.count > dense.count)
        let limit = try #require(DetectionDepth.thresholdDiameterNanometers(diameters: diameters, depths: depths))
        #expect(abs(limit - 60) < 1e-9)
        // Fewer than 20 tracks under the limit: no estimate.
        #expect(DetectionDepth.thresholdDiameterNanometers(diameters: Array(vesicles.prefix(19)),
                                                           depths: Array(depths.prefix(19))) == nil)
    }
}
