import Foundation
public import Testing

/// Golden files: expected output kept beside the tests, compared as text.
///
/// Run the tests with `SWIRL_RECORD=1` to write the actual output into the golden files; a
/// recording run fails once, so a re-recording is never mistaken for a pass.
public enum Golden {
    /// Whether this run rewrites golden files instead of comparing with them.
    public static var isRecording: Bool { ProcessInfo.processInfo.environment["SWIRL_RECORD"] == "1" }

    /// Compares `actual` with the content of the file at `path`, or records it.
    public static func check(_ actual: String, against path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        if isRecording {
            do {
                try Data(actual.utf8).write(to: URL(fileURLWithPath: path))
                Issue.record("recorded \(path); run again without SWIRL_RECORD", sourceLocation: sourceLocation)
            } catch {
                Issue.record("cannot write \(path): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("no golden file \(path); run with SWIRL_RECORD=1 to create it", sourceLocation: sourceLocation)
            return
        }
        #expect(actual == expected, "differs from \(path)", sourceLocation: sourceLocation)
    }
}
