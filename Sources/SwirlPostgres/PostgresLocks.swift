/// The advisory locks Swirl takes, as the two 32-bit keys of `pg_advisory_xact_lock(int, int)`.
///
/// The first key marks the lock as Swirl's; the second names what is locked, for one schema, so stores in
/// different schemas of one database (tests, several installations) never wait for each other.
enum PostgresLocks {
    /// The first key of every Swirl lock: "SWRL" in ASCII.
    static let namespace: Int32 = 0x5357_524C

    /// The second key for `purpose` (`migrate`, `events`) in `schema`: a 32-bit FNV-1a hash, stable across
    /// processes and versions (Swift's `hashValue` is not).
    static func key(_ purpose: String, schema: String) -> Int32 {
        var hash: UInt32 = 2_166_136_261
        for byte in (purpose + "\u{0}" + schema).utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int32(bitPattern: hash)
    }
}
