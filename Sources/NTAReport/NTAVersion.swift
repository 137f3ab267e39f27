/// The package version reported in outputs.
public enum NTAVersion {
    public static let string = "0.1.0"
}
