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

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        let table = encoder.userInfo[ValueTable.key] as? ValueTable
        if let reference = table?.cachedReference(for: value) {
            try container.encode(reference)
            return
        }
        let text = value.serialized()
        if text.utf8.count >= RunStateCoding.referenceThreshold, let table {
            try container.encode(table.reference(for: Array(text.utf8), of: value))
        } else {
            try container.encode(text)
        }
    }
}
