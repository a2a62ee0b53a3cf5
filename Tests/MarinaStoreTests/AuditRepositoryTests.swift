import Foundation
import MarinaCore
import MarinaTestSupport
import Testing

@testable import MarinaStore

/// Rows come back exactly as they were appended, across the statement boundaries of the insert
/// (full statements of `rowsPerStatement` rows and a shorter last one) and with null fields.
@Suite struct AuditRepositoryTests {
    @Test(arguments: TestDatabase.available) func appendedRecordsReadBackExactly(_ kind: TestDatabase) async throws {
        let (store, drop) = try await kind.make()
        defer { Task { await drop() } }
        try await store.migrate()
        let records = (1...(AuditRepository.rowsPerStatement * 2 + 37)).map(Self.record)
        try await store.transaction { db in try await AuditRepository().append(records, in: db) }
        let read = try await store.read { db in try await AuditRepository().records(AuditFilter(), limit: 5000, ascending: true, in: db) }
        #expect(read.count == records.count)
        #expect(read == records)
    }

    /// The same through the store's direct SQLite connection (the audit log's group commit), read
    /// back through the pool; a transaction whose body throws leaves nothing behind.
    @Test func theDirectConnectionAppendsTheSameRowsAndRollsBack() async throws {
        let (store, drop) = try await TestDatabase.sqlite.make()
        defer { Task { await drop() } }
        try await store.migrate()
        let repository = AuditRepository()
        #expect(try await store.directTransaction { db in try repository.last(in: db) == nil })
        let records = (1...(AuditRepository.rowsPerStatement + 3)).map(Self.record)
        try await store.directTransaction { db in try repository.append(records, in: db) }
        // One row at a time too (the statement of one row is prepared once and reused).
        let more = ((records.count + 1)...(records.count + 5)).map(Self.record)
        for r in more { try await store.directTransaction { db in try repository.append([r], in: db) } }
        let read = try await store.read { db in try await repository.records(AuditFilter(), limit: 5000, ascending: true, in: db) }
        #expect(read == records + more)
        let last = try await store.directTransaction { db in try repository.last(in: db) }
        #expect(last?.seq == more.last?.seq && last?.hash == more.last?.hash)

        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await store.directTransaction { db in
                try repository.append([Self.record(9_999)], in: db)
                throw Refused()
            }
        }
        #expect(try await store.read { db in try await repository.records(AuditFilter(), limit: 5000, in: db) }.count == read.count)
        // A statement the database refuses is an error naming SQLite's reason, and the connection stays usable.
        await #expect(throws: StoreError.self) { try await store.directTransaction { db in try repository.append([records[0]], in: db) } }
        try await store.directTransaction { db in try repository.append([Self.record(10_000)], in: db) }
        #expect(try await store.read { db in try await repository.records(AuditFilter(), limit: 5000, in: db) }.count == read.count + 1)
    }

    /// Record `n`, with some fields null in a pattern that differs from row to row.
    static func record(_ n: Int) -> AuditRecord {
        let tenant: String? = n % 3 == 0 ? nil : "acme"
        let app: String? = n % 4 == 0 ? nil : "crm-sync"
        let version: String? = n % 2 == 0 ? nil : "1.0.\(n)"
        let requestId: String? = n % 6 == 0 ? nil : "req_\(n)"
        let summary = "{\"key\":\"k\(n)\",\"note\":\"Grüße ✓ \\\"quoted\\\"\\n\"}"
        return AuditRecord(
            seq: Int64(n), id: "aud_\(n)", at: 1_700_000_000_000 + Int64(n), actor: n % 5 == 0 ? "platform" : "app:ins_\(n % 7)",
            tenant: tenant, app: app, version: version, kind: "app_call", name: "kv_set", decision: n % 11 == 0 ? "deny:no_scope" : "allow",
            status: "ok", durationMs: Int64(n % 50), requestId: requestId, summary: summary, costMicros: Int64(n) * 1_000_000_000,
            prevHash: String(repeating: "0", count: 64),
            hash: String(repeating: "f", count: 60) + String(n % 10_000).padding(toLength: 4, withPad: "0", startingAt: 0))
    }
}
