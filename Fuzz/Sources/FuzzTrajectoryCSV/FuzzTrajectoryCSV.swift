// Fuzzes the trajectory CSV reader (trackpy columns, or a column mapping) on raw bytes.
//
// Input layout: byte 0 selects the reader configuration (bit 0: no mapping vs. a mapping
// naming trackpy-like columns with a unit chosen by bits 1–2); the rest is the file.
// Any outcome but a trap is accepted: a table or an InputError with its one-line message.
import CLibFuzzer
import Foundation
import NTA

/// Mappings the harness can choose; the column names also appear in the dictionary.
let mappings: [ColumnMapping?] = [
    nil,
    try? ColumnMapping(parsing: "particle=particle,frame=frame,x=x,y=y,intensity=mass,unit=px"),
    try? ColumnMapping(parsing: "particle=TRACK_ID,frame=FRAME,x=POSITION_X,y=POSITION_Y,unit=um"),
    try? ColumnMapping(parsing: "particle=id,frame=t,x=x,y=y,unit=nm"),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTest(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count >= 1 else {
        _ = try? TrajectoryCSVReader().read(bytes: UnsafeRawBufferPointer(start: start, count: 0), fileName: "fuzz.csv")
        return 0
    }
    let selector = Int(start.load(as: UInt8.self))
    let body = UnsafeRawBufferPointer(start: start + 1, count: count - 1)
    let reader = TrajectoryCSVReader(mapping: mappings[selector % mappings.count])
    do {
        let read = try reader.read(bytes: body, fileName: "fuzz.csv")
        // Touch what a caller would: every row of the table.
        let table = read.table
        // Invariant: the table's columns have one entry per row.
        if table.frame.count != table.count || table.x.count != table.count || table.y.count != table.count
            || (table.intensity.map { $0.count != table.count } ?? false) {
            fatalError("FuzzTrajectoryCSV: ragged table columns")
        }
        var checksum = 0.0
        for i in 0..<table.count { checksum += table.x[i] + table.y[i] + Double(table.frame[i]) }
        _ = checksum
    } catch {
        // Invariant: a bad input is reported in ONE line.
        if error.description.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) && checksOneLineErrors { fatalError("FuzzTrajectoryCSV: multi-line error: \(error.description)") }
    }
    return 0
}

/// The executable's entry point (SwiftPM's `main` alias): runs libFuzzer over ``fuzzTest(_:_:)``.
@_cdecl("FuzzTrajectoryCSV_main")
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
