import Foundation
import HTTPTypes
import HummingbirdTesting
import MarinaCore
import MarinaPlatform
import MarinaTestSupport
import SQLKit
import Testing

@testable import MarinaStore

/// What a caller can repeat at will does not grow the database or the audit log without bound.
@Suite struct GrowthBoundTests {
    static func count(_ h: Harness, _ client: any TestClientProtocol, _ query: String) async throws -> [JSONValue] {
        try await TrustBoundaryTests.records(client, h.adminKey, query)
    }

    /// 300 POSTs with a bogus token (no key needed to send them) make one record at once and one
    /// with the count of the rest when the window ends: nothing lost, nothing multiplied.
    @Test(arguments: TestDatabase.available) func refusedTokensAreCountedNotRecordedOneByOne(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            for _ in 0..<300 {
                let r = try await TrustBoundaryTests.tool(client, "not-a-token", "kv_list")
                #expect(r.status == .unauthorized && r.errorCode == "invalid_token")
            }
            #expect(try await Self.count(h, client, "&decision=deny:invalid_token").count == 1)
            await h.services.gateway!.refusals.flush(all: true)
            let records = try await Self.count(h, client, "&decision=deny:invalid_token")
            #expect(records.count == 2)
            let summary = records.first?["summary"]?.stringValue ?? ""
            #expect(summary.contains("\"repeated\":299") && summary.contains("not a well-formed token"), "\(summary)")
        }
    }

    /// The rate limit is checked before anything else, so refused calls spend the budget too, and
    /// `app-secrets` has one.
    @Test func theRateLimitComesFirstAndCoversSecrets() async throws {
        let h = try await Harness.make(.sqlite, limits: .init(perInstall: (3, 0.001), perTenant: (100, 100)))
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await TrustBoundaryTests.installed(
                client, admin: h.adminKey, tenant: "acme", app: "notes", scopes: ["kv.read", "files.read"], grant: ["kv.read"])
            let token = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "notes")
            // Three refusals (not granted, unknown, bad arguments) use up the burst of three.
            #expect(try await TrustBoundaryTests.tool(client, token, "files_read", ["path": "a"]).json["error"]?["decision"] == "scope_denied")
            #expect(try await TrustBoundaryTests.tool(client, token, "no_such_tool").json["error"]?["decision"] == "unknown_tool")
            #expect(try await TrustBoundaryTests.tool(client, token, "kv_get", ["key": ""]).json["error"]?["decision"] == "invalid_args")
            #expect(try await TrustBoundaryTests.tool(client, token, "kv_list").json["error"]?["decision"] == "rate_limited")
            let secret = try await client.execute(
                uri: "/api/mcp/app-secrets", method: .post, headers: [.authorization: "Bearer " + token], body: jsonBody(["key": "API_KEY"]))
            #expect(secret.status == .tooManyRequests && secret.errorCode == "rate_limited", "\(String(buffer: secret.body))")
            #expect(secret.headers[.retryAfter] == "1")
            // Rate-limited calls are counted like refused tokens: one record now, one with the rest later.
            for _ in 0..<20 { _ = try await TrustBoundaryTests.tool(client, token, "kv_list") }
            #expect(try await Self.count(h, client, "&decision=deny:rate_limited&kind=app_call").count == 1)
            #expect(try await Self.count(h, client, "&decision=deny:rate_limited&kind=secret_read").count == 1)
            await h.services.gateway!.refusals.flush(all: true)
            let calls = try await Self.count(h, client, "&decision=deny:rate_limited&kind=app_call")
            #expect(calls.count == 2 && calls.first?["summary"]?.stringValue?.contains("\"repeated\":20") == true, "\(calls)")
        }
    }

    /// Expired kv entries are deleted: some of the writing app's own at each `kv_set`, all of them
    /// in bounded batches by the purge that `serve` runs every minute.
    @Test(arguments: TestDatabase.available) func expiredKVEntriesAreDeleted(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            for app in ["notes", "other"] {
                try await TrustBoundaryTests.installed(
                    client, admin: h.adminKey, tenant: "acme", app: app, scopes: ["kv.read", "kv.write"], grant: ["kv.read", "kv.write"])
            }
            struct Ids: Decodable { var tenant: String; var app: String }
            let store = h.services.store
            let past = Int64(Date().timeIntervalSince1970 * 1000) - 1000
            for (app, expired) in [("notes", 250), ("other", 1200)] {
                let ids = try await store.read { db in
                    try await db.raw(
                        "SELECT tenants.id AS tenant, apps.id AS app FROM tenants, apps WHERE tenants.slug = 'acme' AND apps.slug = \(bind: app)"
                    ).first(decoding: Ids.self)!
                }
                try await store.transaction { db in
                    for i in 0..<expired {
                        try await db.insert(into: "kv_entries").columns("tenant_id", "app_id", "key", "value", "expires_at", "updated_at")
                            .values(SQLBind(ids.tenant), SQLBind(ids.app), SQLBind("old-\(i)"), SQLBind("1"), SQLBind(past), SQLBind(past)).run()
                    }
                }
            }
            struct Count: Decodable { var n: Int }
            func rows() async throws -> Int {
                try await store.read { db in try await db.raw("SELECT COUNT(*) AS n FROM kv_entries").first(decoding: Count.self)!.n }
            }
            #expect(try await rows() == 1450)
            let token = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "notes")
            #expect(try await TrustBoundaryTests.tool(client, token, "kv_set", ["key": "live", "value": 1]).json["ok"] == true)
            #expect(try await rows() == 1450 - 100 + 1)
            let tools = PlatformTools(store: store)
            #expect(try await tools.purgeExpiredKV(batch: 500, maxBatches: 2) == 1000)
            #expect(try await tools.purgeExpiredKV(batch: 500, maxBatches: 2) == 350)
            #expect(try await rows() == 1)
            #expect(try await TrustBoundaryTests.tool(client, token, "kv_get", ["key": "live"]).json["result"] == ["found": true, "value": 1])
        }
    }
}
