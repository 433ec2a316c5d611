import Foundation
import SwirlCore
import SwirlTestSupport
import Testing

/// `swirl run` prints no secret in its progress lines or its error, whatever field holds it.
@Suite struct RedactionCLITests {
    @Test("a secret in raise.error.type is hidden in the progress line and the error JSON")
    func errorType() throws {
        let scratch = try ScratchFolder()
        let file = try scratch.write(
            "leak.yaml",
            """
            document: {dsl: '1.0.3', namespace: cli, name: leak, version: '1.0.0'}
            use:
              secrets: [token]
            do:
              - fail: {raise: {error: {type: '${ "https://example.com/" + $secrets.token }', status: 400}}}
            """)
        let result = try RunBinary.swirl(["run", file], environment: ["SWIRL_SECRET_TOKEN": "tok en/s3cr3t"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("https://example.com/***"), "\(result.stderr)")
        for form in ["tok en/s3cr3t", "tok%20en%2Fs3cr3t", "tok+en%2Fs3cr3t", "s3cr3t"] {
            #expect(!result.stderr.contains(form), "\(result.stderr)")
            #expect(!result.stdout.contains(form), "\(result.stdout)")
        }
    }
}
