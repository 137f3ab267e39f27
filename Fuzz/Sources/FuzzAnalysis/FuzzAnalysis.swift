// Fuzzes the whole analysis of one input file with fuzzed settings values.
//
// Input layout (little-endian):
//   byte 0      which settings are given (bit k set: setting k below is given), bit 6 set: no drift correction,
//               bit 7 set: a detection volume of 1 nL and a dilution of 10 (concentration, count decomposition)
//   byte 1      bits 0–1: bootstrap replicates (0…3); bits 2–5: estimator (0 = automatic, else
//               EstimatorChoice.allCases[(v − 1) % count]); bit 6: histogram distribution; bit 7: exact likelihood
//   bytes 2…49  six raw 8-byte values: frame rate (Hz), pixel size (nm), temperature (°C), viscosity (mPa·s),
//               exposure (ms) as Doubles — any bit pattern, so NaN, ±inf, subnormals, 1e308 — and the
//               minimum track length as an Int64 bit pattern
//   rest        the file's content, written to a file in /dev/shm and read by `Analysis.load(file:)`
//               (content detection, every reader, the settings resolution) as the CLI does.
// Then the sample result, the JSON report and the text and CSV reports are produced.
// A trap, a hang (libFuzzer -timeout) or a huge allocation (-rss_limit_mb / -malloc_limit_mb) is a finding;
// so is an error message of more than one line, or a valid analysis whose JSON report cannot be encoded.
import Foundation
import CLibFuzzer
import NTA

let headerBytes = 50
let directory: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let dir = "\(base)/nta-fuzz-analysis-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}()
let inputPath = "\(directory)/input.csv"

/// The input's header decoded into analysis options (settings given as flags).
func options(_ start: UnsafeRawPointer, _ count: Int) -> AnalysisOptions {
    var header = [UInt8](repeating: 0, count: headerBytes)
    for i in 0..<min(count, headerBytes) { header[i] = start.load(fromByteOffset: i, as: UInt8.self) }
    func raw(_ k: Int) -> UInt64 {
        var v: UInt64 = 0
        for b in 0..<8 { v |= UInt64(header[2 + 8 * k + b]) << (8 * b) }
        return v
    }
    func double(_ k: Int) -> Double? { header[0] & (1 << k) != 0 ? Double(bitPattern: raw(k)) : nil }
    var o = AnalysisOptions()
    o.settings = AcquisitionSettings(
        frameRateHz: double(0), nanometersPerPixel: double(1), temperatureCelsius: double(2),
        viscosityMillipascalSeconds: double(3), exposureMilliseconds: double(4),
        minTrackLength: header[0] & (1 << 5) != 0 ? Int(truncatingIfNeeded: Int64(bitPattern: raw(5))) : nil)
    o.subtractsDrift = header[0] & (1 << 6) == 0
    if header[0] & (1 << 7) != 0 {
        o.detectionVolume = try? DetectionVolume(nanoliters: 1)
        o.dilution = 10
    }
    o.bootstrapReplicates = Int(header[1] & 0b11)
    let e = Int((header[1] >> 2) & 0b1111)
    o.estimator = e == 0 ? nil : EstimatorChoice.allCases[(e - 1) % EstimatorChoice.allCases.count]
    o.distribution = header[1] & (1 << 6) != 0 ? .histogram : .deconvolved
    o.likelihood = header[1] & (1 << 7) != 0 ? .exact : .gamma
    o.seed = 1
    return o
}

@inline(never)
func checkOneLine(_ error: any Error) {
    let text = "\(error)"
    if text.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) && checksOneLineErrors { fatalError("FuzzAnalysis: multi-line error: \(text)") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTest(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let o = options(start, count)
    let body = count > headerBytes ? Data(bytes: start + headerBytes, count: count - headerBytes) : Data()
    guard FileManager.default.createFile(atPath: inputPath, contents: body) else {
        fatalError("FuzzAnalysis: cannot write \(inputPath)")
    }
    let sample: SampleResult
    do {
        let input = try Analysis.load(file: inputPath, options: o)
        sample = try SampleResult([input], options: o)
    } catch {
        checkOneLine(error)
        return 0
    }
    do {
        _ = try AnalysisReport(sample).jsonData()
    } catch {
        fatalError("FuzzAnalysis: the JSON report of a valid analysis cannot be encoded: \(error)")
    }
    _ = TextReport.render(sample)
    _ = TextReport.distributionCSV(sample)
    return 0
}

/// The executable's entry point (SwiftPM's `main` alias): runs libFuzzer over ``fuzzTest(_:_:)``.
@_cdecl("FuzzAnalysis_main")
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
