import Foundation
@testable import MarinaStore
import MarinaTestSupport
import Testing

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

    /// Record `n`, with some fields null in a pattern that differs from row to row.
    static func record(_ n: Int) -> AuditRecord {
        let tenant: String? = n % 3 == 0 ? nil : "acme"
        let app: String? = n % 4 == 0 ? nil : "crm-sync"
        let version: String? = n % 2 == 0 ? nil : "1.0.\(n)"
        let requestId: String? = n % 6 == 0 ? nil : "req_\(n)"
        let summary = "{\"key\":\"k\(n)\",\"note\":\"Grüße ✓ \\\"quoted\\\"\\n\"}"
        return AuditRecord(seq: Int64(n), id: "aud_\(n)", at: 1_700_000_000_000 + Int64(n), actor: n % 5 == 0 ? "platform" : "app:ins_\(n % 7)",
                           tenant: tenant, app: app, version: version, kind: "app_call", name: "kv_set", decision: n % 11 == 0 ? "deny:no_scope" : "allow",
                           status: "ok", durationMs: Int64(n % 50), requestId: requestId, summary: summary, costMicros: Int64(n) * 1_000_000_000,
                           prevHash: String(repeating: "0", count: 64), hash: String(repeating: "f", count: 60) + String(n % 10_000).padding(toLength: 4, withPad: "0", startingAt: 0))
    }
}
