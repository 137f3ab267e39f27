import Foundation
import NTACore
import NTARead
import NTADiffusion
import NTADistribution
import NTAPopulations
import NTAPipeline

/// Mean and standard error across videos of their own figures (NanoSight's
/// `Average` and `Standard Error`: sample SD/√n).
public struct ReplicateReport: Sendable, Encodable {
    public package(set) var count: Int
    public package(set) var meanNm: MeanAndError
    public package(set) var modeNm: MeanAndError
    public package(set) var d10Nm: MeanAndError
    public package(set) var d50Nm: MeanAndError
    public package(set) var d90Nm: MeanAndError
    public package(set) var windowFraction: MeanAndError
    public package(set) var concentrationPerMl: MeanAndError

    /// `{mean, standardError}`; `standardError` is `null` for one replicate.
    public struct MeanAndError: Sendable, Encodable {
        @Nullable public var mean: Double? = nil
        @Nullable public var standardError: Double? = nil

        init(_ values: [Double]) {
            let finiteValues = values.filter(\.isFinite)
            let r = NanoSightFigures.averageAndStandardError(finiteValues)
            mean = finiteOrNil(r.average)
            standardError = finiteOrNil(r.standardError)
        }

    }

    /// Summarises replicates given as (statistics, window fraction, concentration).
    init(_ replicates: [(size: SizeStatistics, window: Double, concentration: Double?)]) {
        count = replicates.count
        meanNm = MeanAndError(replicates.map(\.size.meanNm))
        modeNm = MeanAndError(replicates.map(\.size.modeNm))
        d10Nm = MeanAndError(replicates.map(\.size.d10Nm))
        d50Nm = MeanAndError(replicates.map(\.size.d50Nm))
        d90Nm = MeanAndError(replicates.map(\.size.d90Nm))
        windowFraction = MeanAndError(replicates.map(\.window))
        concentrationPerMl = MeanAndError(replicates.compactMap(\.concentration))
    }
}
