#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How far the engine's calls may go down the current thread's stack.
///
/// A jq call is several nested Swift calls, and how many bytes they take depends on the build
/// and on the program, so a fixed depth cannot keep every thread safe: a debug build on a thread
/// of 512 KiB overflows after about a hundred levels, a release build on 8 MiB not before
/// thousands. Each call therefore compares the stack pointer with a floor above the end of the
/// thread's stack, which leaves room for the builtins and value code that run beyond the last
/// check, and a call past the floor continues on a thread of its own (``JQRun/call(_:)``).
enum JQStack {
    /// The stack the engine leaves unused, as a fraction of the thread's stack, within bounds.
    static let reserveFraction = 4
    static let smallestReserve: UInt = 64 << 10
    static let largestReserve: UInt = 1 << 20
    /// The stack of a thread that continues a call past its thread's floor: deep enough for
    /// ``JQLimits/depth`` calls in a debug build. Only the pages used are ever backed by memory.
    static let freshStackSize = 64 << 20

    /// An address inside the caller's frame: where the stack is now.
    @inline(never)
    static func address() -> UInt {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }

    /// The lowest address a call may start at on this thread; 0 (no floor) when the thread's
    /// stack cannot be found.
    ///
    /// Found once per thread and then kept in a thread-specific slot: the main thread's bounds
    /// come from reading `/proc/self/maps`, which takes tens of microseconds.
    static func floor() -> UInt {
        if let cached = pthread_getspecific(key) {
            return UInt(bitPattern: cached) &- 1
        }
        let floor = measure()
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: floor &+ 1))
        return floor
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "no thread-specific slot for the jq engine's stack floor")
        return key
    }()

    private static func measure() -> UInt {
        #if os(Linux)
        var attributes = pthread_attr_t()
        guard swirlGetThreadAttributes(pthread_self(), &attributes) == 0 else { return 0 }
        defer { pthread_attr_destroy(&attributes) }
        var base: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attributes, &base, &size) == 0, let base, size > 0 else { return 0 }
        let low = UInt(bitPattern: base)
        #else
        let thread = pthread_self()
        let high = UInt(bitPattern: pthread_get_stackaddr_np(thread))
        let size = pthread_get_stacksize_np(thread)
        guard size > 0 else { return 0 }
        let low = high - UInt(size)
        #endif
        let reserve = min(max(UInt(size) / UInt(reserveFraction), smallestReserve), largestReserve)
        return low &+ reserve
    }
}

#if os(Linux)
/// glibc's `pthread_getattr_np`, which Swift's Glibc module leaves out (it is a GNU extension).
@_silgen_name("pthread_getattr_np")
private func swirlGetThreadAttributes(_ thread: pthread_t, _ attributes: UnsafeMutablePointer<pthread_attr_t>) -> Int32
#endif
