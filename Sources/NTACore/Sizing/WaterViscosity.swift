import Foundation

/// How the viscosity of the medium (water) follows from temperature.
public enum ViscosityModel: String, Sendable, Codable, CaseIterable, Hashable {
    /// IAPWS correlation for liquid water at 0.1 MPa (Pátek, Hrubý, Klomfar,
    /// Součková & Harvey, J Phys Chem Ref Data 38:21, 2009):
    /// η = Σᵢ aᵢ (T/300 K)^bᵢ µPa·s, a = (280.68, 511.45, 61.131, 0.45903),
    /// b = (−1.9, −7.7, −19.6, −40). 1.0016 mPa·s at 20 °C, 0.8900 at 25 °C.
    case iapws
    /// The formula whose values NanoSight NTA 3.2–3.4 writes in its
    /// `Viscosity/cP` column (to 6 digits):
    /// η = 10^((1.3272(20 − t) − 0.001053(t − 20)²)/(t + 105)) mPa·s, t in °C.
    case nanosight
    /// Vogel's equation, η = exp(−3.7188 + 578.919/(T − 137.546)) mPa·s, T in K.
    case vogel

    /// Viscosity of water at `temperatureCelsius`, mPa·s.
    public func viscosityMillipascalSeconds(temperatureCelsius t: Double) -> Double {
        switch self {
        case .iapws:
            let theta = (t + PhysicalConstants.zeroCelsiusInKelvin) / 300
            let a = (280.68, 511.45, 61.131, 0.45903)
            let b = (-1.9, -7.7, -19.6, -40.0)
            let micro = a.0 * pow(theta, b.0) + a.1 * pow(theta, b.1) + a.2 * pow(theta, b.2) + a.3 * pow(theta, b.3)
            return micro / 1000
        case .nanosight:
            let exponent = (1.3272 * (20 - t) - 0.001053 * (t - 20) * (t - 20)) / (t + 105)
            return pow(10, exponent)
        case .vogel:
            let kelvin = t + PhysicalConstants.zeroCelsiusInKelvin
            return exp(-3.7188 + 578.919 / (kelvin - 137.546))
        }
    }
}

extension ViscosityModel {
    /// How reports cite the model.
    public var citation: String {
        switch self {
        case .iapws: return "IAPWS (Pátek et al. 2009)"
        case .nanosight: return "NanoSight NTA 3.x formula"
        case .vogel: return "Vogel equation"
        }
    }
}
