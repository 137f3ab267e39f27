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
}
