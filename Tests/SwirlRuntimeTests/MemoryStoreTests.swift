import SwirlRuntime
import SwirlTestSupport
import Testing

/// The store contract (``StoreConformance``) on the memory store, with a manual clock: time passes only when a
/// check lets it.
@Suite struct MemoryStoreTests {
    @Test(arguments: StoreConformance.checks)
    func conforms(to check: StoreConformance.Check) async throws {
        let clock = ManualClock()
        let store = MemoryStore(clock: clock, limits: StoreConformance.limits)
        try await check.run(StoreConformance.Subject(store: store, advance: { clock.advance(by: $0) }))
    }
}
