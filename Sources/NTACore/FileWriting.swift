import Foundation

/// Writing files whatever their size.
package enum FileWriting {
    /// Writes `data` to `url` (created or truncated) in pieces of at most 256 MiB. A single
    /// `Data.write(to:)` of more than 2 GiB on Linux writes the buffer's start again where the rest
    /// should go (a 100M-localisation file came out with its header in the middle).
    package static func write(_ data: Data, to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try write(data, to: handle)
    }

    /// Writes `data` to an open file or stream (e.g. standard output) in pieces of at most 256 MiB.
    package static func write(_ data: Data, to handle: FileHandle) throws {
        let piece = 1 << 28
        var offset = data.startIndex
        while offset < data.endIndex {
            let end = min(offset + piece, data.endIndex)
            try handle.write(contentsOf: data[offset..<end])
            offset = end
        }
    }
}
