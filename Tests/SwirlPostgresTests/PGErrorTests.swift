import SwirlPostgres
import Testing

/// Failures that need no database: they run everywhere, with or without `SWIRL_TEST_DATABASE_URL`.
@Suite struct PGErrorTests {
    @Test("connecting to a closed port fails without revealing the password")
    func closedPort() throws {
        // Port 1 (tcpmux) is privileged and unused, so the connection is refused at once.
        let password = "Sup3r-Secret-pw"
        let url = "postgresql://swirl_user:\(password)@127.0.0.1:1/swirl_db?connect_timeout=5"
        let error = try #require(throws: PGError.self) {
            try PGConnection(url: url)
        }
        #expect(error.code == .connectionFailed)
        #expect(error.sqlState == nil)
        #expect(error.description.contains("127.0.0.1"))
        #expect(error.description.contains("swirl_db"))
        #expect(error.description.contains("swirl_user"))
        #expect(!error.description.contains("\n"))
        #expect(!error.description.contains(password))
        #expect(!error.debugDescription.contains(password))
    }

    @Test("an unparsable URL is reported without quoting it")
    func unparsableURL() throws {
        // libpq quotes the bad percent-encoded token, which here is inside the password.
        let url = "postgresql://swirl_user:pass%zzword@127.0.0.1:1/swirl_db"
        let error = try #require(throws: PGError.self) {
            try PGConnection(url: url)
        }
        #expect(error.code == .invalidConnectionString)
        #expect(!error.description.contains("pass%zz"))
        #expect(error.detail?.isEmpty == false)
    }

    @Test("keeps the statement out of the description")
    func descriptions() {
        let error = PGError(
            code: .queryFailed,
            sqlState: "42P01",
            message: "relation \"runs\" does not exist",
            hint: "create it",
            statement: "SELECT * FROM runs",
            function: "PQexecParams"
        )
        #expect(error.description == "PostgreSQL query failed: relation \"runs\" does not exist (SQLSTATE 42P01)")
        #expect(
            error.debugDescription == """
                PGError(code: queryFailed, function: PQexecParams, sqlState: 42P01, \
                message: "relation \\"runs\\" does not exist", hint: "create it", statement: "SELECT * FROM runs")
                """
        )
        let lost = PGError(code: .connectionLost, message: "server closed the connection", function: "PQexecParams")
        #expect(lost.description == "PostgreSQL connection lost: server closed the connection")
        #expect(PGError.Code.invalidParameter.description == "invalidParameter")
    }

    @Test("reads rows by column name and position")
    func rowsAccessors() {
        let rows = PGRows(columns: ["id", "name"], values: [["1", "a"], ["2", nil]], rowsAffected: 2)
        #expect(rows.count == 2)
        #expect(rows[0]["name"] == "a")
        #expect(rows[1]["name"] == nil)
        #expect(rows[1][0] == "2")
        #expect(rows.value(row: 0, column: "id") == "1")
        #expect(rows.map(\.values) == rows.values)
    }
}
