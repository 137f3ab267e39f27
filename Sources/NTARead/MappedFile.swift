import Foundation
import NTACore

/// Opens input files for the readers.
enum MappedFile {
    /// The file's bytes, memory-mapped (`.alwaysMapped` really maps on Linux),
    /// or an ``InputError`` naming the file as `displayName`.
    static func data(at url: URL, displayName: String) throws(InputError) -> Data {
        do {
            return try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw InputError(file: displayName, message: "cannot read the file: \(error.localizedDescription)")
        }
    }

    /// Lets the pages wholly inside `[from, to)` of a read-only file mapping based at `base` leave this
    /// process's resident memory (Linux `MADV_DONTNEED`; the page cache keeps them, and reading them again
    /// faults them back in). Only for memory from ``data(at:displayName:)``: on anonymous memory it would
    /// zero the pages. Does nothing on other systems.
    static func releasePages(_ base: UnsafePointer<UInt8>, from: Int, to: Int) {
        guard to > from else { return }
        ResidentMemory.releaseWholePages(UnsafeRawPointer(base + from), byteCount: to - from)
    }
}
