@testable import SwirlPostgres
import Foundation
import SwirlCore
import SwirlRuntime
import SwirlTestSupport
import Testing

/// Lost connections, lost replies, wake-ups and errors that must not leak.
@Suite(.enabled(if: TestDatabase.isAvailableOrRequired, "SWIRL_TEST_DATABASE_URL is not set; run scripts/test"))
struct PostgresResilienceTests {
    private static let definition = DefinitionRecord(
        namespace: "tests", name: "resilience", version: "1.0.0", hash: "hash-resilience", document: #"{"do":[]}"#)

    private static func checkpoint(_ lease: Lease, step: Int, history: [HistoryEntry]) throws -> Checkpoint {
        var state = RunState(runID: lease.runID, input: [:], startedAt: 1_767_225_600, seed: 1)
        state.nextStep = step
        return Checkpoint(
            lease: lease, state: try RunStateCoding.encode(state, skipping: []), status: .running, history: history)
    }

    /// Terminates the server process behind the store's one connection, and waits until it is gone.
    private static func terminateBackend(of store: PostgresStore) async throws {
        let pid = String(try await store.backendProcessID())
        let done = try await withAdminConnection { killer in
            try killer.query("SELECT pg_terminate_backend($1) AS done", [pid]).first?["done"]
        }
        #expect(done == "t")
        for _ in 0..<100 {
            let alive = try await withAdminConnection { killer in
                try killer.query("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1", [pid]).first?["n"]
            }
            if alive == "0" {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("a pooled connection whose server process was terminated is replaced, and calls go on")
    func reconnects() async throws {
        try await withTemporaryStore(poolSize: 1) { store, _ in
            try await store.saveDefinition(Self.definition)
            let before = try await store.backendProcessID()

            try await Self.terminateBackend(of: store)
            _ = try await store.createRun(NewRun(id: "r1", definitionHash: Self.definition.hash, input: [:]))
            #expect(try await store.backendProcessID() != before)

            let claimed = try #require(try await store.claim(owner: "w", limit: 1, leaseSeconds: 600, runID: nil).first)
            try await Self.terminateBackend(of: store)
            let entry = HistoryEntry(time: 1_767_225_600, kind: "after-kill")
            #expect(try await store.checkpoint(Self.checkpoint(claimed.lease, step: 1, history: [entry])) == .saved(control: nil))
            try await Self.terminateBackend(of: store)
            #expect(try await store.history(runID: "r1") == [entry])
            try await Self.terminateBackend(of: store)
            #expect(try await store.heartbeat(owner: "w", leases: [claimed.lease], leaseSeconds: 600).count == 1)
        }
    }

    @Test("a checkpoint retried after a lost reply is not written twice")
    func retriedCheckpoint() async throws {
        try await withTemporaryStore { store, _ in
            try await store.saveDefinition(Self.definition)
            _ = try await store.createRun(NewRun(id: "r1", definitionHash: Self.definition.hash, input: [:]))
            let claimed = try #require(try await store.claim(owner: "w", limit: 1, leaseSeconds: 600, runID: nil).first)
            let entry = HistoryEntry(time: 1_767_225_600, kind: "once")
            let checkpoint = try Self.checkpoint(claimed.lease, step: 1, history: [entry])
            let token = PostgresStore.makeToken()
            #expect(try await store.checkpoint(checkpoint, token: token, retrying: false) == .saved(control: nil))
            // The reply was lost: the retry finds its token and writes nothing more.
            #expect(try await store.checkpoint(checkpoint, token: token, retrying: true) == .saved(control: nil))
            #expect(try await store.history(runID: "r1") == [entry])
            // A retry of a checkpoint that never arrived writes it.
            let next = HistoryEntry(time: 1_767_225_601, kind: "twice")
            let second = try Self.checkpoint(claimed.lease, step: 2, history: [next])
            #expect(try await store.checkpoint(second, token: PostgresStore.makeToken(), retrying: true) == .saved(control: nil))
            #expect(try await store.history(runID: "r1") == [entry, next])
        }
    }

    @Test("waitForWork returns when another process makes work due, and at its deadline otherwise")
    func wakeUps() async throws {
        try await withTemporaryStore { store, schema in
            let other = try await openStore(schema: schema)
            defer { Task { await other.close() } }
            try await other.saveDefinition(Self.definition)
            // The first wait starts the listener, which wakes it once it listens.
            await store.waitForWork(until: try await store.now() + 5)

            let clock = ContinuousClock()
            var started = clock.now
            await store.waitForWork(until: try await store.now() + 0.3)
            #expect(clock.now - started >= .milliseconds(250))

            started = clock.now
            let waitedDeadline = try await store.now() + 20
            async let waited: Void = store.waitForWork(until: waitedDeadline)
            try await Task.sleep(for: .milliseconds(200))
            _ = try await other.createRun(NewRun(id: "r1", definitionHash: Self.definition.hash, input: [:]))
            await waited
            #expect(clock.now - started < .seconds(10))

            // Delivered events wake too; a notification for another schema does not.
            started = clock.now
            let wokenDeadline = try await store.now() + 20
            async let woken: Void = store.waitForWork(until: wokenDeadline)
            try await Task.sleep(for: .milliseconds(200))
            _ = try await other.deliver(event: ["id": "e1", "source": "tests", "type": "t"])
            await woken
            #expect(clock.now - started < .seconds(10))

            try await withTemporaryStore { unrelated, _ in
                try await unrelated.saveDefinition(Self.definition)
                started = clock.now
                let quietDeadline = try await store.now() + 1
                async let quiet: Void = store.waitForWork(until: quietDeadline)
                try await Task.sleep(for: .milliseconds(100))
                _ = try await unrelated.createRun(NewRun(id: "x", definitionHash: Self.definition.hash, input: [:]))
                await quiet
                #expect(clock.now - started >= .milliseconds(900))
            }
        }
    }

    @Test("a store rides out an outage: calls fail while the database refuses connections, and work again after")
    func outage() async throws {
        let database = "swirl_outage_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let quoted = "\"\(database)\""
        try await withAdminConnection { admin in try admin.execute("CREATE DATABASE \(quoted)") }
        let url = try Self.url(forDatabase: database)
        let store = try await PostgresStore.open(
            url: url, schema: nil, poolSize: 2, limits: StoreLimits(), reconnectPatience: .milliseconds(600))
        try await store.saveDefinition(Self.definition)

        try await withAdminConnection { admin in
            try admin.execute("ALTER DATABASE \(quoted) WITH ALLOW_CONNECTIONS false")
            _ = try admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [database])
        }
        // Calls keep trying for the store's patience (600 ms here), then fail.
        let clock = ContinuousClock()
        var started = clock.now
        let error = await #expect(throws: StoreError.self) { try await store.definition(hash: Self.definition.hash) }
        #expect(error?.description.contains("failed") == true)
        #expect(clock.now - started >= .milliseconds(500))
        // A wait during the outage still returns at its deadline.
        started = clock.now
        await store.waitForWork(until: Date().timeIntervalSince1970 + 0.3)
        #expect(clock.now - started < .seconds(5))

        try await withAdminConnection { admin in try admin.execute("ALTER DATABASE \(quoted) WITH ALLOW_CONNECTIONS true") }
        var recovered: DefinitionRecord?
        for _ in 0..<40 where recovered == nil {
            recovered = try? await store.definition(hash: Self.definition.hash)
            if recovered == nil {
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        #expect(recovered == Self.definition)

        // A short outage (a restart) delays calls instead of failing them.
        try await withAdminConnection { admin in
            try admin.execute("ALTER DATABASE \(quoted) WITH ALLOW_CONNECTIONS false")
            _ = try admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [database])
        }
        let reopen = Task {
            try await Task.sleep(for: .milliseconds(200))
            try await withAdminConnection { admin in try admin.execute("ALTER DATABASE \(quoted) WITH ALLOW_CONNECTIONS true") }
        }
        #expect(try await store.definition(hash: Self.definition.hash) == Self.definition)
        try await reopen.value
        _ = try await store.createRun(NewRun(id: "after", definitionHash: Self.definition.hash, input: [:]))
        #expect(try await store.claim(owner: "w", limit: 1, leaseSeconds: 60, runID: nil).count == 1)
        await store.close()
        try await withAdminConnection { admin in try admin.execute("DROP DATABASE \(quoted) WITH (FORCE)") }
    }

    /// The test database's URL with another database name.
    private static func url(forDatabase database: String) throws -> String {
        let url = try #require(try TestDatabase.url())
        let query = url.firstIndex(of: "?").map { String(url[$0...]) } ?? ""
        let base = url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
        let slash = try #require(base.lastIndex(of: "/"))
        #expect(base.contains("://"), "the test URL must be a URI")
        return base[...slash] + database + query
    }

    @Test("a store that cannot connect says so without revealing the password")
    func unreachable() async throws {
        let password = "Sup3r-Secret-pw"
        let url = "postgresql://swirl:\(password)@127.0.0.1:1/swirl?connect_timeout=5"
        let error = await #expect(throws: StoreError.self) {
            try await PostgresStore.open(url: url)
        }
        let text = error?.description ?? ""
        #expect(text.contains("opening the store"))
        #expect(text.contains("127.0.0.1"))
        #expect(!text.contains(password))
    }

    @Test("a server error becomes a StoreError that names no SQL and no value")
    func errorsCarryNoSQL() async throws {
        try await withTemporaryStore { store, schema in
            try await withAdminConnection { connection in
                try connection.execute("SELECT set_config('search_path', $1, false)", ["\"\(schema)\""])
                try connection.execute("ALTER TABLE runs ADD CONSTRAINT no_secret CHECK (input NOT LIKE '%secret%')")
            }
            try await store.saveDefinition(Self.definition)
            let error = await #expect(throws: StoreError.self) {
                try await store.createRun(NewRun(id: "r1", definitionHash: Self.definition.hash, input: ["secret": "hunter2"]))
            }
            let text = error?.description ?? ""
            #expect(text.contains("23514"))
            #expect(!text.contains("hunter2"))
            #expect(!text.contains("INSERT"))
        }
    }

    @Test("a closed store refuses calls")
    func closed() async throws {
        let url = try #require(try TestDatabase.url())
        let schema = uniqueSchemaName()
        defer { try? dropSchema(schema) }
        let store = try await PostgresStore.open(url: url, schema: schema)
        await store.close()
        await #expect(throws: StoreError.self) { try await store.now() }
    }
}
