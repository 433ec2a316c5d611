/// Something stored in the database that the store cannot read back (a JSON text that does not parse, an
/// unknown status): a damaged row, or one written by another program.
struct PostgresStoreDataError: Error, CustomStringConvertible {
    /// What could not be read, without its value.
    var what: String

    var description: String {
        "the database holds \(self.what) that this version of Swirl cannot read"
    }
}
