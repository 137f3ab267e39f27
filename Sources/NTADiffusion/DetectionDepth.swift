import Foundation
import NTACore
import NTATracks

/// Each track's detection depth relative to the others', from its intensities: a Gaussian light
/// sheet seen through an intensity threshold.
///
/// Physics: a particle of brightness B at depth z from the sheet's centre scatters
/// I = B·exp(−2z²/w²) (the TEM₀₀ profile, 1/e² half-width w); the camera detects it while I ≥ T,
/// within |z| ≤ w·√(ln(B/T)/2). The depth it is seen in grows as √ln(B/T): with scattering ∝ d⁶,
/// a 40 nm vesicle just above threshold is seen in a third of the depth a 100 nm one is. Inside
/// that depth a track's localisations sample z about uniformly, so the mean of ln(I/T) over a
/// track is ⅔·ln(B/T) (the mean of 1 − u² for u uniform on [0, 1]): the track's relative depth is
/// √(1.5 · mean ln(I/T)). This reads the depth from the same quantity the detection threshold
/// acts on (trackpy's `mass` with its `minmass`), whatever the particle's refractive index.
///
/// T is taken as the 1 % quantile of the tracks' dimmest localisations: a track detected through a
/// threshold enters and leaves detection at it (a low quantile, not the minimum, so that a stray
/// low value does not move it). ln(B/T) is floored at ``minimumLogBrightnessRatio``; intensities
/// that are not positive and finite are skipped.
public enum DetectionDepth {
    /// The quantile of the tracks' smallest intensities taken as the detection threshold T.
    public static let thresholdQuantile = 0.01
    /// Smallest ln(B/T) used, 0.05 (a brightness 5 % above threshold): below it the camera's noise,
    /// not the sheet, decides detection, and the depth would tend to 0.
    public static let minimumLogBrightnessRatio = 0.05
    /// The share of tracks that must have a positive intensity for the depths to be given.
    public static let minimumTrackShare = 0.9
    /// The largest share of the localisations with a finite intensity whose intensity may be zero or negative.
    /// More means the column does not resolve the detection threshold (intensities written as integers below a
    /// threshold under 1 read 0, and T would be taken at the first non-zero level, several times too high).
    /// Intensities that are not numbers or infinite are missing values, not low ones: they are left out of their
    /// tracks' depths and counted (``Reading/depths(_:thresholdIntensity:signature:missing:)``), not held to this.
    public static let maximumNonPositiveShare = 0.01

    /// Why a file's intensities give no track its depth (``read(_:)``).
    public enum Unresolved: Sendable, Hashable {
        /// More than ``DetectionDepth/maximumNonPositiveShare`` of the localisations with a finite intensity have
        /// one that is zero or negative (`share`, 0–1); `wholeNumbers`: every positive finite one is a whole
        /// number, as when a tracker writes its mass rounded and a threshold under one unit reads 0.
        case nonPositive(share: Double, wholeNumbers: Bool)
        /// Fewer than ``DetectionDepth/minimumTrackShare`` of the tracks have a positive, finite intensity
        /// (`share`, 0–1).
        case fewTracks(share: Double)
    }

    /// What the intensities of `tracks` give: each track's depth (``relativeDepths(_:)``), or why they
    /// cannot; `nil` without an intensity column or tracks.
    public enum Reading: Sendable {
        /// The relative depths, T, the threshold's signature, and how many localisations had an intensity that is
        /// not a number or infinite (`missing`: left out of their tracks' depths).
        case depths([Double], thresholdIntensity: Double, signature: ThresholdSignature?, missing: Int)
        /// No depths, and why.
        case unresolved(Unresolved)
    }

    /// The relative detection depth √(1.5 · mean ln(I/T)) of every track of `tracks` (tracks with no
    /// usable intensity get the median of the others'), and T; `nil` without intensities, when fewer
    /// than ``minimumTrackShare`` of the tracks have a positive, finite one, or when more than
    /// ``maximumNonPositiveShare`` of the localisations do not (``read(_:)`` says which). With positions it
    /// also gives the tracks' ``ThresholdSignature`` (`nil` without positions or with too few tracks seen whole).
    public static func relativeDepths(
        _ tracks: TrackSet
    ) -> (depths: [Double], thresholdIntensity: Double, signature: ThresholdSignature?)? {
        guard case .depths(let depths, let threshold, let signature, _)? = read(tracks) else { return nil }
        return (depths, threshold, signature)
    }

    /// Each track's relative detection depth from its intensities, as ``relativeDepths(_:)``, or the reason
    /// there is none; `nil` without an intensity column or tracks.
    public static func read(_ tracks: TrackSet) -> Reading? {
        guard let intensity = tracks.intensity, tracks.trackCount > 0 else { return nil }
        // One pass over the rows, in parallel over tracks: each track's dimmest intensity and mean ln I.
        // Cheap enough (≈ 10 ms for 10M rows) to run on every file with intensities, before they are let go.
        let perTrack = intensity.withUnsafeBufferPointer { column in
            let shared = UncheckedSendable(column)
            return Parallel.map(count: tracks.trackCount) { t -> (smallest: Double, meanLog: Double, used: Int, missing: Int) in
                // Σ ln I as the logarithm of a product of significands (each in [1, 2)) with the binary
                // exponents summed apart: it never overflows or underflows, whatever the values, and costs
                // one multiplication per localisation and one logarithm per track.
                var smallest = Double.infinity, product = 1.0, exponent = 0, n = 0, missing = 0
                for r in tracks.rows(of: t) {
                    let i = shared.value[r]
                    guard i.isFinite else { missing += 1; continue }
                    guard i > 0 else { continue }
                    smallest = min(smallest, i)
                    exponent += Int(i.exponent)
                    product *= i.significand
                    if product.exponent > 512 {
                        exponent += Int(product.exponent)
                        product = product.significand
                    }
                    n += 1
                }
                let sumOfLogs = log(product) + Double(exponent) * M_LN2
                return n > 0 ? (smallest, sumOfLogs / Double(n), n, missing) : (.nan, .nan, 0, missing)
            }
        }
        let used = perTrack.reduce(0) { $0 + $1.used }
        let missing = perTrack.reduce(0) { $0 + $1.missing }
        let finite = tracks.rowCount - missing
        guard Double(finite - used) <= maximumNonPositiveShare * Double(finite) else {
            // Whether the positive ones are whole numbers: a second pass, taken only here. Every Double from 2⁵²
            // up is whole; below, a truncation to Int64 tells.
            let wholeNumbers = intensity.allSatisfy { i in !(i > 0 && i < 0x1p52) || i == Double(Int64(i)) }
            return .unresolved(.nonPositive(share: Double(finite - used) / Double(finite), wholeNumbers: wholeNumbers))
        }
        var minima = perTrack.map(\.smallest).filter { !$0.isNaN }
        guard !minima.isEmpty, Double(minima.count) >= minimumTrackShare * Double(perTrack.count) else {
            return .unresolved(.fewTracks(share: Double(minima.count) / Double(perTrack.count)))
        }
        let threshold = Selection.kthSmallest(&minima, Int(thresholdQuantile * Double(minima.count - 1)))
        let logThreshold = log(threshold)
        var depths = perTrack.map { p in
            p.meanLog.isNaN ? Double.nan : max(1.5 * (p.meanLog - logThreshold), minimumLogBrightnessRatio).squareRoot()
        }
        if minima.count < depths.count {
            var known = depths.filter { !$0.isNaN }
            let median = Selection.kthSmallest(&known, known.count / 2)
            for t in depths.indices where depths[t].isNaN { depths[t] = median }
        }
        let signature = ThresholdSignature(tracks, meanLogs: perTrack.map(\.meanLog), smallest: perTrack.map(\.smallest))
        return .depths(depths, thresholdIntensity: threshold, signature: signature, missing: missing)
    }

    /// Largest diameter used by ``thresholdDiameterNanometers(diameters:depths:)``, nm: below it a particle
    /// scatters as a Rayleigh sphere (B ∝ d⁶) for visible light; above it Mie scattering grows more slowly.
    public static let rayleighLimitNanometers = 150.0

    /// The diameter a particle of the tracks' material would need to reach the threshold at the sheet's
    /// centre: the median over entries under ``rayleighLimitNanometers`` of d·exp(−ln(B/T)/6), with ln(B/T)
    /// the square of the relative depth (``relativeDepths(_:)``) and B ∝ d⁶ (Rayleigh). Particles smaller
    /// than it are not detected at any depth. A mixture of materials gives a mixture of such diameters; the
    /// median follows the commonest. Entries are tracks (`weights` `nil`: one each) or a size grid's nodes
    /// with their tracks as `weights`; `nil` with fewer than 20 tracks under the limit.
    public static func thresholdDiameterNanometers(diameters: [Double], depths: [Double],
                                                   weights: [Double]? = nil) -> Double? {
        precondition(diameters.count == depths.count && (weights?.count ?? depths.count) == depths.count,
                     "one depth and weight per diameter: a programmer error")
        var values: [(diameter: Double, weight: Double)] = []
        for k in diameters.indices {
            let d = diameters[k], h = depths[k], w = weights?[k] ?? 1
            guard d > 0, d < rayleighLimitNanometers, h.isFinite, h > 0, w > 0, w.isFinite else { continue }
            values.append((d * exp(-h * h / 6), w))
        }
        let total = values.reduce(0) { $0 + $1.weight }
        guard total >= 20 else { return nil }
        // The weighted (upper) median: the smallest value whose cumulative weight exceeds half.
        values.sort { $0.diameter < $1.diameter }
        var cumulative = 0.0
        for v in values {
            cumulative += v.weight
            if cumulative > total / 2 { return v.diameter }
        }
        return values.last?.diameter
    }
}

extension DetectionDepth {
    /// Whether the tracks were detected through an intensity threshold, read from the tracks seen whole.
    ///
    /// Physics: a track that enters and leaves detection through a camera threshold T has its dimmest
    /// localisation near T whatever the particle's brightness B, so ln(min I) does not grow with the
    /// track's mean ln I (slope 0). Through a hard-edged slab its dimmest localisation is a fixed fraction
    /// of B at the slab's faces (slope 1). Only tracks that start and end inside the video (not at its
    /// first or last frame) and away from the field's edges (``edgeMarginNanometers`` inside the tracks'
    /// bounding box) count: a capture's ends and the field's edges cut tracks at any brightness. The
    /// slope is ordinary least squares of ln(min I) on mean ln I over those tracks.
    public struct ThresholdSignature: Sendable, Hashable {
        /// d ln(min I) / d(mean ln I) over the tracks seen whole.
        public var slope: Double
        /// Its standard error (residual variance over the spread of mean ln I).
        public var standardError: Double
        /// SD of the tracks' mean ln I: the spread of brightness the slope is read over.
        public var brightnessSpread: Double
        /// Tracks seen whole (the slope's sample).
        public var tracks: Int

        /// Margin inside the tracks' bounding box within which a track's first or last position counts
        /// as at the field's edge, nm: about two steps of a 40 nm particle at 30 fps.
        public static let edgeMarginNanometers = 2000.0
        /// Largest slope (+ 3 SE) read as detection through a threshold: halfway between 0 and a slab's 1.
        public static let maximumSlope = 0.5
        /// Smallest brightness spread (SD of mean ln I) over which the slope decides: one e-fold. A
        /// monodisperse sample's tracks differ in brightness only by where they were, and cannot tell.
        public static let minimumBrightnessSpread = 1.0
        /// Fewest tracks seen whole for the slope to decide.
        public static let minimumTracks = 100

        /// Detection through an intensity threshold, clearly: enough tracks over enough brightness
        /// spread, and a slope whose upper 3-SE bound is below ``maximumSlope``.
        public var showsThreshold: Bool {
            tracks >= Self.minimumTracks && brightnessSpread >= Self.minimumBrightnessSpread
                && slope + 3 * standardError < Self.maximumSlope
        }

        /// The signature of `tracks` from each track's mean ln I and smallest intensity (NaN where it has no
        /// usable intensity); `nil` without positions or with fewer than 3 tracks seen whole.
        init?(_ tracks: TrackSet, meanLogs: [Double], smallest: [Double]) {
            guard tracks.hasPositions, tracks.trackCount > 0, let box = tracks.boundingBoxNanometers else { return nil }
            // Each track's frames increase, so the video's first and last frames are among the tracks' ends.
            var firstFrame = Int32.max, lastFrame = Int32.min
            for t in 0..<tracks.trackCount {
                let rows = tracks.rows(of: t)
                guard let first = rows.first, let last = rows.last else { continue }
                firstFrame = min(firstFrame, tracks.frame[first])
                lastFrame = max(lastFrame, tracks.frame[last])
            }
            let margin = Self.edgeMarginNanometers
            func inside(_ r: Int) -> Bool {
                tracks.xNanometers[r] > box.minX + margin && tracks.xNanometers[r] < box.maxX - margin
                    && tracks.yNanometers[r] > box.minY + margin && tracks.yNanometers[r] < box.maxY - margin
            }
            var xs: [Double] = [], ys: [Double] = []
            for t in 0..<tracks.trackCount where meanLogs[t].isFinite && smallest[t] > 0 {
                let rows = tracks.rows(of: t)
                guard let first = rows.first, let last = rows.last, last > first,
                      tracks.frame[first] > firstFrame, tracks.frame[last] < lastFrame,
                      inside(first), inside(last) else { continue }
                xs.append(meanLogs[t])
                ys.append(log(smallest[t]))
            }
            let n = Double(xs.count)
            guard xs.count >= 3 else { return nil }
            let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
            var sxx = 0.0, sxy = 0.0
            for (x, y) in zip(xs, ys) { sxx += (x - mx) * (x - mx); sxy += (x - mx) * (y - my) }
            guard sxx > 0 else { return nil }
            let b = sxy / sxx
            var rss = 0.0
            for (x, y) in zip(xs, ys) { let r = y - my - b * (x - mx); rss += r * r }
            slope = b
            standardError = (rss / (n - 2) / sxx).squareRoot()
            brightnessSpread = (sxx / n).squareRoot()
            self.tracks = xs.count
        }
    }
}
