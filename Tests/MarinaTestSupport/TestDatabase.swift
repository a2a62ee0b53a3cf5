import Foundation
import Logging
import PostgresKit

@testable import MarinaStore

/// Databases for tests: a fresh SQLite file always, and a fresh PostgreSQL database when
/// `MARINA_TEST_POSTGRES_URL` names a server (CI sets it). Every store suite runs against each.
public enum TestDatabase: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    /// The kinds available here: SQLite always, PostgreSQL when configured.
    public static var available: [TestDatabase] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["MARINA_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A new, empty, migrated database; the returned closure drops it.
    public func make() async throws -> (Store, @Sendable () async -> Void) {
        let configuration = try await freshConfiguration()
        let store = try Store(configuration, logger: Logger(label: "test.store"))
        try await store.migrate()
        return (
            store,
            {
                await store.close(); await drop(configuration)
            }
        )
    }

    /// A configuration naming a new empty database (created here, not migrated).
    public func freshConfiguration() async throws -> StoreConfiguration {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marina-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return .sqlite(path: dir.appendingPathComponent("marina.sqlite").path)
        case .postgres:
            guard let url = Self.postgresURL, var components = URLComponents(string: url) else {
                throw StoreError.unavailable("MARINA_TEST_POSTGRES_URL is not set")
            }
            let name = "marina_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let admin = try Store(.postgres(url: url), logger: Logger(label: "test.admin"))
            try await admin.read { db in try await db.execute(sql: SQLRaw("CREATE DATABASE \(name)")) { _ in } }
            await admin.close()
            components.path = "/" + name
            return .postgres(url: components.string!)
        }
    }

    private func drop(_ configuration: StoreConfiguration) async {
        switch configuration {
        case .sqlite(let path):
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent())
        case .postgres(let url):
            guard let base = Self.postgresURL, let name = URLComponents(string: url)?.path.dropFirst() else { return }
            guard let admin = try? Store(.postgres(url: base), logger: Logger(label: "test.admin")) else { return }
            try? await admin.read { db in try await db.execute(sql: SQLRaw("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")) { _ in } }
            await admin.close()
        }
    }
}
