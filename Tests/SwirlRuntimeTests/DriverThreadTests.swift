import Foundation
import Testing

@testable import SwirlRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An actor that adopts a driver thread, as ``RunDriver`` does.
private actor ThreadProbe {
    let thread: DriverThread
    private(set) var values: [Int] = []

    init(thread: DriverThread) {
        self.thread = thread
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

    func currentThread() -> UInt {
        thread.checkIsolated()
        return threadNumber()
    }

    func append(_ value: Int) {
        values.append(value)
    }
}

private func threadNumber() -> UInt {
    #if canImport(Darwin)
    UInt(bitPattern: pthread_self())
    #else
    UInt(pthread_self())
    #endif
}

@Suite struct DriverThreadTests {
    @Test("every job of an actor on a driver thread runs on that one thread, from 64 concurrent tasks")
    func oneThread() async {
        let probe = ThreadProbe(thread: DriverThreads.shared.threads[0])
        let threads = await withTaskGroup(of: [UInt].self) { group in
            for _ in 0..<64 {
                group.addTask {
                    var seen: [UInt] = []
                    for _ in 0..<20 { seen.append(await probe.currentThread()) }
                    return seen
                }
            }
            var all: Set<UInt> = []
            for await seen in group { all.formUnion(seen) }
            return all
        }
        #expect(threads.count == 1)
        #expect(!threads.contains(threadNumber()))
    }

    @Test("the process has one driver thread per core, each a thread of its own")
    func onePerCore() async {
        let pool = DriverThreads.shared.threads
        #expect(pool.count == ProcessInfo.processInfo.activeProcessorCount)
        var seen: Set<UInt> = []
        for thread in pool { seen.insert(await ThreadProbe(thread: thread).currentThread()) }
        #expect(seen.count == pool.count)
    }

    @Test("code outside the thread is told so")
    func notCurrentOutside() {
        for thread in DriverThreads.shared.threads {
            #expect(!thread.isCurrent)
            #expect(thread.isIsolatingCurrentContext() == false)
        }
    }

    @Test("jobs from one task run in the order they were queued")
    func order() async {
        let probe = ThreadProbe(thread: DriverThreads.shared.threads[DriverThreads.shared.threads.count - 1])
        for value in 0..<500 { await probe.append(value) }
        #expect(await probe.values == Array(0..<500))
    }

    @Test("a task preferring a driver thread runs its nonisolated code there")
    func taskPreference() async {
        let thread = DriverThreads.shared.threads[0]
        let onThread = await Task(executorPreference: thread) { () async -> Bool in
            await Self.nonisolatedProbe(thread)
        }.value
        #expect(onThread)
    }

    private static func nonisolatedProbe(_ thread: DriverThread) async -> Bool {
        thread.isCurrent
    }
}
