public import SwirlCore

/// A JSON value inside the run state, encoded as JSON text so that member order survives any
/// `Codable` coder (Foundation's decoders do not promise to keep it).
public struct StoredJSON: Hashable, Sendable, Codable {
    public var value: JSON

    public init(_ value: JSON) {
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            value = try JSON(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value.serialized())
    }
}
