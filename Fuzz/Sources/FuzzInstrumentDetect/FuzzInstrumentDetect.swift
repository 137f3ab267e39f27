// Fuzzes instrument format detection and every instrument reader on raw bytes.
//
// Each input goes through: every format's verdict, detection, the detected reader
// (InstrumentReading.read, as `Analysis.load` does), the summary conversion the pipeline
// applies to binned exports, and then each reader's byte API directly (so a reader is
// exercised even on content the detector would send elsewhere).
// Any outcome but a trap is accepted; an error must be one line.
import CLibFuzzer
import Foundation
import NTA

@inline(never)
func checkOneLine(_ error: InputError) {
    if error.description.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) && checksOneLineErrors { fatalError("FuzzInstrumentDetect: multi-line error: \(error.description)") }
}

/// Runs one reader, accepting a value or an InputError.
@inline(never)
func attempt<T>(_ body: () throws(InputError) -> T) -> T? {
    do { return try body() } catch { checkOneLine(error); return nil }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTest(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    let name = "fuzz-input.csv"
    _ = InstrumentFormatDetector.verdicts(bytes: bytes, fileName: name)
    _ = attempt { () throws(InputError) in try InstrumentFormatDetector.detect(bytes: bytes, fileName: name) }
    if let reading = attempt({ () throws(InputError) in try InstrumentReading.read(bytes: bytes, fileName: name) }) {
        switch reading {
        case .nanoSightSummary(let summary):
            _ = (0..<summary.videos.count).map { summary.figures(video: $0) }
            _ = attempt { () throws(InputError) in try DistributionSummary(summary, fileName: name) }
        case .zetaViewSize(let measurement):
            _ = attempt { () throws(InputError) in try DistributionSummary(measurement, fileName: name) }
        case .nanoSightExperimentFile(let experiment):
            _ = experiment.acquisitionSettings(video: 0)
            _ = experiment.videoIndex(matching: name)
        default:
            break
        }
    }
    // Every reader directly.
    if let summary = attempt({ () throws(InputError) in try NanoSightSummaryReader().read(bytes: bytes, fileName: name) }) {
        _ = (0..<summary.videos.count).map { summary.figures(video: $0) }
        _ = attempt { () throws(InputError) in try DistributionSummary(summary, fileName: name) }
    }
    if let experiment = attempt({ () throws(InputError) in try NanoSightExperimentFileReader().read(bytes: bytes, fileName: name) }) {
        _ = experiment.acquisitionSettings(video: 0)
        _ = experiment.acquisitionSettings(video: 1)
        _ = experiment.videoIndex(matching: "Sample_001_ParticleData.csv")
    }
    _ = attempt { () throws(InputError) in try NanoSightPerParticleReader().readParticleData(bytes: bytes, fileName: name) }
    _ = attempt { () throws(InputError) in try NanoSightPerParticleReader().readAllTracks(bytes: bytes, fileName: name) }
    _ = attempt { () throws(InputError) in try NanoSightTrackStepReader().read(bytes: bytes, fileName: name) }
    _ = attempt { () throws(InputError) in try TrackMateSpotsReader().read(bytes: bytes, fileName: name) }
    _ = attempt { () throws(InputError) in try TrackMateSpotsReader(unitWhenUnstated: .micrometers).read(bytes: bytes, fileName: name) }
    if let zeta = attempt({ () throws(InputError) in try ZetaViewSizeReader().read(bytes: bytes, fileName: name) }) {
        _ = attempt { () throws(InputError) in try DistributionSummary(zeta, fileName: name) }
    }
    _ = attempt { () throws(InputError) in try ZetaViewSizeReader().readPositions(bytes: bytes, fileName: name) }
    return 0
}

/// The executable's entry point (SwiftPM's `main` alias): runs libFuzzer over ``fuzzTest(_:_:)``.
@_cdecl("FuzzInstrumentDetect_main")
public func harnessMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzTest(UnsafeRawPointer(data) ?? UnsafeRawPointer(bitPattern: 1)!, size)
    }
}

/// Whether a multi-line error message is a finding. Long unattended runs set NTA_FUZZ_ALLOW_MULTILINE=1 once
/// the known multi-line messages are recorded (FUZZING.md), so they do not drown the other findings.
let checksOneLineErrors = getenv("NTA_FUZZ_ALLOW_MULTILINE") == nil
