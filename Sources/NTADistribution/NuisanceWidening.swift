import NTACore

extension ConfidenceInterval {
    /// This interval with an independent error added in quadrature about `estimate` (delta method):
    /// each side's half-width h becomes √(h² + (z·shift)²), and the standard error √(SE² + shift²).
    /// `shift` is the estimate's change for one standard error of the added source; `z` the normal
    /// quantile of the interval's level. A side on the wrong side of the estimate counts as 0 wide. Neither end moves
    /// inward: where the squares underflow (a band's bins near 10⁻²⁰⁰) √(h² + e²) − h would be −h, and the ends had
    /// come out crossed by a unit in the last place.
    public func widened(about estimate: Double, byShift shift: Double, z: Double) -> ConfidenceInterval {
        guard shift.isFinite, shift != 0, estimate.isFinite else { return self }
        let extra = z * shift
        let below = max(estimate - lower, 0), above = max(upper - estimate, 0)
        return ConfidenceInterval(
            lower: lower - max((below * below + extra * extra).squareRoot() - below, 0),
            upper: upper + max((above * above + extra * extra).squareRoot() - above, 0),
            standardError: (standardError * standardError + shift * shift).squareRoot())
    }
}

extension DeconvolutionBootstrap {
    /// Adds the uncertainty of a nuisance parameter the replicates held fixed (an estimated blur
    /// coefficient R, say) to every interval and to the distribution band, by the delta method:
    /// `shifted` is the full-data fit redone with the nuisance moved by one standard error, and each
    /// statistic's change from `point` is added in quadrature to its bootstrap interval (the
    /// nuisance's error taken as independent of the track resampling). Fractions stay in [0, 1], the
    /// geometric SD ≥ 1 and sizes > 0.
    ///
    /// - Parameters:
    ///   - point: the full-data summary the intervals are about.
    ///   - shifted: the same fit with the nuisance moved by one standard error.
    ///   - pointBand: the full-data number distribution on the band's 1-nm bins, normalised to 1.
    ///   - shiftedBand: the moved fit's, likewise.
    public mutating func addUncertainty(point: GridSizeSummary, shifted: GridSizeSummary,
                                        pointBand: [Double], shiftedBand: [Double]) {
        let z = Statistics.normalQuantile((1 + level) / 2)
        func widen(_ ci: ConfidenceInterval, _ p: Double, _ s: Double, floor: Double, ceiling: Double = .infinity)
            -> ConfidenceInterval {
            var w = ci.widened(about: p, byShift: s - p, z: z)
            w.lower = max(w.lower, floor)
            w.upper = min(w.upper, ceiling)
            return w
        }
        d10Nm = widen(d10Nm, point.d10Nm, shifted.d10Nm, floor: 0)
        d50Nm = widen(d50Nm, point.d50Nm, shifted.d50Nm, floor: 0)
        d90Nm = widen(d90Nm, point.d90Nm, shifted.d90Nm, floor: 0)
        modeNm = widen(modeNm, point.modeNm, shifted.modeNm, floor: 0)
        geometricSD = widen(geometricSD, point.geometricSD, shifted.geometricSD, floor: 1)
        windowFraction = widen(windowFraction, point.windowFraction, shifted.windowFraction, floor: 0, ceiling: 1)
        var lower = numberDistributionBand.lower.values, upper = numberDistributionBand.upper.values
        for i in lower.indices {
            let p = i < pointBand.count ? pointBand[i] : 0, s = i < shiftedBand.count ? shiftedBand[i] : 0
            let ci = ConfidenceInterval(lower: lower[i], upper: upper[i], standardError: 0)
                .widened(about: p, byShift: s - p, z: z)
            lower[i] = max(ci.lower, 0)
            upper[i] = ci.upper
        }
        numberDistributionBand.lower.values = lower
        numberDistributionBand.upper.values = upper
    }
}

extension DeconvolvedSizeDistribution {
    /// Adds the uncertainty of a nuisance parameter this fit held fixed to its bootstrap intervals
    /// (``DeconvolutionBootstrap/addUncertainty(point:shifted:pointBand:shiftedBand:)``) and records
    /// the moved fit's summary in ``nuisanceShifted``. Nothing changes without a bootstrap.
    /// - Parameter shifted: the same tracks deconvolved with the nuisance moved by one standard error.
    ///
    /// A fit whose width the tracks do not resolve (its bootstrap ``DeconvolutionBootstrap/locationOnly``) is a spike
    /// that a refit from it does not move (as its replicates would not): its moved summary is instead the distribution
    /// moved along ln d by the ratio of the best single sizes with and without the shift (``WidthResolution``).
    public mutating func addUncertainty(of shifted: DeconvolvedSizeDistribution) {
        guard bootstrap != nil else { return }
        func normalised(_ d: SizeDeconvolution) -> [Double] {
            let total = d.numberWeights.reduce(0, +)
            return d.numberDistribution(total: total > 0 ? 1 / total : 0).values
        }
        var moved = shifted.summary
        var movedBand = normalised(shifted.deconvolution)
        if bootstrap?.locationOnly == true, let a = widthResolution?.singleSizeNanometers,
           let b = shifted.widthResolution?.singleSizeNanometers, a > 0, b > 0, a.isFinite, b.isFinite {
            let weights = deconvolution.numberWeights, grid = deconvolution.grid
            let total = weights.reduce(0, +)
            moved = GridSizeSummary(weights: weights, grid: grid, window: window, scale: b / a)
            movedBand = grid.binned(weights.map { total > 0 ? $0 / total : 0 }, scaledBy: b / a).values
        }
        bootstrap?.addUncertainty(point: summary, shifted: moved,
                                  pointBand: normalised(deconvolution), shiftedBand: movedBand)
        nuisanceShifted = moved
    }
}
