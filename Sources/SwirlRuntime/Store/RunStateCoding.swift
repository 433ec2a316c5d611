import Crypto
import Foundation
public import SwirlCore

/// The one encoding of a ``RunState`` that every store writes: JSON text, UTF-8, in which every
/// large value (a loop's collection, a big input) is replaced by `@<sha256>` and stored beside
/// the state once per run. A loop over N items then writes each item's data once, not once per
/// checkpoint: the bytes a run writes grow with what it does, not with what it holds.
public enum RunStateCoding {
    /// The format of the state; a worker refuses to resume a state of another format.
    public static let formatVersion = 1
    /// Values whose JSON text is at least this long are stored by reference.
    public static let referenceThreshold = 1024

    /// Encodes `state` with every large value by reference.
    /// - Parameters:
    ///   - stored: hashes of values the store already has for this run; they are not sent again.
    ///   - cache: the references of the previous encoding of this run, by storage identity: a
    ///     value it holds is neither serialized nor hashed again, so a checkpoint costs time in
    ///     what changed, not in what the state holds. Updated to this encoding's.
    public static func encode(_ state: RunState, skipping stored: Set<String> = [], cache: inout ValueCache) throws
        -> EncodedRunState
    {
        var writer = RunStateWriter(values: ValueCollector(skipping: stored, cache: cache))
        try writer.write(state)
        let (bytes, collected) = writer.finish()
        // The writer was given a collector and hands back that same one.
        let values = collected!
        cache = values.used
        return EncodedRunState(bytes: bytes, newValues: values.values)
    }

    /// Encodes `state` with every large value by reference, without a cache.
    public static func encode(_ state: RunState, skipping stored: Set<String> = []) throws -> EncodedRunState {
        var cache = ValueCache()
        return try encode(state, skipping: stored, cache: &cache)
    }

    /// Encodes `state` whole, every value inline: for tests and tools that read one state alone.
    public static func encode(_ state: RunState) throws -> [UInt8] {
        var writer = RunStateWriter(values: nil)
        try writer.write(state)
        return writer.finish().bytes
    }

    /// Decodes a state, resolving references through `values` (hash to JSON text).
    public static func decode(_ bytes: [UInt8], values: [String: [UInt8]] = [:]) throws -> RunState {
        let decoder = JSONDecoder()
        decoder.userInfo[ValueTable.key] = ValueTable(resolving: values)
        return try decoder.decode(RunState.self, from: Data(bytes))
    }

    /// The references (hashes) in an encoded state, so a store can load just those values.
    public static func references(in bytes: [UInt8]) -> Set<String> {
        // A reference is the JSON string "@" followed by 64 hex digits.
        var found: Set<String> = []
        var index = 0
        let quote = UInt8(ascii: "\""), at = UInt8(ascii: "@")
        while index + 66 <= bytes.count {
            if bytes[index] == quote, bytes[index + 1] == at, index + 66 < bytes.count, bytes[index + 66] == quote {
                let hex = bytes[(index + 2)..<(index + 66)]
                if hex.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
                    found.insert(String(decoding: hex, as: UTF8.self))
                    index += 67
                    continue
                }
            }
            index += 1
        }
        return found
    }

    static func hash(_ text: [UInt8]) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: text) {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 15)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

/// The references of large values in a run's last encoded state, by the identity of their
/// storage. Each entry keeps its value alive, which is what makes the identity sound (a buffer
/// that is alive cannot be reused for another value); only the last encoding's entries are kept.
public struct ValueCache: Sendable {
    var entries: [JSONStorageIdentity: (value: JSON, reference: String)] = [:]

    public init() {}
}

/// Supplies the large values of a state while it is decoded (``StoredJSON`` reads it from the
/// decoder's `userInfo`).
final class ValueTable: Sendable {
    static let key = CodingUserInfoKey(rawValue: "swirl.values")!

    private let values: [String: [UInt8]]

    init(resolving values: [String: [UInt8]]) {
        self.values = values
    }

    func value(for reference: Substring) -> [UInt8]? {
        values[String(reference)]
    }
}
