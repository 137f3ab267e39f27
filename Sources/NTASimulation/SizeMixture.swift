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

    /// Draws one particle: its diameter (nm) and population index.
    public func sample(using rng: inout SeededGenerator) -> (diameterNanometers: Double, component: Int) {
        let weights = normalizedWeights
        var u = rng.nextUniform()
        var k = 0
        while k < weights.count - 1, u > weights[k] { u -= weights[k]; k += 1 }
        let c = components[k]
        let d = c.geometricSD == 1 ? c.medianNanometers : c.medianNanometers * exp(log(c.geometricSD) * rng.nextGaussian())
        return (d, k)
    }

    /// Parses a mixture written as comma-separated `[NAME:]MEDIAN[/GSD][*WEIGHT][@RI]`,
    /// e.g. `100` (monodisperse 100 nm beads) or
    /// `vesicles:100/1.3*0.55@1.39,debris:200/1.5*0.25@1.55`.
    public init(parsing text: String) throws(MixtureParseError) {
        var parsed: [SizeComponent] = []
        for (index, part) in text.split(separator: ",").enumerated() {
            var rest = Substring(part.trimmingCharacters(in: .whitespaces))
            var name = "population\(index + 1)"
            if let colon = rest.firstIndex(of: ":") { name = String(rest[..<colon]); rest = rest[rest.index(after: colon)...] }
            var refractive = 1.59
            if let at = rest.firstIndex(of: "@") {
                guard let v = Double(rest[rest.index(after: at)...]), v > 0, v.isFinite else { throw MixtureParseError(component: String(part)) }
                refractive = v
                rest = rest[..<at]
            }
            var weight = 1.0
            if let star = rest.firstIndex(of: "*") {
                guard let v = Double(rest[rest.index(after: star)...]), v >= 0, v.isFinite else { throw MixtureParseError(component: String(part)) }
                weight = v
                rest = rest[..<star]
            }
            var gsd = 1.0
            if let slash = rest.firstIndex(of: "/") {
                guard let v = Double(rest[rest.index(after: slash)...]), v >= 1, v <= 100 else { throw MixtureParseError(component: String(part)) }
                gsd = v
                rest = rest[..<slash]
            }
            guard let median = Double(rest), median > 0, median.isFinite else { throw MixtureParseError(component: String(part)) }
            parsed.append(SizeComponent(name: name, weight: weight, medianNanometers: median, geometricSD: gsd,
                                        refractiveIndex: refractive))
        }
        guard !parsed.isEmpty, parsed.contains(where: { $0.weight > 0 }) else { throw MixtureParseError(component: text) }
        self.init(parsed)
    }
}

/// A mixture specification that could not be parsed.
public struct MixtureParseError: Error, CustomStringConvertible, Sendable {
    /// The part of the specification that could not be parsed.
    public var component: String
    public var description: String {
        "expected a population as [NAME:]MEDIAN_NM[/GEOMETRIC_SD≥1][*WEIGHT][@REFRACTIVE_INDEX], found \"\(InputError.echo(component))\""
    }
}
