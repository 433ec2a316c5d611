import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// The `swirl` users get runs where no Swift toolchain is installed: built with `--static-swift-stdlib`, it
/// validates and runs a workflow with the toolchain's runtime libraries hidden under an empty tmpfs, in a mount
/// namespace of its own.
///
/// scripts/release builds that binary (a release build of its own, too long for every test run) and runs this
/// suite on it, naming it in `SWIRL_STATIC_BINARY`; without that variable the suite has nothing to test.
@Suite struct StaticBinaryTests {
    static let binary = ProcessInfo.processInfo.environment["SWIRL_STATIC_BINARY"]

    @Test("the release swirl links none of Swift's libraries and runs with the toolchain's runtime hidden", .enabled(if: binary != nil))
    func runsWithoutToolchain() throws {
        let swirl = try #require(Self.binary)
        let linked = try RunBinary.run("/usr/bin/ldd", [swirl])
        #expect(linked.exitCode == 0)
        #expect(!linked.stdout.contains("libswift"), "\(linked.stdout)")
        #expect(!linked.stdout.contains("libFoundation"), "\(linked.stdout)")

        // The toolchain's runtime libraries: <prefix>/lib/swift, beside the `swift` on PATH.
        let which = try RunBinary.run("/bin/sh", ["-c", "command -v swift"])
        let driver = URL(fileURLWithPath: which.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).resolvingSymlinksInPath()
        let runtime = driver.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("lib/swift").path
        try #require(FileManager.default.fileExists(atPath: runtime + "/linux"), "no toolchain runtime at \(runtime)")

        let scratch = try ScratchFolder()
        let hello = PackageRoot.path("Workflows/hello.yaml")
        let script = """
            set -e
            mount -t tmpfs none '\(runtime)'
            if ls '\(runtime)'/linux/libswiftCore.so 2>/dev/null; then echo 'the runtime is still visible' >&2; exit 3; fi
            '\(swirl)' validate '\(hello)'
            '\(swirl)' run '\(hello)' --ephemeral --quiet --input '{"name": "Ada"}'
            '\(swirl)' run '\(hello)' --db 'sqlite:\(scratch.path)/runs.db' --quiet --input '{"name": "Bo"}'
            """
        let result = try RunBinary.run("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", script])
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("1 file: 0 errors"), "\(result.stdout)")
        #expect(result.stdout.contains("Hello, Ada!"), "\(result.stdout)")
        #expect(result.stdout.contains("Hello, Bo!"), "\(result.stdout)")
    }
}
