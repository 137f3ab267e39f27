import NTACore

/// What a distribution block's bins are of.
public enum NanoSightQuantity: String, Sendable, Hashable, Codable {
    /// Diameter, nm (`[Size Data]`).
    case size
    /// Diffusion coefficient, 10⁴ nm²/s (`[Diffusion Coefficient Data]`).
    case diffusionCoefficient
}

/// How a distribution block weights particles.
public enum NanoSightWeighting: String, Sendable, Hashable, Codable {
    /// Each particle counts once (`Number`).
    case number
    /// Weighted by surface area, ∝ d² (`Surface Area`).
    case surfaceArea
    /// Weighted by volume, ∝ d³ (`Volume`).
    case volume
    /// A weighting this reader does not know; the text is in the block.
    case other
}

/// One distribution block of `[Size Data]` or `[Diffusion Coefficient Data]`:
/// the printed statistics, the binned distribution of every video (with NTA's
/// average and standard error columns when present) and the percentile table.
public struct NanoSightDistributionBlock: Sendable, Hashable {
    /// What the bins are of (size or diffusion coefficient).
    public var quantity: NanoSightQuantity
    /// How particles are weighted.
    public var weighting: NanoSightWeighting
    /// The weighting as printed (`Number`, `Surface Area`, `Volume`).
    public var weightingText: String
    /// `FTLA` etc.
    public var analysisMethod: String?
    /// 1-based line where the block starts.
    public var line: Int
    /// Video names of the block's `Filename` row.
    public var videoNames: [String]
    /// Printed statistics rows: `Mean`, `Mode`, `SD`, `D10`, `D50`, `D90`, `Valid Tracks`.
    public var statistics: [NanoSightKeyRow]
    /// Header of the bin column, e.g. `Bin centre (nm)`.
    public var binHeader: String
    /// Header of the first value column, e.g. `Concentration (particles / ml)`.
    public var valueHeader: String
    /// Bin centres, in the block's unit.
    public var binCentres: [Double]
    /// `binValues[video][bin]`.
    public var binValues: [[Double]]
    /// NTA's `Concentration average` column, when present.
    public var binAverage: [Double]?
    /// NTA's `Standard Error` column, when present.
    public var binStandardError: [Double]?
    /// `percentiles[video][p]` for p = 0 … 100, when the block has a percentile table.
    public var percentiles: [[Double]]
    /// 1-based line of the percentile table header, when present.
    public var percentileLine: Int?

    /// The printed statistic `key` (e.g. `D50`) of every video.
    public func statistic(_ key: String) -> NanoSightKeyRow? {
        let k = key.lowercased()
        return statistics.first { $0.key.lowercased() == k }
    }

    /// The bins of `video` as a uniform-bin distribution (`nil` when the bins are not uniform or empty).
    public func distribution(video: Int) -> BinnedDistribution? {
        guard binValues.indices.contains(video), binCentres.count >= 2 else { return nil }
        let width = binCentres[1] - binCentres[0]
        guard width > 0 else { return nil }
        return BinnedDistribution(firstCentreNanometers: binCentres[0], binWidthNanometers: width,
                                  values: binValues[video])
    }

    /// NTA's average column as a distribution, when present.
    public var averageDistribution: BinnedDistribution? {
        guard let binAverage, binCentres.count >= 2 else { return nil }
        return BinnedDistribution(firstCentreNanometers: binCentres[0],
                                  binWidthNanometers: binCentres[1] - binCentres[0], values: binAverage)
    }
}
