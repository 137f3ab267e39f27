import NTACore
import NTARead
import NTAPopulations

// The JSON of the populations stage's results: the schema lives here, not on the result types.

/// A confidence interval as the JSON pair `[lower, upper]` (`null` for a bound that is not finite).
enum IntervalCoding {
    static func encode<K: CodingKey>(_ lower: Double, _ upper: Double, forKey key: K,
                                     in c: inout KeyedEncodingContainer<K>) throws {
        try c.encode([FiniteOrNull(wrappedValue: lower), FiniteOrNull(wrappedValue: upper)], forKey: key)
    }
}

/// One line of the count decomposition (JSON `populations[]`): `{name, minNm, maxNm, fraction, fractionCI: [lo, hi],
/// concentrationPerMl, concentrationCI: [lo, hi]}`, `null` for an open end or an interval that cannot be computed.
package struct PopulationCountReport: Sendable, Encodable {
    /// The line reported.
    package var line: PopulationCount

    package init(_ line: PopulationCount) { self.line = line }

    enum CodingKeys: String, CodingKey {
        case name, minNm, maxNm, fraction, fractionCI, concentrationPerMl, concentrationCI
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(line.name.rawValue, forKey: .name)
        try c.encode(FiniteOrNull(wrappedValue: line.minNm), forKey: .minNm)
        try c.encode(FiniteOrNull(wrappedValue: line.maxNm), forKey: .maxNm)
        try c.encode(FiniteOrNull(wrappedValue: line.fraction), forKey: .fraction)
        try IntervalCoding.encode(line.fractionLower, line.fractionUpper, forKey: .fractionCI, in: &c)
        try c.encode(FiniteOrNull(wrappedValue: line.concentrationPerMl), forKey: .concentrationPerMl)
        try IntervalCoding.encode(line.concentrationLowerPerMl, line.concentrationUpperPerMl, forKey: .concentrationCI,
                                  in: &c)
    }
}

/// The marker-positive share of one size range (JSON `fluorescence.window`, `fluorescence.bins[]`):
/// `{minNm, maxNm, positiveFraction, positiveFractionCI: [lo, hi], positiveConcentrationPerMl,
/// positiveConcentrationCI: [lo, hi], scatterConcentrationPerMl}`.
package struct FluorescenceRangeReport: Sendable, Encodable {
    /// The range reported.
    package var range: FluorescenceRange

    package init(_ range: FluorescenceRange) { self.range = range }

    enum CodingKeys: String, CodingKey {
        case minNm, maxNm, positiveFraction, positiveFractionCI, positiveConcentrationPerMl, positiveConcentrationCI,
             scatterConcentrationPerMl
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(FiniteOrNull(wrappedValue: range.minNm), forKey: .minNm)
        try c.encode(FiniteOrNull(wrappedValue: range.maxNm), forKey: .maxNm)
        try c.encode(FiniteOrNull(wrappedValue: range.positiveFraction), forKey: .positiveFraction)
        try IntervalCoding.encode(range.positiveFractionLower, range.positiveFractionUpper, forKey: .positiveFractionCI,
                                  in: &c)
        try c.encode(FiniteOrNull(wrappedValue: range.positiveConcentrationPerMl), forKey: .positiveConcentrationPerMl)
        try IntervalCoding.encode(range.positiveConcentrationLowerPerMl, range.positiveConcentrationUpperPerMl,
                                  forKey: .positiveConcentrationCI, in: &c)
        try c.encode(FiniteOrNull(wrappedValue: range.scatterConcentrationPerMl), forKey: .scatterConcentrationPerMl)
    }
}

/// JSON `dilution`: `{appliedFactor, recordedFactor, appliedBy, source}`; `recordedFactor` is `null` when none was
/// recorded (it was left out before schema 11).
extension DilutionRecord: Encodable {
    enum CodingKeys: String, CodingKey { case appliedFactor, recordedFactor, appliedBy, source }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(appliedFactor, forKey: .appliedFactor)
        if let recordedFactor { try c.encode(recordedFactor, forKey: .recordedFactor) } else { try c.encodeNil(forKey: .recordedFactor) }
        try c.encode(appliedBy.rawValue, forKey: .appliedBy)
        try c.encode(source, forKey: .source)
    }
}
