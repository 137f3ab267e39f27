// Fuzzes the small text inputs beside the data files: the `<file>.settings.json` sidecar (read from a
// file, as the analysis reads it) and the texts of flags the library parses — the column mapping
// (`--columns`), the size window (`--window`), the field of view (`--field-of-view-um`) and the
// simulator's mixture (`--mixture`).
//
// Input layout: byte 0 selects the parser (0: sidecar, 1: column mapping, 2: window, 3: field of view,
// 4: mixture; modulo 5); the rest is the text. Any outcome but a trap is accepted; an error must be one line.
import CLibFuzzer
import Foundation
import NTA

let sidecarPath: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return "\(base)/nta-fuzz-settings-\(getpid()).settings.json"
}()

@inline(never)
func checkOneLine(_ text: String) {
    if text.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) && checksOneLineErrors { fatalError("FuzzSettingsText: multi-line error: \(text)") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTest(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count >= 1 else { return 0 }
    let selector = Int(start.load(as: UInt8.self)) % 5
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start + 1, count: count - 1))
    let text = String(decoding: bytes, as: UTF8.self)
    switch selector {
    case 0:
        guard FileManager.default.createFile(atPath: sidecarPath, contents: Data(bytes)) else {
            fatalError("FuzzSettingsText: cannot write \(sidecarPath)")
        }
        do {
            let s = try SettingsSidecar.load(from: URL(fileURLWithPath: sidecarPath))
            // The values then meet the settings resolution, as a sidecar's do.
            _ = try? ResolvedSettings.resolve(file: "f.csv", flags: AcquisitionSettings(), fromFile: s, needsPixelSize: true,
                                              viscosityModel: .iapws, defaultMinTrackLength: 10)
        } catch {
            checkOneLine(error.description)
        }
    case 1:
        do { _ = try ColumnMapping(parsing: text) } catch { checkOneLine("\(error)") }
    case 2:
        if let w = SizeWindow(parsing: text) { _ = w }
    case 3:
        _ = DetectionVolume.parseFieldOfView(text)
    default:
        do { _ = try SizeMixture(parsing: text) } catch { checkOneLine("\(error)") }
    }
    return 0
}

/// Whether a multi-line error message is a finding (see FuzzAnalysis).
let checksOneLineErrors = getenv("NTA_FUZZ_ALLOW_MULTILINE") == nil

/// The executable's entry point (SwiftPM's `main` alias): runs libFuzzer over ``fuzzTest(_:_:)``.
@_cdecl("FuzzSettingsText_main")
public func harnessMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzTest(UnsafeRawPointer(data) ?? UnsafeRawPointer(bitPattern: 1)!, size)
    }
}
