import Foundation
import NTACore
import NTARead
import NTADiffusion
import NTADistribution
import NTAPopulations
import NTAPipeline

// The JSON encoding of the pipeline's counts and settings (the schema is defined in NTAReport only).

extension TrackCounts: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(read, forKey: .read)
        try c.encode(used, forKey: .used)
        try c.encode(dropped, forKey: .dropped)
    }

    enum CodingKeys: String, CodingKey { case read, used, dropped }
}

extension RowCounts: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(read, forKey: .read)
        try c.encode(dropped, forKey: .dropped)
    }

    enum CodingKeys: String, CodingKey { case read, dropped }
}

extension ReportedValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let v): try c.encode(orNull: finiteOrNil(v))
        case .text(let s): try c.encode(s)
        case .null: try c.encodeNil()
        }
    }
}

/// `{"value": …, "source": "flag|file|default|derived|perVideo|notNeeded", "detail": …}`; `detail` omitted when nil.
extension ReportedSetting: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value)
        try c.encode(source.rawValue, forKey: .source)
        if let detail { try c.encode(detail, forKey: .detail) }
    }

    enum CodingKeys: String, CodingKey { case value, source, detail }
}
