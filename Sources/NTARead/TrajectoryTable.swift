import NTACore
/// The unit of positions in a ``TrajectoryTable``.
public enum PositionUnit: String, Sendable, Codable, Hashable {
    /// Camera pixels (converted to nm with the pixel size, nm per pixel).
    case pixels
    /// Nanometres.
    case nanometers
    /// Micrometres (1000 nm).
    case micrometers

    /// Nanometres per unit: 1, 1000, or the pixel size for pixels (`nil` when it is not given).
    public func nanometersPerUnit(pixelSizeNanometers: Double?) -> Double? {
        switch self {
        case .pixels: return pixelSizeNanometers
        case .nanometers: return 1
        case .micrometers: return 1000
        }
    }
}

/// Localisations of particles, one row per particle per frame, stored by
/// column in contiguous arrays (struct of arrays).
///
/// This is what readers produce. Rows may be in any order; grouping them into
/// tracks is the job of ``TrackGrouping``.
public struct TrajectoryTable: Sendable {
    /// Track (particle) identifier of each row, as the tracker assigned it.
    public var particle: [Int64]
    /// Frame index of each row.
    public var frame: [Int32]
    /// x position of each row, in ``positionUnit``.
    public var x: [Double]
    /// y position of each row, in ``positionUnit``.
    public var y: [Double]
    /// Scattering intensity of each row (arbitrary units), when the file has it.
    public var intensity: [Double]?
    /// The unit of `x` and `y`.
    public var positionUnit: PositionUnit

    /// Number of rows.
    public var count: Int { particle.count }

    /// A table from equal-length columns (`intensity`, when given, too; checked by a precondition).
    public init(
        particle: [Int64] = [], frame: [Int32] = [], x: [Double] = [], y: [Double] = [],
        intensity: [Double]? = nil, positionUnit: PositionUnit = .pixels
    ) {
        precondition(particle.count == frame.count && frame.count == x.count && x.count == y.count)
        precondition(intensity == nil || intensity!.count == x.count)
        self.particle = particle
        self.frame = frame
        self.x = x
        self.y = y
        self.intensity = intensity
        self.positionUnit = positionUnit
    }

    /// Reserves room for `n` rows in every column.
    public mutating func reserveCapacity(_ n: Int) {
        particle.reserveCapacity(n)
        frame.reserveCapacity(n)
        x.reserveCapacity(n)
        y.reserveCapacity(n)
        intensity?.reserveCapacity(n)
    }

    /// The largest |x| or |y| of any row, in the table's unit (0 without rows).
    public var largestCoordinateMagnitude: Double {
        // In chunks on all cores (a maximum is exact in any order): the largest |v| of a column is its least or
        // its largest value's (``ColumnExtremes``; a column with no value but NaNs in the chunk adds nothing).
        let parts = Parallel.mapChunks(count: x.count, minimumChunk: 1 << 16) { range -> Double in
            let b = x.withUnsafeBufferPointer { x in
                y.withUnsafeBufferPointer { y in ColumnExtremes.bounds(x, y, range) }
            }
            var largest = 0.0
            if b.minX <= b.maxX { largest = max(largest, abs(b.minX), abs(b.maxX)) }
            if b.minY <= b.maxY { largest = max(largest, abs(b.minY), abs(b.maxY)) }
            return largest
        }
        return parts.max() ?? 0
    }

    /// Appends the rows of `other` (same unit and the same intensity presence).
    public mutating func append(contentsOf other: TrajectoryTable) {
        particle.append(contentsOf: other.particle)
        frame.append(contentsOf: other.frame)
        x.append(contentsOf: other.x)
        y.append(contentsOf: other.y)
        if intensity != nil {
            intensity!.append(contentsOf: other.intensity ?? Array(repeating: .nan, count: other.count))
        }
    }
}
