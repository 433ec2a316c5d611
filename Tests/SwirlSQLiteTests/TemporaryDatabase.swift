import Foundation

/// Runs `body` with the path of a database file in a new temporary folder, and deletes the folder afterwards
/// (with the file's `-wal` and `-shm` companions).
func withTemporaryDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swirl-sqlite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await body(folder.appendingPathComponent("swirl.db").path)
}
