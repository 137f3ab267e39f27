/// Per-track results of one video (tracks that passed every filter), one column per quantity, in track order.
public struct TrackEstimates: Sendable {
    /// The tracker's particle id of each track.
    public var particleIDs: [Int64] = []
    /// Localisations per track.
    public var lengths: [Int] = []
    /// Diffusion coefficient D, µm²/s.
    public var diffusionUm2PerS: [Double] = []
    /// Variance of the D estimate, µm⁴/s².
    public var diffusionVarianceUm4PerS2: [Double] = []
    /// Stokes–Einstein hydrodynamic diameter from D, nm.
    public var diametersNanometers: [Double] = []

    /// No tracks.
    public init() {}

    /// Diameter (nm) by particle id; the first track wins when an id repeats.
    public var diametersByParticle: [Int64: Double] {
        Dictionary(zip(particleIDs, diametersNanometers), uniquingKeysWith: { a, _ in a })
    }
}
