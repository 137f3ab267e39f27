import Foundation
import NTACore
import NTARead
import NTADiffusion
import NTADistribution
import NTAPopulations
import NTAPipeline

/// One input file's pooled figures.
package struct FileReport: Sendable, Encodable {
    package var file: String
    package var videoCount: Int
    package var size: SizeReport
    @Nullable package var windowFraction: Double? = nil
    @Nullable package var concentrationPerMl: Double? = nil

    init(_ f: FileResult) {
        file = f.file
        videoCount = f.videoCount
        size = SizeReport(f.size)
        windowFraction = finiteOrNil(f.windowFraction)
        concentrationPerMl = f.concentrationPerMl.flatMap(finiteOrNil)
    }

}
