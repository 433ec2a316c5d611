/// The identity of a JSON array's or object's storage: equal identities mean the same buffers, and
/// so the same value, as long as one of the two values is still alive.
///
/// Swift collections are copy-on-write: a buffer shared by two values is never changed in place,
/// so a value whose buffers are those of a value we hold is that value. Comparing identities costs
/// two pointer reads where comparing the values would walk them, which is what lets
/// the jq value cache recognise a workflow descriptor it has already converted, and a run's
/// encoder a large value it has already stored.
///
/// Holding on to one of the values is what makes the comparison sound: a buffer that is alive
/// cannot be freed and its address reused for a different value.
public struct JSONStorageIdentity: Hashable, Sendable {
    /// The element buffer of an array, or the value buffer of an object.
    private let elements: UInt
    /// The key buffer of an object; 0 for an array.
    private let keys: UInt
    private let count: Int

    /// The identity of an array's or object's storage; `nil` for a scalar, and for an empty
    /// container, which is cheaper to convert than to look up.
    public init?(_ value: JSON) {
        switch value {
        case .array(let elements) where !elements.isEmpty:
            self.elements = elements.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            keys = 0
            count = elements.count
        case .object(let members) where !members.isEmpty:
            // Both buffers: an object can be rebuilt with new keys around an existing value array.
            // `keys.elements` shares the set's buffer (O(1), documented by swift-collections).
            elements = members.values.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            keys = members.keys.elements.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            count = members.count
        default:
            return nil
        }
    }
}
