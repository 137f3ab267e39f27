import NTACore

/// An optional report field that is written as JSON `null` when absent.
///
/// Synthesized `Encodable` leaves out `nil` properties; the report's JSON
/// contract instead keeps every key, so a reader can tell "not computable"
/// (`null`) from "not part of this schema version" (absent).
@propertyWrapper
package struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    package var wrappedValue: Value?

    package init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(orNull: wrappedValue)
    }
}

extension Nullable: Equatable where Value: Equatable {}
