import Foundation
import NTACore
import NTARead
import NTADiffusion
import NTADistribution
import NTAPopulations
import NTAPipeline

/// One input file's pooled figures.
public struct FileReport: Sendable, Encodable {
    public package(set) var file: String
    public package(set) var videoCount: Int
    public package(set) var size: SizeReport
    @Nullable public package(set) var windowFraction: Double? = nil
    @Nullable public package(set) var concentrationPerMl: Double? = nil

    init(_ f: FileResult) {
        file = f.file
        videoCount = f.videoCount
        size = SizeReport(f.size)
        windowFraction = finiteOrNil(f.windowFraction)
        concentrationPerMl = f.concentrationPerMl.flatMap(finiteOrNil)
    }

}
