import Foundation

/// The one encoding of a ``RunState`` that every store writes: JSON text, UTF-8.
public enum RunStateCoding {
    public static func encode(_ state: RunState) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [UInt8](try encoder.encode(state))
    }

    public static func decode(_ bytes: [UInt8]) throws -> RunState {
        try JSONDecoder().decode(RunState.self, from: Data(bytes))
    }
}
