/// Which members of an object and which elements of an array some schema has evaluated: the
/// annotations `unevaluatedProperties` and `unevaluatedItems` depend on.
///
/// Members and elements are named by their position in the instance, kept as bits, so the common
/// case (fewer than 64 members) costs two words on the stack and no allocation.
struct SchemaEvaluated {
    var properties = IndexBits()
    var items = IndexBits()
    /// Set by `items` and `unevaluatedItems`: every element from the prefix on is evaluated.
    var allItems = false

    mutating func formUnion(_ other: SchemaEvaluated) {
        properties.formUnion(other.properties)
        items.formUnion(other.items)
        allItems = allItems || other.allItems
    }

    /// A set of small non-negative integers.
    struct IndexBits {
        private var low: UInt64 = 0
        private var high: [UInt64] = []

        mutating func insert(_ index: Int) {
            if index < 64 {
                low |= 1 << UInt64(index)
                return
            }
            let word = index / 64 - 1
            if word >= high.count { high.append(contentsOf: repeatElement(0, count: word - high.count + 1)) }
            high[word] |= 1 << UInt64(index % 64)
        }

        func contains(_ index: Int) -> Bool {
            if index < 64 { return low & (1 << UInt64(index)) != 0 }
            let word = index / 64 - 1
            return word < high.count && high[word] & (1 << UInt64(index % 64)) != 0
        }

        mutating func formUnion(_ other: IndexBits) {
            low |= other.low
            if other.high.isEmpty { return }
            if high.count < other.high.count {
                high.append(contentsOf: repeatElement(0, count: other.high.count - high.count))
            }
            for (word, bits) in other.high.enumerated() { high[word] |= bits }
        }
    }
}
