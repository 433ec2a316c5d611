import Crypto
import Foundation
import Synchronization
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
        let table = ValueTable(skipping: stored, cache: cache)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.userInfo[ValueTable.key] = table
        let bytes = [UInt8](try encoder.encode(state))
        cache = table.usedCache
        return EncodedRunState(bytes: bytes, newValues: table.newValues)
    }

    /// Encodes `state` with every large value by reference, without a cache.
    public static func encode(_ state: RunState, skipping stored: Set<String> = []) throws -> EncodedRunState {
        var cache = ValueCache()
        return try encode(state, skipping: stored, cache: &cache)
    }

    /// Encodes `state` whole, every value inline: for tests and tools that read one state alone.
    public static func encode(_ state: RunState) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [UInt8](try encoder.encode(state))
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
        SHA256.hash(data: text).map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
        }.joined()
    }
}

/// The references of large values in a run's last encoded state, by the identity of their
/// storage. Each entry keeps its value alive, which is what makes the identity sound (a buffer
/// that is alive cannot be reused for another value); only the last encoding's entries are kept.
public struct ValueCache: Sendable {
    var entries: [JSONStorageIdentity: (value: JSON, reference: String)] = [:]

    public init() {}
}

/// Collects large values while a state is encoded, or supplies them while it is decoded.
final class ValueTable: Sendable {
    static let key = CodingUserInfoKey(rawValue: "swirl.values")!

    private struct Contents {
        var skipping: Set<String> = []
        var values: [String: [UInt8]] = [:]
        var cache = ValueCache()
        var used = ValueCache()
    }

    private let contents: Mutex<Contents>

    init(skipping: Set<String>, cache: ValueCache) {
        contents = Mutex(Contents(skipping: skipping, cache: cache))
    }

    init(resolving values: [String: [UInt8]]) {
        contents = Mutex(Contents(values: values))
    }

    /// The values collected during encoding.
    var newValues: [String: [UInt8]] { contents.withLock { $0.values } }

    /// The cache entries this encoding used or made.
    var usedCache: ValueCache { contents.withLock { $0.used } }

    /// The reference of `value` if the previous encoding stored it.
    func cachedReference(for value: JSON) -> String? {
        guard let identity = JSONStorageIdentity(value) else { return nil }
        return contents.withLock { contents in
            guard let entry = contents.cache.entries[identity] else { return nil }
            contents.used.entries[identity] = entry
            return entry.reference
        }
    }

    /// Records `text`, the serialization of `value`, and returns its reference.
    func reference(for text: [UInt8], of value: JSON) -> String {
        let reference = "@" + RunStateCoding.hash(text)
        contents.withLock { contents in
            let hash = String(reference.dropFirst())
            if !contents.skipping.contains(hash) { contents.values[hash] = text }
            if let identity = JSONStorageIdentity(value) { contents.used.entries[identity] = (value, reference) }
        }
        return reference
    }

    func value(for reference: Substring) -> [UInt8]? {
        contents.withLock { $0.values[String(reference)] }
    }
}
