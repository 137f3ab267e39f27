/// Physical constants used by the sizing stage, exact where SI defines them.
public enum PhysicalConstants {
    /// Boltzmann constant k_B, J/K. Exact by definition since the 2019 SI
    /// redefinition (BIPM, The International System of Units, 9th ed., 2019).
    public static let boltzmannJoulesPerKelvin = 1.380649e-23
    /// 0 °C in kelvin, exact by definition.
    public static let zeroCelsiusInKelvin = 273.15
}
