import Foundation
import NTACore

/// One population of particles: a log-normal number distribution of diameters.
public struct SizeComponent: Sendable, Hashable, Codable {
    /// Name, e.g. `vesicles` or `debris`.
    public var name: String
    /// Number fraction of the sample's particles in this population (weights
    /// are normalised over the mixture).
    public var weight: Double
    /// Median diameter, nm.
    public var medianNanometers: Double
    /// Geometric standard deviation (1 = monodisperse).
    public var geometricSD: Double
    /// Refractive index of the particles (sets their scattering; EVs ≈ 1.39,
    /// polystyrene ≈ 1.59).
    public var refractiveIndex: Double

    /// A log-normal population; requires `weight` ≥ 0, `medianNanometers` > 0 and `geometricSD` ≥ 1 (checked by a
    /// precondition).
    public init(name: String, weight: Double = 1, medianNanometers: Double, geometricSD: Double = 1,
                refractiveIndex: Double = 1.59) {
        precondition(weight >= 0 && medianNanometers > 0 && geometricSD >= 1)
        self.name = name
        self.weight = weight
        self.medianNanometers = medianNanometers
        self.geometricSD = geometricSD
        self.refractiveIndex = refractiveIndex
    }

    /// Median diameters a parsed mixture accepts, nm: from 1 nm (a small protein) to 10 µm (five times NTA's upper
    /// limit, ≈ 2 µm).
    public static let medianRangeNanometers: ClosedRange<Double> = 1 ... 10_000
    /// Geometric SDs a parsed mixture accepts: 1 (monodisperse) to 100 (±1 SD spans four decades of diameter).
    public static let geometricSDRange: ClosedRange<Double> = 1 ... 100
    /// Largest refractive index a parsed mixture accepts (real part; silicon, among the highest, ≈ 4 in the visible).
    public static let maximumRefractiveIndex = 10.0

    /// Probability that a particle of this population is smaller than `d` nm.
    public func cumulative(_ d: Double) -> Double {
        guard d > 0 else { return 0 }
        if geometricSD == 1 { return d >= medianNanometers ? 1 : 0 }
        let z = log(d / medianNanometers) / log(geometricSD)
        return 0.5 * erfc(-z / 2.0.squareRoot())
    }
}

/// A sample made of one or more log-normal populations.
public struct SizeMixture: Sendable, Hashable, Codable {
    /// The populations, in order (``TrackTruth/component`` indexes them).
    public var components: [SizeComponent]

    /// A mixture of `components` (at least one, checked by a precondition).
    public init(_ components: [SizeComponent]) {
        precondition(!components.isEmpty)
        self.components = components
    }

    /// A monodisperse sample of `diameterNanometers` (e.g. calibration beads).
    public static func monodisperse(_ diameterNanometers: Double, refractiveIndex: Double = 1.59) -> SizeMixture {
        SizeMixture([SizeComponent(name: "beads", medianNanometers: diameterNanometers, refractiveIndex: refractiveIndex)])
    }

    /// An EV-like product: vesicles around 100 nm, small particles around 40 nm,
    /// and broad, dense debris around 200 nm.
    public static let evLike = SizeMixture([
        SizeComponent(name: "vesicles", weight: 0.55, medianNanometers: 100, geometricSD: 1.3, refractiveIndex: 1.39),
        SizeComponent(name: "small", weight: 0.20, medianNanometers: 40, geometricSD: 1.2, refractiveIndex: 1.39),
        SizeComponent(name: "debris", weight: 0.25, medianNanometers: 200, geometricSD: 1.5, refractiveIndex: 1.55),
    ])

    /// Normalised weights.
    public var normalizedWeights: [Double] {
        let total = components.reduce(0) { $0 + $1.weight }
        return components.map { $0.weight / total }
    }

    /// The sample's number fraction of particles with diameter in `[lo, hi]` nm (analytic).
    public func fraction(fromNanometers lo: Double, toNanometers hi: Double) -> Double {
        zip(components, normalizedWeights).reduce(0) { $0 + $1.1 * ($1.0.cumulative(hi) - $1.0.cumulative(lo)) }
    }

    /// Diameters a particle may be drawn with, nm: a draw from a wide log-normal beyond them (a geometric SD of
    /// 100 reaches 10⁻⁸ … 10⁸ times the median within 4 SD) is clamped to the nearer end. The particle then *is*
    /// that size (its diffusion, brightness and truth all use it), so the truth stays the truth. 0.1 nm is
    /// below any molecule; 100 µm is 50 times NTA's upper limit (≈ 2 µm), where a sphere barely diffuses
    /// (D ≈ 0.004 µm²/s in water) and sediments instead. The clamp also bounds the truth's 1-nm histogram.
    public static let drawnDiameterRangeNanometers: ClosedRange<Double> = 0.1 ... 100_000

    /// Draws one particle: its diameter (nm, clamped to ``drawnDiameterRangeNanometers``) and population index.
    public func sample(using rng: inout SeededGenerator) -> (diameterNanometers: Double, component: Int) {
        let weights = normalizedWeights
        var u = rng.nextUniform()
        var k = 0
        while k < weights.count - 1, u > weights[k] { u -= weights[k]; k += 1 }
        let c = components[k]
        let d = c.geometricSD == 1 ? c.medianNanometers : c.medianNanometers * exp(log(c.geometricSD) * rng.nextGaussian())
        let range = Self.drawnDiameterRangeNanometers
        return (min(max(d, range.lowerBound), range.upperBound), k)
    }

    /// Parses a mixture written as comma-separated `[NAME:]MEDIAN[/GSD][*WEIGHT][@RI]`,
    /// e.g. `100` (monodisperse 100 nm beads) or
    /// `vesicles:100/1.3*0.55@1.39,debris:200/1.5*0.25@1.55`. The median must lie in
    /// ``SizeComponent/medianRangeNanometers``, the GSD in ``SizeComponent/geometricSDRange``, the refractive index
    /// in (0, ``SizeComponent/maximumRefractiveIndex``], the weights ≥ 0 with a finite, positive total.
    public init(parsing text: String) throws(MixtureParseError) {
        var parsed: [SizeComponent] = []
        for (index, part) in text.split(separator: ",").enumerated() {
            var rest = Substring(part.trimmingCharacters(in: .whitespaces))
            var name = "population\(index + 1)"
            if let colon = rest.firstIndex(of: ":") { name = String(rest[..<colon]); rest = rest[rest.index(after: colon)...] }
            /// The number after a population's separator, or its median: a syntax error when it is not a number, a
            /// range error naming `expected` when `accepted` refuses it.
            func number(_ text: Substring, _ expected: String, _ accepted: (Double) -> Bool) throws(MixtureParseError) -> Double {
                guard let v = Double(text) else { throw MixtureParseError(component: String(part)) }
                guard accepted(v) else { throw MixtureParseError(component: String(part), expected: expected) }
                return v
            }
            var refractive = 1.59
            if let at = rest.firstIndex(of: "@") {
                refractive = try number(rest[rest.index(after: at)...],
                                        "a refractive index in (0, \(plainNumber(SizeComponent.maximumRefractiveIndex))]") {
                    $0 > 0 && $0 <= SizeComponent.maximumRefractiveIndex
                }
                rest = rest[..<at]
            }
            var weight = 1.0
            if let star = rest.firstIndex(of: "*") {
                weight = try number(rest[rest.index(after: star)...], "a finite weight ≥ 0") { $0 >= 0 && $0.isFinite }
                rest = rest[..<star]
            }
            var gsd = 1.0
            let gsds = SizeComponent.geometricSDRange, medians = SizeComponent.medianRangeNanometers
            if let slash = rest.firstIndex(of: "/") {
                gsd = try number(rest[rest.index(after: slash)...],
                                 "a geometric SD of \(plainNumber(gsds.lowerBound)) … \(plainNumber(gsds.upperBound))") {
                    gsds.contains($0)
                }
                rest = rest[..<slash]
            }
            let median = try number(rest, "a median diameter of \(plainNumber(medians.lowerBound)) … \(plainNumber(medians.upperBound)) nm") {
                medians.contains($0)
            }
            parsed.append(SizeComponent(name: name, weight: weight, medianNanometers: median, geometricSD: gsd,
                                        refractiveIndex: refractive))
        }
        guard !parsed.isEmpty, parsed.contains(where: { $0.weight > 0 }) else { throw MixtureParseError(component: text) }
        guard parsed.reduce(0, { $0 + $1.weight }).isFinite else {
            throw MixtureParseError(component: text, expected: "weights with a finite total")
        }
        self.init(parsed)
    }
}

/// A mixture specification that could not be parsed.
public struct MixtureParseError: Error, CustomStringConvertible, Sendable {
    /// The part of the specification that could not be parsed.
    public var component: String
    /// What a number in it should have been (`"a median diameter of 1 … 10000 nm"`); `nil` for a syntax error.
    public var expected: String?

    /// The error for `component`; `expected` names the range a number missed, `nil` for a syntax error.
    public init(component: String, expected: String? = nil) {
        self.component = component
        self.expected = expected
    }

    public var description: String {
        "expected \(expected ?? "a population as [NAME:]MEDIAN_NM[/GEOMETRIC_SD≥1][*WEIGHT][@REFRACTIVE_INDEX]"), found \"\(InputError.echo(component))\""
    }
}
