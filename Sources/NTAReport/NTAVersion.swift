/// The package version reported in outputs.
public enum NTAVersion {
    /// The version, as major.minor.patch.
    public static let string = "0.1.0"
}
