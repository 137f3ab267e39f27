/// The rows of a ``TrajectoryTable`` without their positions: which particle was seen in which frame,
/// and how bright it was.
///
/// What the stages after sizing need from the trajectories as read (particles per frame for the
/// concentration, intensities for the intensity classes, the tracks the grouping dropped): keeping
/// these columns instead of the whole table lets the analysis release the positions, two thirds of
/// a table's memory, once the tracks are grouped. The columns share storage with the table they came
/// from (``TrajectoryTable/rows``) until either is changed.
public struct TrajectoryRows: Sendable {
    /// Track (particle) identifier of each row, as the tracker assigned it.
    public var particle: [Int64]
    /// Frame index of each row.
    public var frame: [Int32]
    /// Scattering intensity of each row (arbitrary units), when the file has it.
    public var intensity: [Double]?

    /// Number of rows.
    public var count: Int { particle.count }

    /// Rows from equal-length columns (`intensity`, when given, too; checked by a precondition).
    public init(particle: [Int64] = [], frame: [Int32] = [], intensity: [Double]? = nil) {
        precondition(particle.count == frame.count && (intensity == nil || intensity!.count == frame.count))
        self.particle = particle
        self.frame = frame
        self.intensity = intensity
    }
}

extension TrajectoryTable {
    /// The table's rows without their positions (sharing the columns' storage).
    public var rows: TrajectoryRows {
        TrajectoryRows(particle: particle, frame: frame, intensity: intensity)
    }
}
