/// How a reported size distribution was formed (JSON `distribution`, the raw value).
public enum DistributionKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// The sample's number distribution, deconvolved from the per-track likelihoods.
    case deconvolved
    /// One count per sized track in 1-nm bins (not deconvolved).
    case trackHistogram
    /// The instrument's own binned distribution (NanoSight, ZetaView summaries).
    case instrument
    /// Videos pooled whose distributions were formed in different ways.
    case mixed
}
