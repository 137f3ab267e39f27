import Foundation

/// Writing comma-separated text (RFC 4180).
package enum CSVText {
    /// `s` as one CSV field: in double quotes, with quotes doubled, when it holds a comma, a quote, CR or LF;
    /// as is otherwise.
    package static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
