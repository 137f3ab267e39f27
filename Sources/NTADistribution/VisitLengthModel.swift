import CNTAKernels
import Foundation
import NTACore

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
/// With a field of view given, visits also start and end at its lateral
/// edges (entries through an edge face; exits of particles that entered
/// elsewhere, from Spitzer's formula for a wide interval), with the axes moving
/// independently.
///
/// With the captures' length T given (``captureFrames``), their first and last frames also cut the visits:
/// a visit of L ≥ Lmin frames, placed anywhere relative to a capture, leaves pieces of every length, and
/// summing over its T + L − 1 placements, L·T of its frames fall inside and Lmin(Lmin − 1) of those in pieces
/// shorter than the cut (1 … Lmin − 1 frames at each end), while T + L − 2Lmin + 1 placements leave a piece
/// of at least Lmin. So, with K the visits of at least Lmin frames and F their frames (per unit time),
/// the tracks passing the cut have mean length (T·F − Lmin(Lmin − 1)K) / ((T − 2Lmin + 1)K + F) and hold
/// that share of T·(all in-view frames); as T → ∞, F/K and F/(all). Missed detections and linking errors
/// also cut tracks and are not modelled.
public struct VisitLengthModel: Sendable, Hashable {
    /// Effective sheet thickness h, µm.
    public var sheetThicknessMicrometers: Double
    /// Minimum track length (localisations) of the tracks kept.
    public var minimumTrackLength: Int
    /// Frame interval Δt, s.
    public var frameIntervalSeconds: Double
    /// Sample temperature, °C (sets D by Stokes–Einstein).
    public var temperatureCelsius: Double
    /// Medium viscosity, mPa·s.
    public var viscosityMillipascalSeconds: Double
    /// Depth cells of the numerical propagation.
    public var depthCells: Int = 160
    /// Growth of the effective sheet thickness with size: h(d) = h·(d/``referenceDiameterNanometers``)^γ.
    /// 0 (the default) is one thickness for every size; a positive γ models brighter particles being
    /// detected deeper in a Gaussian light sheet (fitted by ``fittedSizeDependentThickness(_:)``).
    public var sheetThicknessExponent: Double = 0
    /// The diameter at which the thickness is ``sheetThicknessMicrometers``, nm.
    public var referenceDiameterNanometers: Double = 100
    /// The mean length of the captures whose first and last frames cut the visits, frames
    /// (``CaptureWindows/meanFrames`` in NTATracks); `nil` (the default), or below the minimum track
    /// length, leaves the captures' ends out (captures far longer than the visits).
    public var captureFrames: Double? = nil

    /// A measured shape of the thickness's growth with size, instead of the power law: relative
    /// thicknesses at increasing diameters (nm), interpolated linearly in ln d and held constant beyond
    /// the ends; h(d) = h·relative(d). `nil`: the power law of ``sheetThicknessExponent``.
    public var thicknessProfile: ThicknessProfile? = nil

    /// Relative sheet thicknesses at increasing diameters (see ``thicknessProfile``).
    public struct ThicknessProfile: Sendable, Hashable {
        /// Diameters, nm, increasing.
        public var diametersNanometers: [Double]
        /// The thickness at each, relative to ``VisitLengthModel/sheetThicknessMicrometers``.
        public var relative: [Double]

        /// A profile of `relative` thicknesses (positive) at increasing `diametersNanometers` (as many; checked by a
        /// precondition).
        public init(diametersNanometers: [Double], relative: [Double]) {
            precondition(diametersNanometers.count == relative.count && !relative.isEmpty, "one thickness per diameter")
            self.diametersNanometers = diametersNanometers
            self.relative = relative
        }
    }

    /// The effective sheet thickness for particles of `diameterNanometers`, µm.
    public func sheetThickness(diameterNanometers d: Double) -> Double {
        if let profile = thicknessProfile, let first = profile.diametersNanometers.first,
           let last = profile.diametersNanometers.last {
            let xs = profile.diametersNanometers, ys = profile.relative
            if d <= first { return sheetThicknessMicrometers * ys[0] }
            if d >= last { return sheetThicknessMicrometers * ys[ys.count - 1] }
            var hi = 1
            while xs[hi] < d { hi += 1 }
            let t = log(d / xs[hi - 1]) / log(xs[hi] / xs[hi - 1])
            return sheetThicknessMicrometers * (ys[hi - 1] * (1 - t) + ys[hi] * t)
        }
        return sheetThicknessExponent == 0 ? sheetThicknessMicrometers
            : sheetThicknessMicrometers * pow(d / referenceDiameterNanometers, sheetThicknessExponent)
    }

    /// Width of the field of view, µm (the image width × pixel size);
    /// `nil` treats that direction as unbounded (no lateral entries or exits).
    public var fieldWidthMicrometers: Double? = nil
    /// Height of the field of view, µm; `nil`: unbounded.
    public var fieldHeightMicrometers: Double? = nil

    /// A model with a uniform sheet of thickness h (µm, > 0) and a cut of `minimumTrackLength` (≥ 1) localisations,
    /// checked by a precondition; no lateral edges.
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
        /// Fraction of in-view frames in tracks of at least the minimum length (visits, or their pieces
        /// within a capture when ``VisitLengthModel/captureFrames`` is set).
        public var retainedFrameFraction: Double
        /// Mean length of the tracks that pass the cut, frames.
        public var meanRetainedLength: Double
    }

    /// The mean length (frames) of the visits that pass the cut, per diameter (nm): the visit
    /// models are independent, so they are computed in parallel, in the order given. `lateral` (one per
    /// diameter, from ``lateralEdges(diameterNanometers:)``) spares recomputing what the sheet does not change.
    func meanRetainedLengths(diametersNanometers: [Double], lateral: [LateralEdges]? = nil) -> [Double] {
        Parallel.map(count: diametersNanometers.count, minimumChunk: 1) {
            visits(diameterNanometers: diametersNanometers[$0], lateral: lateral?[$0]).meanRetainedLength
        }
    }

    /// The fraction of in-view frames that belong to visits passing the cut, per
    /// diameter: computed exactly at 33 anchors log-spaced over the requested
    /// range and interpolated linearly in ln d (the fraction varies smoothly with d).
    public func retainedFrameFraction(diametersNanometers: [Double]) -> [Double] {
        guard let lo = diametersNanometers.min(), let hi = diametersNanometers.max(), lo > 0 else { return [] }
        if hi / lo < 1.0001 { return diametersNanometers.map { visits(diameterNanometers: $0).retainedFrameFraction } }
        let anchors = 33
        let a = log(lo), step = (log(hi) - a) / Double(anchors - 1)
        let values = Parallel.map(count: anchors, minimumChunk: 1) {
            visits(diameterNanometers: exp(a + Double($0) * step)).retainedFrameFraction
        }
        return diametersNanometers.map { d in
            let x = (log(d) - a) / step
            let i = min(max(Int(x), 0), anchors - 2)
            let t = x - Double(i)
            return values[i] * (1 - t) + values[i + 1] * t
        }
    }

    /// The step SD s = √(2DΔt) in depth (µm) of particles of `diameterNanometers`.
    func depthStepMicrometers(diameterNanometers: Double) -> Double {
        let dUm2 = StokesEinstein.diffusionUm2PerS(diameterNanometers: diameterNanometers,
                                                    temperatureCelsius: temperatureCelsius,
                                                    viscosityMillipascalSeconds: viscosityMillipascalSeconds)
        return (2 * dUm2 * frameIntervalSeconds).squareRoot()
    }

    /// What the lateral edges do to visits of one size, which the sheet's thickness does not change: the
    /// survival inside each edge pair of particles that entered elsewhere (start uniform across a wide field:
    /// by Spitzer's formula the probability of having left within n steps is 2·(s/√(2π))·Σ_{k≤n} k^(−1/2) / W),
    /// and the entry flux and survival through each edge's face (a slab of the field's width, or 40 s when
    /// the field is wider: entry survival near one wall does not feel the far one within a few steps).
    struct LateralEdges: Sendable {
        /// The step SD, minimum length and field the parts were computed for (``visits(diameterNanometers:lateral:)``
        /// uses them only for the same).
        let stepSD: Double, minimumLength: Int, fieldWidth: Double?, fieldHeight: Double?
        /// Survival inside the edges across x (the field's width) and across y, by steps.
        let survivalX: [Double], survivalY: [Double]
        /// Entry flux per unit face area and survival after entry through the x edges, then the y edges.
        let entryX: (flux: Double, survival: [Double])?, entryY: (flux: Double, survival: [Double])?

        func fits(stepSD s: Double, minimumLength lmin: Int, fieldWidth w: Double?, fieldHeight h: Double?) -> Bool {
            stepSD == s && minimumLength == lmin && fieldWidth == w && fieldHeight == h
        }
    }

    /// The lateral edges' part of the visits of particles of `diameterNanometers` (see ``LateralEdges``).
    func lateralEdges(diameterNanometers: Double) -> LateralEdges {
        lateralEdges(stepSD: depthStepMicrometers(diameterNanometers: diameterNanometers),
                     minimumLength: max(minimumTrackLength, 1))
    }

    private func lateralEdges(stepSD s: Double, minimumLength lmin: Int) -> LateralEdges {
        func edges(_ width: Double?) -> (survival: [Double], entry: (flux: Double, survival: [Double])?) {
            var u = [Double](repeating: 1, count: lmin)
            guard let w = width else { return (u, nil) }
            var sum = 0.0
            for l in 1..<lmin {
                sum += 1 / Double(l).squareRoot()
                u[l] = max(0, 1 - 2 * s / (2 * Double.pi).squareRoot() * sum / w)
            }
            let near = VisitLengthModel.slab(width: min(w, 40 * s), stepSD: s, cells: 80, steps: lmin,
                                             uniformStart: false)
            return (u, (near.flux, near.entrySurvival))
        }
        let x = edges(fieldWidthMicrometers), y = edges(fieldHeightMicrometers)
        return LateralEdges(stepSD: s, minimumLength: lmin, fieldWidth: fieldWidthMicrometers,
                            fieldHeight: fieldHeightMicrometers, survivalX: x.survival, survivalY: y.survival,
                            entryX: x.entry, entryY: y.entry)
    }

    /// Visit statistics of particles of `diameterNanometers`. `lateral` (``lateralEdges(diameterNanometers:)``
    /// of this size, the field and minimum length) spares recomputing the edges' part; one made for other
    /// settings is ignored.
    public func visits(diameterNanometers: Double) -> Visits { visits(diameterNanometers: diameterNanometers, lateral: nil) }

    func visits(diameterNanometers: Double, lateral: LateralEdges?) -> Visits {
        let s = depthStepMicrometers(diameterNanometers: diameterNanometers)
        let h = sheetThickness(diameterNanometers: diameterNanometers)
        let lmin = max(minimumTrackLength, 1)
        // Through the sheet's faces: entry flux per unit area and survival after entry; and the
        // survival in z of particles that entered laterally (z uniform in the sheet).
        let sheet = VisitLengthModel.slab(width: h, stepSD: s, cells: depthCells, steps: lmin)
        let edges = lateral.flatMap {
            $0.fits(stepSD: s, minimumLength: lmin, fieldWidth: fieldWidthMicrometers, fieldHeight: fieldHeightMicrometers)
                ? $0 : nil
        } ?? lateralEdges(stepSD: s, minimumLength: lmin)
        let ux = edges.survivalX, uy = edges.survivalY
        var rates: [(rate: Double, survival: [Double])] = []
        let area = (fieldWidthMicrometers ?? 1) * (fieldHeightMicrometers ?? 1)
        rates.append((sheet.flux * area, sheet.entrySurvival))
        // Lateral edges: entries through their faces (h × the other side), and exits through them of
        // particles that entered elsewhere.
        if let x = edges.entryX { rates.append((x.flux * (h * (fieldHeightMicrometers ?? 1)), x.survival)) }
        if let y = edges.entryY { rates.append((y.flux * (h * (fieldWidthMicrometers ?? 1)), y.survival)) }
        // Combine: visits entering through the sheet faces must also stay inside laterally;
        // visits entering through a lateral edge must stay in the sheet and inside the other edge.
        var combined: [(rate: Double, survival: [Double])] = []
        combined.append((rates[0].rate, (0..<lmin).map { rates[0].survival[$0] * ux[$0] * uy[$0] }))
        var next = 1
        if fieldWidthMicrometers != nil {
            combined.append((rates[next].rate, (0..<lmin).map { rates[next].survival[$0] * sheet.uniformSurvival[$0] * uy[$0] }))
            next += 1
        }
        if fieldHeightMicrometers != nil {
            combined.append((rates[next].rate, (0..<lmin).map { rates[next].survival[$0] * sheet.uniformSurvival[$0] * ux[$0] }))
        }
        // Little's law: in-view frames (volume × density 1) = Σ rate × mean length.
        let volume = area * h
        var totalRate = 0.0, shortFrames = 0.0, keptVisits = 0.0
        for c in combined {
            totalRate += c.rate
            // Frames in visits shorter than the cut: Σ_{ℓ<Lmin} ℓ (S(ℓ) − S(ℓ+1)).
            for l in 1..<lmin { shortFrames += c.rate * Double(l) * (c.survival[l - 1] - c.survival[l]) }
            keptVisits += c.rate * c.survival[lmin - 1]
        }
        let meanLength = volume / totalRate
        if let t = captureFrames, t.isFinite, t >= Double(lmin) {
            let kept = Self.piecesWithinCaptures(longVisits: keptVisits, longVisitFrames: volume - shortFrames,
                                                 allFrames: volume, minimumLength: lmin, captureFrames: t)
            return Visits(meanLength: meanLength, retainedFrameFraction: kept.frameFraction,
                          meanRetainedLength: kept.meanLength)
        }
        let retained = max(0, 1 - shortFrames / volume)
        return Visits(meanLength: meanLength, retainedFrameFraction: retained,
                      meanRetainedLength: keptVisits > 0 ? (volume - shortFrames) / keptVisits : .nan)
    }

    /// The tracks that pass a cut of `lmin` frames when captures of `captureFrames` (T ≥ lmin) frames also cut
    /// the visits, from the visits of at least lmin frames (K, `longVisits`, and their frames F,
    /// `longVisitFrames`) and all in-view frames V (`allFrames`), each per unit time: summed over every
    /// placement of a visit relative to a capture, the pieces of at least lmin hold T·F − lmin(lmin − 1)K of
    /// T·V frames and number (T − 2lmin + 1)K + F (see the type's description). Returns their mean length
    /// (NaN without long visits) and the share of in-view frames they hold.
    static func piecesWithinCaptures(longVisits k: Double, longVisitFrames f: Double, allFrames v: Double,
                                     minimumLength lmin: Int, captureFrames t: Double)
        -> (meanLength: Double, frameFraction: Double) {
        let frames = t * f - Double(lmin) * Double(lmin - 1) * k
        let pieces = (t - Double(2 * lmin - 1)) * k + f
        return (k > 0 ? frames / pieces : .nan, v > 0 ? max(0, frames / (t * v)) : 0)
    }

    /// A slab [0, w] crossed by a Gaussian walk of step SD `s`: the entry flux per
    /// unit face area (both faces, unit density outside), the survival
    /// S(ℓ) = P(still inside for ℓ frames), ℓ = 1…`steps`, of a walk started from
    /// the entry distribution, and of one started uniformly inside.
    /// The most depth cells a slab is divided into (bounds memory and work whatever D is).
    static let maximumCells = 4096

    static func slab(width w: Double, stepSD s: Double, cells: Int, steps: Int, uniformStart: Bool = true)
        -> (flux: Double, entrySurvival: [Double], uniformSurvival: [Double]) {
        // A walk that does not move (s = 0: an infinite viscosity) never leaves and no flux
        // enters; a non-finite width or step has no meaningful slab either.
        guard s > 0, s.isFinite, w > 0, w.isFinite else {
            let stays = [Double](repeating: 1, count: max(steps, 1))
            return (0, stays, uniformStart ? stays : [])
        }
        // Cells ≤ s/2, but at most `maximumCells`: a step far below the cell size then moves
        // mass only to the neighbouring cells, and survival over the few frames of a track is ≈ 1.
        let n = Int(min(max(Double(cells), (2 * w / s).rounded(.up)), Double(max(cells, Self.maximumCells))))
        let dz = w / Double(n)
        func phiC(_ x: Double) -> Double { 0.5 * erfc(x / 2.0.squareRoot()) }
        // Entry density per cell: exact cell integrals of Φc(z/s) + Φc((w − z)/s), by the
        // antiderivative ∫Φc(z/s)dz = z Φc(z/s) − s φ(z/s).
        func integralPhiC(_ z: Double) -> Double {
            let x = z / s
            return z * phiC(x) - s * exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
        }
        var entry = [Double](repeating: 0, count: n)
        // A cell's lower edge is usually its predecessor's upper edge to the bit: then that cell's two
        // antiderivatives (at b and w − b) serve again, not recomputed.
        var previous: (b: Double, atB: Double, atWMinusB: Double)?
        for i in 0..<n {
            let a = Double(i) * dz, b = a + dz
            let atA: Double, atWMinusA: Double
            if let p = previous, p.b == a {
                (atA, atWMinusA) = (p.atB, p.atWMinusB)
            } else {
                (atA, atWMinusA) = (integralPhiC(a), integralPhiC(w - a))
            }
            let atB = integralPhiC(b), atWMinusB = integralPhiC(w - b)
            entry[i] = (atB - atA) + (atWMinusA - atWMinusB)
            previous = (b, atB, atWMinusB)
        }
        let flux = entry.reduce(0, +)
        // Transition probabilities from cell centre i to cell j depend on |j − i| only (a symmetric Toeplitz
        // matrix M, each offset's probability computed once for both signs); offsets beyond 8.5 s have
        // probability < 1e-16 and are dropped.
        let reach = Int(min(Double(n - 1), (8.5 * s / dz).rounded(.up) + 1))
        var kernel = [Double](repeating: 0, count: 2 * reach + 1)
        for o in 0...reach {
            let a = (Double(o) - 0.5) * dz
            let p = phiC(a / s) - phiC((a + dz) / s)
            kernel[reach + o] = p
            kernel[reach - o] = p
        }
        // The mass still inside after ℓ steps from a start π is 1ᵀMˡπ = πᵀ(Mˡ1) because M is symmetric: one
        // propagation of v = Mˡ1 (the probability of staying ℓ steps from each cell) serves every start. The
        // slab is symmetric about its centre, and so is v: only the first half is computed, the rest mirrored.
        let entryStart = entry.map { $0 / flux }
        var entrySurvival = [1.0], uniformSurvival = [1.0]
        var v = [Double](repeating: 1, count: n), next = v
        kernel.withUnsafeBufferPointer { k in
            for _ in 1..<max(steps, 1) {
                v.withUnsafeBufferPointer { from in
                    next.withUnsafeMutableBufferPointer { to in
                        nta_slab_step(from.baseAddress!, to.baseAddress!, k.baseAddress!, Int64(n), Int64(reach))
                    }
                }
                swap(&v, &next)
                var e = 0.0, u = 0.0
                for i in 0..<n {
                    e += entryStart[i] * v[i]
                    u += v[i]
                }
                entrySurvival.append(e)
                uniformSurvival.append(u / Double(n))
            }
        }
        return (flux, entrySurvival, uniformStart ? uniformSurvival : [])
    }
}

extension VisitLengthModel {
    /// The grid nodes a thickness is fitted on: those carrying at least 0.1 % of the largest track weight
    /// and a defined mean length, thinned to at most 16 for speed.
    static func fittingNodes(trackWeights: [Double], meanFramesPerTrack: [Double]) -> [Int] {
        let top = trackWeights.max() ?? 0
        var nodes = trackWeights.indices.filter { trackWeights[$0] > 1e-3 * top && meanFramesPerTrack[$0].isFinite }
        if nodes.count > 16 {
            let stride = Double(nodes.count) / 16
            nodes = (0..<16).map { nodes[Int(Double($0) * stride)] }
        }
        return nodes
    }

    /// The diameter a size-dependent thickness is expressed relative to: the track-weighted geometric mean
    /// diameter of the fitting `nodes` (``fittingNodes(trackWeights:meanFramesPerTrack:)``).
    static func referenceDiameter(nodes: [Int], diametersNanometers: [Double], trackWeights: [Double]) -> Double {
        let w = nodes.reduce(0.0) { $0 + trackWeights[$1] }
        return exp(nodes.reduce(0.0) { $0 + trackWeights[$1] * log(diametersNanometers[$1]) } / w)
    }

    /// How far this model's mean lengths of cut-passing visits are from the observed ones at `nodes`:
    /// Σ wₘ (ln ℓ̄ₘ − ln ℓ̂ₘ)², a non-finite residual counting 10⁶.
    func lengthMisfit(nodes: [Int], diametersNanometers: [Double], trackWeights: [Double],
                      meanFramesPerTrack: [Double], lateral: [LateralEdges]? = nil) -> Double {
        let predicted = meanRetainedLengths(diametersNanometers: nodes.map { diametersNanometers[$0] }, lateral: lateral)
        var s = 0.0
        for (k, n) in nodes.enumerated() {
            let r = log(meanFramesPerTrack[n]) - log(predicted[k])
            s += trackWeights[n] * (r.isFinite ? r * r : 1e6)
        }
        return s
    }

    /// This model with a size-dependent thickness h(d) = h₀·(d/d_ref)^γ fitted to the observed mean
    /// track lengths (the same weighted loss as ``fittedSheetThickness(diametersNanometers:trackWeights:meanFramesPerTrack:minimumTrackLength:frameIntervalSeconds:temperatureCelsius:viscosityMillipascalSeconds:fieldWidthMicrometers:fieldHeightMicrometers:captureFrames:)``,
    /// golden-section over γ ∈ [0, 2] around a golden-section over ln h₀), with d_ref the nodes'
    /// track-weighted geometric mean diameter.
    public func fittedSizeDependentThickness(diametersNanometers: [Double], trackWeights: [Double],
                                             meanFramesPerTrack: [Double]) -> VisitLengthModel {
        let nodes = Self.fittingNodes(trackWeights: trackWeights, meanFramesPerTrack: meanFramesPerTrack)
        guard nodes.count >= 3 else { return self }
        let reference = Self.referenceDiameter(nodes: nodes, diametersNanometers: diametersNanometers,
                                               trackWeights: trackWeights)
        // The edges' part of each node's visits, which the thickness searched for does not change.
        let lateral = nodes.map { lateralEdges(diameterNanometers: diametersNanometers[$0]) }
        func model(_ logH: Double, _ gamma: Double) -> VisitLengthModel {
            var m = self
            m.sheetThicknessMicrometers = exp(logH)
            m.sheetThicknessExponent = gamma
            m.referenceDiameterNanometers = reference
            return m
        }
        func loss(_ m: VisitLengthModel) -> Double {
            m.lengthMisfit(nodes: nodes, diametersNanometers: diametersNanometers, trackWeights: trackWeights,
                           meanFramesPerTrack: meanFramesPerTrack, lateral: lateral)
        }
        func bestLogThickness(_ gamma: Double) -> Double {
            Self.goldenSectionMinimum(log(0.5), log(100.0), tolerance: 0.02) { loss(model($0, gamma)) }
        }
        let gamma = Self.goldenSectionMinimum(0, 2, tolerance: 0.02) { loss(model(bestLogThickness($0), $0)) }
        return model(bestLogThickness(gamma), gamma)
    }

    /// This model with the thickness's shape `relative` (at `diametersNanometers`, increasing; see
    /// ``thicknessProfile``) and its scale h fitted to the observed mean track lengths by the same weighted
    /// loss as ``fittedSizeDependentThickness(diametersNanometers:trackWeights:meanFramesPerTrack:)``
    /// (golden-section over ln h, 0.5–100 µm).
    public func fittedScale(ofProfile relative: [Double], diametersNanometers: [Double], trackWeights: [Double],
                            meanFramesPerTrack: [Double]) -> VisitLengthModel {
        var shaped = self
        shaped.sheetThicknessExponent = 0
        shaped.thicknessProfile = ThicknessProfile(diametersNanometers: diametersNanometers, relative: relative)
        let nodes = Self.fittingNodes(trackWeights: trackWeights, meanFramesPerTrack: meanFramesPerTrack)
        guard !nodes.isEmpty else { return shaped }
        let lateral = nodes.map { shaped.lateralEdges(diameterNanometers: diametersNanometers[$0]) }
        func loss(_ logH: Double) -> Double {
            var m = shaped
            m.sheetThicknessMicrometers = exp(logH)
            return m.lengthMisfit(nodes: nodes, diametersNanometers: diametersNanometers, trackWeights: trackWeights,
                                  meanFramesPerTrack: meanFramesPerTrack, lateral: lateral)
        }
        shaped.sheetThicknessMicrometers = exp(Self.goldenSectionMinimum(log(0.5), log(100.0), tolerance: 0.02, loss))
        return shaped
    }

    /// The sheet thickness h (µm) that best explains the observed track lengths:
    /// minimises Σₘ wₘ (ln ℓ̄ₘ − ln ℓ̂ₘ(h))² over grid nodes, where ℓ̄ₘ are
    /// the mean frames of the (cut-passing) tracks attributed to node m,
    /// ℓ̂ₘ(h) the model's mean length of visits that pass the cut, and wₘ the
    /// track weights. Golden-section search on ln h over 0.5–100 µm (to ±0.5 %),
    /// using at most 16 nodes spread over those carrying ≥ 0.1 % of the tracks.
    ///
    /// Track-ending mechanisms the model ignores (missed detections, linking
    /// errors; the captures' ends when `captureFrames` is `nil`; lateral exits when no field size is given)
    /// shorten observed tracks, so h is biased low when they are common.
    public static func fittedSheetThickness(
        diametersNanometers: [Double], trackWeights: [Double], meanFramesPerTrack: [Double],
        minimumTrackLength: Int, frameIntervalSeconds: Double, temperatureCelsius: Double,
        viscosityMillipascalSeconds: Double, fieldWidthMicrometers: Double? = nil,
        fieldHeightMicrometers: Double? = nil, captureFrames: Double? = nil
    ) -> Double {
        let nodes = fittingNodes(trackWeights: trackWeights, meanFramesPerTrack: meanFramesPerTrack)
        guard !nodes.isEmpty else { return .nan }
        func model(_ logH: Double) -> VisitLengthModel {
            var model = VisitLengthModel(sheetThicknessMicrometers: exp(logH), minimumTrackLength: minimumTrackLength,
                                         frameIntervalSeconds: frameIntervalSeconds,
                                         temperatureCelsius: temperatureCelsius,
                                         viscosityMillipascalSeconds: viscosityMillipascalSeconds)
            model.fieldWidthMicrometers = fieldWidthMicrometers
            model.fieldHeightMicrometers = fieldHeightMicrometers
            model.captureFrames = captureFrames
            return model
        }
        // The edges' part of each node's visits, which the thickness searched for does not change.
        let lateral = nodes.map { model(0).lateralEdges(diameterNanometers: diametersNanometers[$0]) }
        func loss(_ logH: Double) -> Double {
            model(logH).lengthMisfit(nodes: nodes, diametersNanometers: diametersNanometers, trackWeights: trackWeights,
                                     meanFramesPerTrack: meanFramesPerTrack, lateral: lateral)
        }
        return exp(goldenSectionMinimum(log(0.5), log(100.0), tolerance: 0.01, loss))
    }

    /// The minimiser of a unimodal `f` on [`lower`, `upper`] by golden-section search: the midpoint of the last
    /// bracket once it is narrower than `tolerance`.
    static func goldenSectionMinimum(_ lower: Double, _ upper: Double, tolerance: Double,
                                     _ f: (Double) -> Double) -> Double {
        var a = lower, b = upper
        let g = (5.0.squareRoot() - 1) / 2
        var c = b - g * (b - a), d = a + g * (b - a)
        var fc = f(c), fd = f(d)
        while b - a > tolerance {
            if fc < fd { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c) }
            else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d) }
        }
        return (a + b) / 2
    }
}
