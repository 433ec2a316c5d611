import Foundation
import Synchronization

/// The process's standard streams; the only place the CLI writes to them.
///
/// Writes go straight to the file descriptors. A failed write to stdout (a full disk, a closed
/// descriptor) is remembered, and ``Swirl/main()`` turns it into exit code 2 with a message on
/// stderr, so a result that was lost never looks like a success.
enum Terminal {
    /// The first failed write to stdout, as `strerror` text.
    private static let outputFailure = Mutex<String?>(nil)

    static func writeOutput(_ text: String) {
        if let problem = write(text, to: STDOUT_FILENO) {
            outputFailure.withLock { if $0 == nil { $0 = problem } }
        }
    }

    static func writeError(_ text: String) {
        // Nowhere is left to report a failure to write to stderr.
        _ = write(text, to: STDERR_FILENO)
    }

    /// Why writing to stdout failed, when it did.
    static var outputProblem: String? { outputFailure.withLock { $0 } }

    /// Writes all of `text` to `descriptor`.
    /// - Returns: `nil`, or the reason the write failed.
    static func write(_ text: String, to descriptor: Int32) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += written
            }
            return nil
        }
    }

    /// Whether standard error is a terminal that shows colours: not when `NO_COLOR` is set or
    /// `TERM` is `dumb`.
    static var standardErrorSupportsColor: Bool {
        let environment = ProcessInfo.processInfo.environment
        if environment["NO_COLOR"] != nil || environment["TERM"] == "dumb" { return false }
        return isatty(STDERR_FILENO) == 1
    }
}
