import Crypto
import Foundation
import MarinaCore
import SQLKit

/// One step of the schema. Migrations are append-only: once landed, a migration is never
/// edited — the store records each one's checksum and refuses to start when a recorded one no
/// longer matches the code.
public struct Migration: Sendable {
    public enum Statement: Sendable {
        case both(String)
        case sqlite(String)
        case postgres(String)
    }

    public var id: Int
    public var name: String
    public var statements: [Statement]

    public var checksum: String {
        let text = statements.map { statement -> String in
            switch statement {
            case .both(let s): return "both:" + s
            case .sqlite(let s): return "sqlite:" + s
            case .postgres(let s): return "postgres:" + s
            }
        }.joined(separator: "\n;\n")
        return Hex.string(SHA256.hash(data: Data(text.utf8)))
    }

    func sql(for dialect: StoreConfiguration.Dialect) -> [String] {
        statements.compactMap { statement in
            switch (statement, dialect) {
            case (.both(let s), _), (.sqlite(let s), .sqlite), (.postgres(let s), .postgres): return s
            default: return nil
            }
        }
    }
}

extension Store {
    /// Every migration, in order. Append only.
    public static let migrations: [Migration] = [
        Migration0001.registry, Migration0002.runtime, Migration0003.trust, Migration0004.mailDelivery, Migration0005.eventSender,
        Migration0006.kvExpiry,
    ]

    /// Brings the schema up to date, once, even when several `serve` processes start together.
    public func migrate(_ migrations: [Migration] = Store.migrations) async throws {
        let dialect = self.dialect
        try await transaction { db in
            if dialect == .postgres {
                // Serialises concurrent migrators; released at commit.
                try await db.execute(sql: SQLRaw("SELECT pg_advisory_xact_lock(7201001)")) { _ in }
            }
            try await db.execute(
                sql: SQLRaw(
                    "CREATE TABLE IF NOT EXISTS marina_migrations (id BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)"
                )
            ) { _ in }
            struct Applied: Decodable { var id: Int; var name: String; var checksum: String }
            let applied = try await db.select().columns("id", "name", "checksum").from("marina_migrations").orderBy("id").all(decoding: Applied.self)
            let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.id, $0) })
            for row in applied {
                guard let migration = known[row.id] else {
                    throw StoreError.schemaMismatch(
                        "the database has migration \(row.id) (\(row.name)), which this marina does not know: it was migrated by a newer version")
                }
                guard migration.checksum == row.checksum else {
                    throw StoreError.schemaMismatch("migration \(row.id) (\(row.name)) was edited after it ran; migrations are append-only")
                }
            }
            let done = Set(applied.map(\.id))
            for migration in migrations where !done.contains(migration.id) {
                for statement in migration.sql(for: dialect) {
                    try await db.execute(sql: SQLRaw(statement)) { _ in }
                }
                try await db.insert(into: "marina_migrations")
                    .columns("id", "name", "checksum", "applied_at")
                    .values(
                        SQLBind(migration.id), SQLBind(migration.name), SQLBind(migration.checksum),
                        SQLBind(Int64(Date().timeIntervalSince1970 * 1000))
                    )
                    .run()
            }
        }
    }
}
