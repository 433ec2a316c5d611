import SwirlTestSupport
import Testing

/// The rules that decide whether the PostgreSQL tests run, skip or fail.
@Suite struct TestDatabaseTests {
    @Test("uses the URL when it is set")
    func urlSet() throws {
        let environment = ["SWIRL_TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/postgres", "CI": "true"]
        #expect(try TestDatabase.url(environment: environment) == "postgresql://postgres@127.0.0.1:5432/postgres")
        #expect(TestDatabase.isAvailableOrRequired(environment: environment))
    }

    @Test("skips without a URL outside CI", arguments: [[:], ["CI": "false"], ["SWIRL_TEST_DATABASE_URL": ""]])
    func skipsLocally(environment: [String: String]) throws {
        #expect(try TestDatabase.url(environment: environment) == nil)
        #expect(!TestDatabase.isAvailableOrRequired(environment: environment))
    }

    @Test("fails without a URL under CI", arguments: ["true", "TRUE", "1"])
    func failsUnderCI(ci: String) {
        let environment = ["CI": ci]
        #expect(TestDatabase.isAvailableOrRequired(environment: environment))
        let error = #expect(throws: TestDatabase.MissingURLError.self) {
            try TestDatabase.url(environment: environment)
        }
        #expect(error?.description.contains("SWIRL_TEST_DATABASE_URL is not set") == true)
    }
}
