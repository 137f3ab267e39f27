/// The Stokes–Einstein relation between a sphere's hydrodynamic diameter and
/// its translational diffusion coefficient: d = k_B·T / (3π·η·D).
///
/// Assumes a sphere in a Newtonian fluid at low Reynolds number, far from
/// walls. 1 K of temperature error moves the diameter by about 2.6–2.7 %
/// (mostly through η(T)).
public enum StokesEinstein {
    /// Hydrodynamic diameter, nm, of a sphere diffusing with `diffusionUm2PerS`
    /// (µm²/s) at `temperatureCelsius` in a medium of `viscosityMillipascalSeconds`.
    @inlinable
    public static func diameterNanometers(
        diffusionUm2PerS d: Double, temperatureCelsius t: Double, viscosityMillipascalSeconds eta: Double
    ) -> Double {
        let kelvin = t + PhysicalConstants.zeroCelsiusInKelvin
        // m²/s = µm²/s × 1e-12; Pa·s = mPa·s × 1e-3; metres → nm × 1e9.
        return PhysicalConstants.boltzmannJoulesPerKelvin * kelvin / (3 * Double.pi * eta * 1e-3 * d * 1e-12) * 1e9
    }

    /// Diffusion coefficient, µm²/s, of a sphere of `diameterNanometers`.
    @inlinable
    public static func diffusionUm2PerS(
        diameterNanometers dNm: Double, temperatureCelsius t: Double, viscosityMillipascalSeconds eta: Double
    ) -> Double {
        let kelvin = t + PhysicalConstants.zeroCelsiusInKelvin
        return PhysicalConstants.boltzmannJoulesPerKelvin * kelvin / (3 * Double.pi * eta * 1e-3 * dNm * 1e-9) * 1e12
    }
}
