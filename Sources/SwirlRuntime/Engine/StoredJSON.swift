public import SwirlCore

/// A JSON value inside the run state, encoded as JSON text so that member order survives any
/// `Codable` coder (Foundation's decoders do not promise to keep it). Inside a state encoded by
/// ``RunStateCoding``, a large value is written as a reference to a value stored beside it.
public struct StoredJSON: Hashable, Sendable, Codable {
    public var value: JSON

    public init(_ value: JSON) {
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        var text = try container.decode(String.self)
        if text.hasPrefix("@") {
            guard let table = decoder.userInfo[ValueTable.key] as? ValueTable,
                let stored = table.value(for: text.dropFirst())
            else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "the saved state refers to a value that is not stored (\(text.prefix(12))…)")
            }
            text = String(decoding: stored, as: UTF8.self)
        }
        do {
            value = try JSON(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// The value's JSON text as a string. A run's state is written by ``RunStateWriter``, which
    /// also replaces large values by reference; this is the same text for other encoders.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value.serialized())
    }
}
