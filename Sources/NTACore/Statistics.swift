import Foundation

/// Small statistical helpers shared by the stages (normal and Student-t quantiles, sample SD).
public enum Statistics {
    /// Sample standard deviation (n − 1).
    public static func standardDeviation(_ v: [Double]) -> Double {
        let f = v.filter(\.isFinite)
        guard f.count > 1 else { return .nan }
        let m = f.reduce(0, +) / Double(f.count)
        return (f.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(f.count - 1)).squareRoot()
    }

    /// Standard normal CDF.
    public static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// Standard normal quantile, by bisection on the CDF (exact to ~1e-12).
    public static func normalQuantile(_ p: Double) -> Double {
        guard p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        var lo = -40.0, hi = 40.0
        for _ in 0..<100 {
            let mid = (lo + hi) / 2
            if normalCDF(mid) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// Quantile of Student's t with ν degrees of freedom: exact for ν = 1, 2;
    /// the Cornish–Fisher expansion in z (Abramowitz & Stegun 26.7.5) otherwise.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Int) -> Double {
        switch nu {
        case ...1: return tan(Double.pi * (p - 0.5))
        case 2: return (2 * p - 1) / (2 * p * (1 - p)).squareRoot()
        default:
            let z = normalQuantile(p), n = Double(nu)
            let z2 = z * z
            let g1 = (z2 + 1) * z / 4
            let g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
            let g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
            let g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
            return z + g1 / n + g2 / (n * n) + g3 / (n * n * n) + g4 / (n * n * n * n)
        }
    }
}
