import Dispatch
import SwirlCore
import Synchronization

/// libyaml's events for one text, parsed ahead on a helper thread while the loader builds the
/// document from the events already parsed: for a large text, parsing and building each get a
/// core.
///
/// The helper hands events over in batches, at most ``Channel/maxBatches`` ahead of the loader.
/// A loader that stops early (a second document, nesting too deep) lets go of the pipe, and the
/// helper stops at its next batch. The loader sees exactly the events, and the syntax error,
/// that it would see reading libyaml itself.
final class YAMLEventPipe {
    private let channel = Channel()
    private let producer: HelperThread<Void>
    /// The batch being read, and the next event in it.
    private var current: [YAMLEvent] = []
    private var position = 0
    /// Set once the helper's end has been read: `.some(nil)` for the end of the stream.
    private var end: YAMLSyntaxError??

    /// Starts parsing `bytes` on a helper thread; `nil` when no thread can be started (the
    /// loader then reads libyaml itself).
    init?(bytes: ArraySlice<UInt8>) {
        let channel = channel
        producer = HelperThread { channel.produce(bytes) }
        guard producer.hasThread else { return nil }
    }

    deinit {
        channel.close()
        // Without a thread of its own the work never ran; joining would run it now.
        if producer.hasThread { producer.join() }
    }

    /// The next event, or `nil` after the end of the stream.
    /// - Throws: ``YAMLSyntaxError`` when the text is not valid YAML, after the events before the error.
    func next() throws(YAMLSyntaxError) -> YAMLEvent? {
        while position == current.count {
            if let end {
                if let error = end { throw error }
                return nil
            }
            switch channel.take() {
            case .events(let events):
                current = events
            case .end(let error):
                current = []
                end = .some(error)
            }
            position = 0
        }
        defer { position += 1 }
        return current[position]
    }

    /// What the helper hands over: a batch of events, then an end (with the error, if parsing failed).
    private enum Item: Sendable {
        case events([YAMLEvent])
        case end(YAMLSyntaxError?)
    }

    /// The queue between the helper and the loader.
    private final class Channel: Sendable {
        static let batchSize = 1024
        static let maxBatches = 8

        private let items = Mutex<[Item]>([])
        /// Counts the items queued: the loader waits on it.
        private let filled = DispatchSemaphore(value: 0)
        /// Counts the free places: the helper waits on it. (Made with 0 and raised to the count,
        /// since a semaphore may not be freed below the value it was made with.)
        private let space = DispatchSemaphore(value: 0)
        private let closed = Atomic<Bool>(false)

        init() {
            for _ in 0..<Self.maxBatches { space.signal() }
        }

        /// The next item, waiting for the helper if there is none yet.
        func take() -> Item {
            filled.wait()
            let item = items.withLock { $0.removeFirst() }
            space.signal()
            return item
        }

        /// Tells the helper to stop; it does at its next hand-over, waking if it waits for room.
        func close() {
            closed.store(true, ordering: .releasing)
            space.signal()
        }

        /// The helper's loop: parse, hand over in batches, stop at the end or when closed.
        func produce(_ bytes: ArraySlice<UInt8>) {
            let parser = LibYAMLParser(bytes: bytes)
            var batch: [YAMLEvent] = []
            batch.reserveCapacity(Self.batchSize)
            while true {
                var last: Item?
                do {
                    if let event = try parser.next() {
                        batch.append(event)
                        if batch.count < Self.batchSize { continue }
                    } else {
                        last = .end(nil)
                    }
                } catch {
                    last = .end(error)
                }
                if !batch.isEmpty {
                    guard hand(.events(batch)) else { return }
                    batch = []
                    batch.reserveCapacity(Self.batchSize)
                }
                if let last {
                    _ = hand(last)
                    return
                }
            }
        }

        /// Queues `item` once there is room; `false` when the loader has closed the channel.
        private func hand(_ item: Item) -> Bool {
            space.wait()
            guard !closed.load(ordering: .acquiring) else { return false }
            items.withLock { $0.append(item) }
            filled.signal()
            return true
        }
    }
}

@available(*, unavailable)
extension YAMLEventPipe: Sendable {}
