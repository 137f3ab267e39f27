import Foundation

/// A model of how long a particle stays in view per visit, used to correct a
/// frame-weighted size distribution for the visits a minimum-track-length cut
/// removed.
///
/// Model: the detection volume is a slab of effective thickness h (the light
/// sheet) that is wide laterally; a particle's depth z takes independent
/// Gaussian steps of SD s = √(2DΔt) per frame; the sample outside is uniform.
/// A visit starts in the frame a particle is first found inside (entry depth
/// density ∝ Φ(−z/s) + Φ(−(h − z)/s), the flux from both sides) and lasts
/// while it stays inside. By stationarity (Little's law) the mean visit is h
/// divided by the entry flux, and the in-view frames that belong to visits
/// shorter than the cut Lmin are Σ_{ℓ<Lmin} ℓ·P(L = ℓ) / E[L] of all frames.
///
/// Lateral exits, missed detections and linking errors also end tracks; they
/// matter little for the short visits the cut removes (small lateral steps
/// against a field ≫ h), and are not modelled.
public struct VisitLengthModel: Sendable, Hashable {
    /// Effective sheet thickness h, µm.
    public var sheetThicknessMicrometers: Double
    /// Minimum track length (localisations) of the tracks kept.
    public var minimumTrackLength: Int
    public var frameIntervalSeconds: Double
    public var temperatureCelsius: Double
    public var viscosityMillipascalSeconds: Double
    /// Depth cells of the numerical propagation.
    public var depthCells: Int = 160

    public init(sheetThicknessMicrometers: Double, minimumTrackLength: Int, frameIntervalSeconds: Double,
                temperatureCelsius: Double, viscosityMillipascalSeconds: Double) {
        precondition(sheetThicknessMicrometers > 0 && minimumTrackLength >= 1)
        self.sheetThicknessMicrometers = sheetThicknessMicrometers
        self.minimumTrackLength = minimumTrackLength
        self.frameIntervalSeconds = frameIntervalSeconds
        self.temperatureCelsius = temperatureCelsius
        self.viscosityMillipascalSeconds = viscosityMillipascalSeconds
    }

    /// Visit statistics for one diameter.
    public struct Visits: Sendable, Hashable {
        /// Mean visit length over all visits, frames.
        public var meanLength: Double
        /// Fraction of in-view frames in visits of at least the minimum length.
        public var retainedFrameFraction: Double
        /// Mean length of the visits that pass the cut, frames.
        public var meanRetainedLength: Double
    }

    /// The fraction of in-view frames that belong to visits passing the cut, per
    /// diameter: computed exactly at 49 anchors log-spaced over the requested
    /// range and interpolated linearly in ln d (the fraction varies smoothly with d).
    public func retainedFrameFraction(diametersNanometers: [Double]) -> [Double] {
        guard let lo = diametersNanometers.min(), let hi = diametersNanometers.max(), lo > 0 else { return [] }
        if hi / lo < 1.0001 { return diametersNanometers.map { visits(diameterNanometers: $0).retainedFrameFraction } }
        let anchors = 49
        let a = log(lo), step = (log(hi) - a) / Double(anchors - 1)
        let values = (0..<anchors).map { visits(diameterNanometers: exp(a + Double($0) * step)).retainedFrameFraction }
        return diametersNanometers.map { d in
            let x = (log(d) - a) / step
            let i = min(max(Int(x), 0), anchors - 2)
            let t = x - Double(i)
            return values[i] * (1 - t) + values[i + 1] * t
        }
    }

    /// Visit statistics of particles of `diameterNanometers`.
    public func visits(diameterNanometers: Double) -> Visits {
        let dUm2 = StokesEinstein.diffusionUm2PerS(diameterNanometers: diameterNanometers,
                                                    temperatureCelsius: temperatureCelsius,
                                                    viscosityMillipascalSeconds: viscosityMillipascalSeconds)
        let s = (2 * dUm2 * frameIntervalSeconds).squareRoot()
        let h = sheetThicknessMicrometers
        let n = depthCells
        let dz = h / Double(n)
        func phiC(_ x: Double) -> Double { 0.5 * erfc(x / 2.0.squareRoot()) }
        // Entry density per cell (from uniform density 1 outside, per unit area): exact cell integrals
        // of Φc(z/s) + Φc((h − z)/s), by the antiderivative ∫Φc(z/s)dz = z Φc(z/s) − s φ(z/s).
        func integralPhiC(_ z: Double) -> Double {
            let x = z / s
            return z * phiC(x) - s * exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
        }
        var entry = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let a = Double(i) * dz, b = a + dz
            entry[i] = (integralPhiC(b) - integralPhiC(a)) + (integralPhiC(h - a) - integralPhiC(h - b))
        }
        let flux = entry.reduce(0, +)
        let meanLength = h / flux
        // Transition probabilities from cell centre i to cell j depend on j − i only (Toeplitz);
        // offsets beyond 8.5 s have probability < 1e-16 and are dropped.
        let reach = min(n - 1, Int((8.5 * s / dz).rounded(.up)) + 1)
        var kernel = [Double](repeating: 0, count: 2 * reach + 1)
        for o in -reach...reach {
            let a = (Double(o) - 0.5) * dz
            kernel[o + reach] = phiC(a / s) - phiC((a + dz) / s)
        }
        // Survival S(ℓ) = P(L ≥ ℓ): mass still inside after ℓ − 1 steps.
        var mass = entry.map { $0 / flux }
        var survival = [1.0]
        let lmin = minimumTrackLength
        for _ in 1..<max(lmin, 1) {
            var next = [Double](repeating: 0, count: n)
            for i in 0..<n where mass[i] > 0 {
                let mi = mass[i]
                for j in max(0, i - reach)...min(n - 1, i + reach) { next[j] += mi * kernel[j - i + reach] }
            }
            mass = next
            survival.append(mass.reduce(0, +))
        }
        // Frames in visits shorter than the cut: Σ_{ℓ<Lmin} ℓ (S(ℓ) − S(ℓ+1)).
        var shortFrames = 0.0
        for l in 1..<max(lmin, 1) { shortFrames += Double(l) * (survival[l - 1] - survival[l]) }
        let retained = max(0, 1 - shortFrames / meanLength)
        let keptVisits = survival[max(lmin, 1) - 1]
        return Visits(meanLength: meanLength, retainedFrameFraction: retained,
                      meanRetainedLength: keptVisits > 0 ? (meanLength - shortFrames) / keptVisits : .nan)
    }
}

extension VisitLengthModel {
    /// The sheet thickness h (µm) that best explains the observed track lengths:
    /// minimises Σₘ wₘ (ln ℓ̄ₘ − ln ℓ̂ₘ(h))² over grid nodes, where ℓ̄ₘ are
    /// the mean frames of the (cut-passing) tracks attributed to node m,
    /// ℓ̂ₘ(h) the model's mean length of visits that pass the cut, and wₘ the
    /// track weights. Golden-section search on ln h over 0.5–100 µm (to ±0.5 %),
    /// using at most 16 nodes spread over those carrying ≥ 0.1 % of the tracks.
    ///
    /// Track-ending mechanisms the model ignores (lateral exits, missed
    /// detections, the video's ends) shorten observed tracks, so h is biased low
    /// when they are common; the correction it feeds changes the number
    /// distribution by a few per cent at most, and less for larger particles.
    public static func fittedSheetThickness(
        diametersNanometers: [Double], trackWeights: [Double], meanFramesPerTrack: [Double],
        minimumTrackLength: Int, frameIntervalSeconds: Double, temperatureCelsius: Double,
        viscosityMillipascalSeconds: Double
    ) -> Double {
        // Nodes carrying at least 0.1 % of the tracks, thinned to ≤ 16 for speed.
        let top = trackWeights.max() ?? 0
        var nodes = trackWeights.indices.filter { trackWeights[$0] > 1e-3 * top && meanFramesPerTrack[$0].isFinite }
        if nodes.count > 16 {
            let stride = Double(nodes.count) / 16
            nodes = (0..<16).map { nodes[Int(Double($0) * stride)] }
        }
        guard !nodes.isEmpty else { return .nan }
        func loss(_ logH: Double) -> Double {
            let model = VisitLengthModel(sheetThicknessMicrometers: exp(logH), minimumTrackLength: minimumTrackLength,
                                         frameIntervalSeconds: frameIntervalSeconds,
                                         temperatureCelsius: temperatureCelsius,
                                         viscosityMillipascalSeconds: viscosityMillipascalSeconds)
            var s = 0.0
            for m in nodes {
                let predicted = model.visits(diameterNanometers: diametersNanometers[m]).meanRetainedLength
                let r = log(meanFramesPerTrack[m]) - log(predicted)
                s += trackWeights[m] * r * r
            }
            return s
        }
        var a = log(0.5), b = log(100.0)
        let g = (5.0.squareRoot() - 1) / 2
        var c = b - g * (b - a), d = a + g * (b - a)
        var fc = loss(c), fd = loss(d)
        while b - a > 0.01 {
            if fc < fd { b = d; d = c; fd = fc; c = b - g * (b - a); fc = loss(c) }
            else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = loss(d) }
        }
        return exp((a + b) / 2)
    }
}
