import Foundation
import SwirlCore
import SwirlRuntime
import SwirlSyntax

/// A folder of event files: `swirl emit` writes one file per event, `swirl run` takes them in
/// the order written and publishes them on its event bus.
struct EventSpool: Sendable {
    let folder: URL

    /// `SWIRL_EVENTS_DIR`, or `.swirl/events` in the current directory.
    static var defaultFolder: EventSpool {
        let path = ProcessInfo.processInfo.environment["SWIRL_EVENTS_DIR"] ?? ".swirl/events"
        return EventSpool(folder: URL(fileURLWithPath: path))
    }

    /// Writes `event` as a new file; the name sorts by time, and the rename makes it appear whole.
    func deposit(_ event: JSON) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let name = String(format: "%020.6f", Date().timeIntervalSince1970) + "-" + UUID().uuidString
            let partial = folder.appendingPathComponent("." + name + ".partial")
            try Data(event.serialized().utf8).write(to: partial)
            try FileManager.default.moveItem(at: partial, to: folder.appendingPathComponent(name + ".json"))
        } catch {
            throw EnvironmentFailure(message: "cannot write an event to \(folder.path): \(error.localizedDescription)")
        }
    }

    /// Publishes every event file that appears, until cancelled; files are removed once read.
    func watch(publishingTo bus: EventBus) async {
        while !Task.isCancelled {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
                let url = folder.appendingPathComponent(name)
                guard let bytes = try? InputReader.read(.file(url.path)), (try? FileManager.default.removeItem(at: url)) != nil
                else { continue }
                if let event = try? JSON(parsing: String(decoding: bytes, as: UTF8.self)) { await bus.publish(event) }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}
