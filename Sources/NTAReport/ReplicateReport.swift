import Foundation
import NTACore
import NTARead
import NTADiffusion
import NTADistribution
import NTAPopulations
import NTAPipeline

/// Mean and standard error across videos of their own figures (NanoSight's
/// `Average` and `Standard Error`: sample SD/√n).
package struct ReplicateReport: Sendable, Encodable {
    package var count: Int
    package var meanNm: MeanAndError
    package var modeNm: MeanAndError
    package var d10Nm: MeanAndError
    package var d50Nm: MeanAndError
    package var d90Nm: MeanAndError
    package var windowFraction: MeanAndError
    package var concentrationPerMl: MeanAndError

    /// `{mean, standardError}`; `standardError` is `null` for one replicate.
    package struct MeanAndError: Sendable, Encodable {
        @Nullable package var mean: Double? = nil
        @Nullable package var standardError: Double? = nil

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
