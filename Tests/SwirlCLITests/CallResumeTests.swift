import Foundation
import SwirlCore
import SwirlRuntime
import SwirlTestSupport
import Testing

/// `swirl run` killed with SIGKILL in the middle of an OpenAPI, an A2A and an MCP call, and resumed
/// with `swirl runs resume`: each call is sent again as it was (the same `Idempotency-Key`, A2A
/// message id, MCP request id), to where the description the run saved says, though the service
/// now describes itself otherwise.
@Suite(.serialized)
struct CallResumeTests {
    /// The peer (`Fixtures/call_peer.py`) and the lines it logged.
    final class Peer {
        let child: ChildProcess
        let log: String
        let port: Int

        init(scratch: ScratchFolder) async throws {
            log = scratch.path + "/peer.jsonl"
            let output = scratch.path + "/peer.out"
            child = try ChildProcess(
                executable: "/usr/bin/env", arguments: ["python3", PackageRoot.path("Tests/SwirlCLITests/Fixtures/call_peer.py"), log],
                environment: ProcessInfo.processInfo.environment, log: output)
            var found: Int?
            _ = await eventually(within: 20, every: 0.02) {
                found = (try? String(contentsOfFile: output, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                return found != nil
            }
            port = try #require(found, "the peer did not start")
        }

        /// The logged lines of `call`.
        func calls(_ call: String) -> [JSON] {
            lines().filter { $0["call"] == .string(call) }
        }

        func fetches(_ path: String) -> Int {
            lines().filter { $0["method"] == "GET" && $0["path"] == .string(path) }.count
        }

        private func lines() -> [JSON] {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSON(parsing: String($0)) }
        }

        deinit { child.signal(SIGKILL) }
    }

    static func workflow(port: Int) -> String {
        """
        document: {dsl: '1.0.3', namespace: t, name: call-resume, version: '1.0.0'}
        do:
          - pet:
              call: openapi
              with:
                document: {endpoint: 'http://127.0.0.1:\(port)/v2/swagger.json'}
                operationId: getPetById
                parameters: {petId: 7}
          - ask:
              call: a2a
              with:
                method: message/send
                agentCard: {endpoint: 'http://127.0.0.1:\(port)/card.json'}
                parameters:
                  message: {parts: [{kind: text, text: '${ "about " + .name }'}]}
          - tell:
              call: mcp
              with:
                method: tools/call
                parameters: {name: send, arguments: {text: '${ .parts[0].text }'}}
                transport: {http: {endpoint: 'http://127.0.0.1:\(port)/mcp'}}
        """
    }

    @Test("each call killed mid-flight is sent again as it was, to where its saved description says")
    func killedMidCall() async throws {
        let scratch = try ScratchFolder()
        let peer = try await Peer(scratch: scratch)
        let file = try scratch.write("call-resume.yaml", Self.workflow(port: peer.port))
        let db = ["--db", "sqlite:" + scratch.path + "/runs.db"]

        let run = try SwirlProcess(["run", file, "--output", "json"] + db, name: "run", scratch: scratch.path)
        #expect(await eventually(within: 30, every: 0.02) { peer.calls("pet").count == 1 }, "\(run.output)")
        let id = try #require(LocalCrashTests.runID(in: run.output), "no run id: \(run.output)")
        run.kill9()

        // Each resume is killed while the next call hangs, until the last one finishes the run.
        for (call, count) in [("a2a", 1), ("mcp", 1)] {
            let resume = try SwirlProcess(["runs", "resume", id, "--output", "json"] + db, name: "resume-\(call)", scratch: scratch.path)
            #expect(await eventually(within: 30, every: 0.02) { peer.calls(call).count == count }, "\(resume.output)")
            resume.kill9()
        }
        let last = try SwirlProcess(["runs", "resume", id, "--output", "json"] + db, name: "resume-last", scratch: scratch.path)
        #expect(last.child.wait(seconds: 60), "\(last.output)")
        #expect(last.exitCode == 0, "\(last.output)")
        #expect(last.output.contains(#""text":"sent""#), "\(last.output)")

        // Each call went out twice, the same way both times, and each description was fetched once.
        for (call, field) in [("pet", "key"), ("a2a", "id"), ("a2a", "messageId"), ("mcp", "id")] {
            let sent = peer.calls(call).map { $0[field] ?? .null }
            #expect(sent.count == 2 && sent[0] == sent[1] && sent[0] != .null, "\(call) \(field): \(sent)")
        }
        #expect(peer.calls("pet").first?["key"]?.stringValue?.hasPrefix(id + ":") == true)
        #expect(peer.fetches("/v2/swagger.json") == 1)
        #expect(peer.fetches("/card.json") == 1)
    }
}
