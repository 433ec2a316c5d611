import Foundation

/// Reads whole files, devices and standard input, with one size cap for everything Swirl reads:
/// workflow documents, `--input-file`, `--secrets`, the definitions of `--definitions DIR` and
/// the event files that `swirl emit` leaves for `swirl run`.
///
/// Reading stops as soon as the cap is passed, so `/dev/zero` or an endless pipe fails after
/// ``maxBytes`` plus one chunk instead of growing until memory runs out. A regular file whose
/// size is over the cap is refused before any byte is read.
public enum InputReader {
    /// The cap: 16 MiB, the store's limit for a run's input or output.
    public static let maxBytes = 16 << 20

    /// What to read.
    public enum Source: Sendable, Hashable {
        /// A file, device or named pipe, by path.
        case file(String)
        /// The process's standard input.
        case standardInput

        /// The source that a command-line operand names: `-` is standard input.
        public init(operand: String) {
            self = operand == "-" ? .standardInput : .file(operand)
        }

        /// How messages name it.
        public var name: String {
            switch self {
            case .file(let path): path
            case .standardInput: "standard input"
            }
        }
    }

    /// Reads all of `source`.
    /// - Parameter limit: the most bytes accepted; ``maxBytes`` unless a test needs less.
    /// - Throws: ``Loader/ReadError`` when the source does not exist, is a directory, cannot be
    ///   read, or holds more than `limit` bytes.
    public static func read(_ source: Source, limit: Int = maxBytes) throws(Loader.ReadError) -> [UInt8] {
        switch source {
        case .standardInput:
            return try read(descriptor: STDIN_FILENO, name: source.name, limit: limit)
        case .file(let path):
            var descriptor: Int32
            repeat { descriptor = open(path, O_RDONLY | O_CLOEXEC) } while descriptor < 0 && errno == EINTR
            guard descriptor >= 0 else { throw Loader.ReadError(path: path, reason: reason(errno)) }
            defer { close(descriptor) }
            return try read(descriptor: descriptor, name: path, limit: limit)
        }
    }

    /// The error for a source over `limit`; the message names the limit.
    public static func tooLarge(_ name: String, limit: Int = maxBytes) -> Loader.ReadError {
        Loader.ReadError(
            path: name, reason: "it holds more than \(describe(bytes: limit)), the limit for a file Swirl reads")
    }

    /// `16 MiB (16777216 bytes)`.
    public static func describe(bytes: Int) -> String {
        let mebibytes = bytes >> 20
        return mebibytes << 20 == bytes && mebibytes > 0 ? "\(mebibytes) MiB (\(bytes) bytes)" : "\(bytes) bytes"
    }

    private static func read(descriptor: Int32, name: String, limit: Int) throws(Loader.ReadError) -> [UInt8] {
        var status = stat()
        if fstat(descriptor, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR {
                throw Loader.ReadError(path: name, reason: "it is a directory, not a file")
            }
            if status.st_mode & S_IFMT == S_IFREG, Int(status.st_size) > limit { throw tooLarge(name, limit: limit) }
        }
        var bytes: [UInt8] = []
        let chunk = 1 << 16
        if status.st_mode & S_IFMT == S_IFREG {
            // The whole file and the last read's chunk in one allocation, not a copy per doubling.
            bytes.reserveCapacity(min(max(Int(status.st_size), 0), limit) + chunk)
        }
        while true {
            let start = bytes.count
            // One byte past the limit is enough to know the source is too large.
            let wanted = min(chunk, limit + 1 - start)
            bytes.append(contentsOf: repeatElement(0, count: wanted))
            let count = bytes.withUnsafeMutableBytes { buffer in
                Foundation.read(descriptor, buffer.baseAddress! + start, wanted)
            }
            if count < 0 {
                bytes.removeSubrange(start...)
                if errno == EINTR { continue }
                throw Loader.ReadError(path: name, reason: reason(errno))
            }
            bytes.removeSubrange((start + count)...)
            if count == 0 { return bytes }
            if bytes.count > limit { throw tooLarge(name, limit: limit) }
        }
    }

    private static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EACCES, EPERM: "permission denied"
        case EISDIR: "it is a directory, not a file"
        default: String(cString: strerror(code))
        }
    }
}
