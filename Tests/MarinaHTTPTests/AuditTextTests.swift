import Foundation
import HTTPTypes
import HummingbirdTesting
import MarinaCore
import MarinaPlatform
import MarinaTestSupport
import SQLKit
import Testing

@testable import MarinaStore

/// Text from apps, tenants and the egress proxy reaches the audit log in a form every database
/// keeps exactly: control and format characters escaped, the hash over what is stored.
@Suite struct AuditTextTests {
    @Test func escapesAreVisibleInjectiveAndBounded() throws {
        #expect(AuditText.stored("kv_get") == "kv_get")
        #expect(AuditText.stored("a\u{0}b") == #"a\u{0}b"#)
        #expect(AuditText.stored(#"a\u{0}b"#) == #"a\\u{0}b"#)
        #expect(AuditText.stored("evil\u{202E}txt.exe\u{7F}\u{85}\u{2028}") == #"evil\u{202e}txt.exe\u{7f}\u{85}\u{2028}"#)
        #expect(AuditText.stored("Grüße ✓") == "Grüße ✓")
        let long = AuditText.stored(String(repeating: "\u{0}", count: 5000))
        #expect(long.utf8.count <= AuditText.maxBytes && long.hasSuffix("bytes)") && long.hasPrefix(#"\u{0}\u{0}"#))
        // The summary stays the same JSON value, its invisible characters written as JSON escapes.
        let summary = AuditText.storedSummary(CanonicalJSON.string(["name": "a\u{202E}b\u{E0001}"]))
        #expect(summary == #"{"name":"a\u202eb\udb40\udc01"}"#)
        #expect(try JSONParser.parse(Array(summary.utf8)) == ["name": "a\u{202E}b\u{E0001}"])
    }

    /// A NUL (and friends) in a tool name sent by an app, and in an egress host, is recorded
    /// visibly and the chain verifies, on SQLite and PostgreSQL alike (where a NUL used to make
    /// the record, and so the call, fail).
    @Test(arguments: TestDatabase.available) func controlCharactersFromAppsAreStoredVisiblyAndTheChainHolds(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await TrustBoundaryTests.installed(client, admin: h.adminKey, tenant: "acme", app: "notes", scopes: ["kv.read"], grant: ["kv.read"])
            let token = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "notes")
            let sent = "kv_get\u{0}hidden\u{202E}"
            let reply = try await TrustBoundaryTests.tool(client, token, sent)
            #expect(reply.status == .ok, "\(String(buffer: reply.body))")
            #expect(reply.json["error"]?["decision"] == "unknown_tool")
            try await h.audit.record(
                AuditEntry(
                    at: 1_700_000_000_000, actor: "instance:x", tenant: "acme", app: "notes", kind: .egress,
                    name: "evil.net\u{0}.example.com:80", decision: "deny:host_not_allowed", input: ["host": "evil.net\u{0}.example.com"]))
            let names = try await TrustBoundaryTests.records(client, h.adminKey).compactMap { $0["name"]?.stringValue }
            #expect(names.contains(#"kv_get\u{0}hidden\u{202e}"#), "\(names)")
            #expect(names.contains(#"evil.net\u{0}.example.com:80"#), "\(names)")
            let verdict = try await client.call(.get, "/api/v1/audit/verify", key: h.adminKey).json
            #expect(verdict["ok"] == true, "\(verdict)")
            // What the database holds is what was hashed: no NUL anywhere.
            struct Row: Decodable { var name: String; var summary: String }
            let rows = try await h.services.store.read { db in try await db.raw("SELECT name, summary FROM audit_records").all(decoding: Row.self) }
            #expect(rows.allSatisfy { !$0.name.contains("\u{0}") && !$0.summary.contains("\u{0}") })
        }
    }

    /// Records an older version wrote with a NUL: SQLite kept their bytes whole, so verify reads
    /// them byte for byte and they hold; the listing shows them whole.
    @Test func olderRecordsWithANulStillVerifyOnSQLite() async throws {
        let h = try await Harness.make(.sqlite)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await h.services.store.transaction { db in
                let repository = AuditRepository()
                let last = try await repository.last(in: db)!
                var record = AuditRecord(
                    seq: last.seq + 1, id: "aud_legacy", at: 1_700_000_000_000, actor: "app:ins_x", tenant: "acme", app: "notes", version: "1.0.0",
                    kind: "app_call", name: "kv_get\u{0}hidden", decision: "deny:unknown_tool", status: "unknown_tool", durationMs: 1,
                    requestId: "req_x", summary: "", costMicros: 0, prevHash: last.hash, hash: "")
                record.hash = AuditChain.link(previous: last.hash, seq: record.seq, content: AuditChain.contentHash(record))
                try await repository.append([record], in: db)
            }
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "globex"])
            let verdict = try await client.call(.get, "/api/v1/audit/verify", key: h.adminKey).json
            #expect(verdict["ok"] == true && verdict["records"] == 3, "\(verdict)")
            let names = try await TrustBoundaryTests.records(client, h.adminKey).compactMap { $0["name"]?.stringValue }
            #expect(names.contains("kv_get\u{0}hidden"), "\(names)")
        }
    }
}
