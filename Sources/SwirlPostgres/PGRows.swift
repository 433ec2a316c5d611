/// The rows a statement returned, copied out of libpq into Swift values.
///
/// Values are in PostgreSQL's text format (`42`, `t`, `2024-01-31 12:00:00+00`, a JSON document's text); SQL
/// `NULL` is `nil`. A statement that returns no rows (`INSERT` without `RETURNING`, `CREATE TABLE`) gives an
/// empty collection with no columns.
///
/// ```swift
/// let rows = try connection.query("SELECT id, name FROM runs WHERE id = $1", [id])
/// let name = rows.first?["name"]
/// ```
public struct PGRows: Sendable, Hashable, RandomAccessCollection {
    /// One row: its values in column order, addressable by column name or position.
    public struct Row: Sendable, Hashable {
        /// The column names, in order (shared with the other rows of the result).
        public let columns: [String]
        /// The values in column order; `nil` is SQL `NULL`.
        public let values: [String?]

        /// The value of the named column; `nil` is SQL `NULL`.
        ///
        /// Naming a column the statement does not return is a programming error and traps; use
        /// `columns.contains(_:)` first when the name is not fixed. When several columns share a name, the first
        /// one wins.
        public subscript(column: String) -> String? {
            guard let index = self.columns.firstIndex(of: column) else {
                preconditionFailure("no column named \(String(reflecting: column)) in \(self.columns)")
            }
            return self.values[index]
        }

        /// The value at a zero-based column position; `nil` is SQL `NULL`.
        public subscript(position: Int) -> String? {
            self.values[position]
        }
    }

    /// The column names, in the order the statement returned them.
    public let columns: [String]
    /// The values, one array per row, each in column order; `nil` is SQL `NULL`.
    public let values: [[String?]]
    /// The number of rows the statement inserted, updated, deleted, selected, moved, fetched or copied, or `nil`
    /// when the command does not report a count (`CREATE TABLE`).
    public let rowsAffected: Int?

    /// Creates a result from Swift values (for tests and for stores that build results themselves).
    ///
    /// - Parameters:
    ///   - columns: The column names.
    ///   - values: The rows; each must have `columns.count` values.
    ///   - rowsAffected: The command's row count, if it reports one.
    public init(columns: [String], values: [[String?]], rowsAffected: Int? = nil) {
        precondition(values.allSatisfy { $0.count == columns.count }, "every row needs one value per column")
        self.columns = columns
        self.values = values
        self.rowsAffected = rowsAffected
    }

    /// The position of the first row.
    public var startIndex: Int { self.values.startIndex }

    /// The position one past the last row.
    public var endIndex: Int { self.values.endIndex }

    /// The row at a zero-based position.
    public subscript(position: Int) -> Row {
        Row(columns: self.columns, values: self.values[position])
    }

    /// The value of a column in a row; `nil` is SQL `NULL`. Traps when the row or column does not exist.
    ///
    /// - Parameters:
    ///   - row: The zero-based row position.
    ///   - column: The column name.
    /// - Returns: The value in text format, or `nil` for `NULL`.
    public func value(row: Int, column: String) -> String? {
        self[row][column]
    }
}
