import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MarinaCore
import MarinaPlatform
import MarinaRuntime
import MarinaTestSupport
import MarinaVault
import NIOCore
import SQLKit
import Synchronization
import Testing

@testable import MarinaStore

/// The app → platform boundary, the audit log and the vault, through the real router.
@Suite struct TrustBoundaryTests {
    static let databases = TestDatabase.available

    /// Publishes and deploys `app` (declaring `scopes`) and installs it in `tenant` granting `grant`.
    static func installed(
        _ client: any TestClientProtocol, admin: String, tenant: String, app: String, scopes: [String], grant: [String]
    ) async throws {
        let manifest = Bundles.manifest(app: app, extra: "scopes: [\(scopes.joined(separator: ", "))]")
        let published = try await client.publish(try Bundles.pack(manifest: manifest), app: app, key: admin)
        #expect(published.status == .created || published.status == .conflict)
        try await client.call(.put, "/api/v1/apps/\(app)/channels/current", key: admin, json: ["version": "1.0.0"])
        let body: JSONValue = .object(JSONObject([("grant", .array(grant.map(JSONValue.string)))]))
        let response = try await client.call(.put, "/api/v1/tenants/\(tenant)/installs/\(app)", key: admin, json: body)
        #expect(response.status == .created, "\(String(buffer: response.body))")
    }

    /// An app token as the provisioner mints it, with claims the test may spoil.
    static func appToken(_ h: Harness, tenant: String, app: String, change: (inout JSONObject) -> Void = { _ in }) async throws -> String {
        let (install, gen) = try await h.services.store.read { db -> (String, Int64) in
            struct Row: Decodable { var id: String; var tokenGeneration: Int64 }
            let row = try await db.select().column(SQLColumn("id", table: "installs")).column(SQLColumn("token_generation", table: "installs")).from(
                "installs"
            )
            .join("tenants", on: "tenants.id = installs.tenant_id").join("apps", on: "apps.id = installs.app_id")
            .where(SQLColumn("slug", table: "tenants"), .equal, SQLBind(tenant)).where(SQLColumn("slug", table: "apps"), .equal, SQLBind(app))
            .where(SQLColumn("state", table: "installs"), .notEqual, SQLBind("uninstalled"))
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)!
            return (row.id, row.tokenGeneration)
        }
        let now = Date().timeIntervalSince1970.rounded(.down)
        var claims = JSONObject([
            ("iss", "http://127.0.0.1:1"), ("sub", .string(install)), ("aud", "marina"), ("tenant", .string(tenant)), ("app", .string(app)),
            ("version", "1.0.0"), ("scopes", []), ("iat", .number(now)), ("exp", .number(now + 3600)), ("jti", "tok_test"), ("typ", "app"),
            ("gen", .number(Double(gen))),
        ])
        change(&claims)
        return try h.signer.sign(.object(claims))
    }

    static func tool(_ client: any TestClientProtocol, _ token: String, _ tool: String, _ args: JSONValue = [:]) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/mcp/app-tools", method: .post, headers: [.authorization: "Bearer " + token, .contentType: "application/json"],
            body: jsonBody(["tool": .string(tool), "args": args]))
    }

    static func records(_ client: any TestClientProtocol, _ admin: String, _ query: String = "") async throws -> [JSONValue] {
        try await client.call(.get, "/api/v1/audit?limit=1000" + query, key: admin).json["records"]?.arrayValue ?? []
    }

    @Test(arguments: databases) func theScopeGateAllowsOnlyDeclaredAndGrantedScopes(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await Self.installed(
                client, admin: h.adminKey, tenant: "acme", app: "notes", scopes: ["kv.read", "kv.write", "files.read"],
                grant: ["kv.read", "kv.write"])
            try await Self.installed(
                client, admin: h.adminKey, tenant: "acme", app: "other", scopes: ["kv.read", "kv.write"], grant: ["kv.read", "kv.write"])
            let token = try await Self.appToken(h, tenant: "acme", app: "notes")

            let set = try await Self.tool(client, token, "kv_set", ["key": "greeting", "value": ["text": "hi"], "ttl_s": 3600])
            #expect(set.status == .ok)
            #expect(set.json == ["ok": true, "result": ["ok": true]])
            #expect(try await Self.tool(client, token, "kv_get", ["key": "greeting"]).json["result"] == ["found": true, "value": ["text": "hi"]])
            #expect(try await Self.tool(client, token, "kv_list").json["result"]?["keys"] == ["greeting"])

            // Declared but not granted, and granted by nobody because not declared: both denied.
            let notGranted = try await Self.tool(client, token, "files_read", ["path": "a.txt"]).json
            #expect(notGranted["ok"] == false)
            #expect(notGranted["error"]?["decision"] == "scope_denied")
            #expect(notGranted["error"]?["needed_scopes"] == ["files.read"])
            let notDeclared = try await Self.tool(client, token, "mail_send", ["to": ["a@example.com"], "subject": "s", "text": "t"]).json
            #expect(notDeclared["error"]?["decision"] == "scope_denied")
            #expect(notDeclared["error"]?["needed_scopes"] == ["mail.send"])
            #expect(try await Self.tool(client, token, "no_such_tool").json["error"]?["decision"] == "unknown_tool")
            #expect(try await Self.tool(client, token, "kv_set", ["key": "", "value": 1]).json["error"]?["decision"] == "invalid_args")
            #expect(
                try await Self.tool(client, token, "kv_set", ["key": "k", "value": .string(String(repeating: "x", count: 70_000))]).json["error"]?[
                    "decision"] == "invalid_args")

            // Another app in the same tenant does not see this app's keys.
            let other = try await Self.appToken(h, tenant: "acme", app: "other")
            #expect(try await Self.tool(client, other, "kv_get", ["key": "greeting"]).json["result"] == ["found": false, "value": nil])

            // What the app may call is what it holds.
            let listed = try await client.execute(uri: "/api/mcp/app-tools", method: .get, headers: [.authorization: "Bearer " + token]).json
            #expect(Set((listed["tools"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }) == ["kv_get", "kv_set", "kv_delete", "kv_list"])

            let denials = try await Self.records(client, h.adminKey, "&decision=deny:no_scope")
            #expect(Set(denials.compactMap { $0["name"]?.stringValue }) == ["files_read", "mail_send"])
            #expect(denials.allSatisfy { $0["kind"] == "app_call" && $0["tenant"] == "acme" && $0["app"] == "notes" })
            // Four tool calls, and the listing (recorded as `(list)`).
            #expect(
                try await Self.records(client, h.adminKey, "&kind=app_call&decision=allow").compactMap { $0["name"]?.stringValue }.sorted()
                    == ["(list)", "kv_get", "kv_get", "kv_list", "kv_set"])
        }
    }

    @Test(arguments: databases) func badAppTokensAreRefusedAndAudited(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "globex"])
            try await Self.installed(client, admin: h.adminKey, tenant: "acme", app: "notes", scopes: ["kv.read"], grant: ["kv.read"])
            let good = try await Self.appToken(h, tenant: "acme", app: "notes")
            #expect(try await Self.tool(client, good, "kv_list").json["ok"] == true)
            let now = Date().timeIntervalSince1970.rounded(.down)
            var bad: [(String, String)] = [
                (
                    "expired",
                    try await Self.appToken(h, tenant: "acme", app: "notes") {
                        $0["iat"] = .number(now - 7200); $0["exp"] = .number(now - 3600)
                    }
                ),
                (
                    "future",
                    try await Self.appToken(h, tenant: "acme", app: "notes") {
                        $0["iat"] = .number(now + 600); $0["exp"] = .number(now + 900)
                    }
                ),
                ("too long", try await Self.appToken(h, tenant: "acme", app: "notes") { $0["exp"] = .number(now + 200_000) }),
                ("wrong audience", try await Self.appToken(h, tenant: "acme", app: "notes") { $0["aud"] = "ins_other" }),
                ("invocation token", try await Self.appToken(h, tenant: "acme", app: "notes") { $0["typ"] = "invocation" }),
                ("foreign tenant", try await Self.appToken(h, tenant: "acme", app: "notes") { $0["tenant"] = "globex" }),
                ("old generation", try await Self.appToken(h, tenant: "acme", app: "notes") { $0["gen"] = -1 }),
            ]
            let parts = good.split(separator: ".").map(String.init)
            bad.append(
                (
                    "tampered",
                    parts[0] + "."
                        + Base64URL.encode(
                            Array(
                                String(decoding: Base64URL.decode(parts[1])!, as: UTF8.self)
                                    .replacingOccurrences(of: "kv.read", with: "kv.write").replacingOccurrences(of: "\"gen\"", with: "\"gen2\"").utf8)
                        ) + "." + parts[2]
                ))
            bad.append(("unknown key", Base64URL.encode(Array(#"{"alg":"EdDSA","kid":"nope","typ":"JWT"}"#.utf8)) + "." + parts[1] + "." + parts[2]))
            bad.append(("alg none", Base64URL.encode(Array(#"{"alg":"none","kid":"x"}"#.utf8)) + "." + parts[1] + "."))
            bad.append(("garbage", "not-a-token"))
            for (name, token) in bad {
                let response = try await Self.tool(client, token, "kv_list")
                #expect(response.status == .unauthorized, "\(name)")
                #expect(response.errorCode == "invalid_token", "\(name)")
            }
            // Each refusal is recorded: the first of each source and reason at once, the others
            // of the window as a count (`repeated`) once it is written.
            await h.services.gateway!.refusals.flush(all: true)
            let refused = try await Self.records(client, h.adminKey, "&decision=deny:invalid_token")
            let counted = refused.map { record -> Int in
                let summary = (try? JSONParser.parse(Array((record["summary"]?.stringValue ?? "").utf8))) ?? .null
                return summary["repeated"]?.numberValue.map { Int($0) } ?? 1
            }
            #expect(counted.reduce(0, +) == bad.count, "\(refused)")

            // Uninstalling revokes the install's tokens at once.
            try await client.call(.delete, "/api/v1/tenants/acme/installs/notes", key: h.adminKey)
            #expect(try await Self.tool(client, good, "kv_list").status == .unauthorized)
        }
    }

    @Test func callsBeyondTheRateLimitAreRefused() async throws {
        let h = try await Harness.make(.sqlite, limits: .init(perInstall: (3, 0.001), perTenant: (100, 100)))
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await Self.installed(client, admin: h.adminKey, tenant: "acme", app: "notes", scopes: ["kv.read"], grant: ["kv.read"])
            let token = try await Self.appToken(h, tenant: "acme", app: "notes")
            let decisions = try await (0..<5).asyncMap { _ in
                try await Self.tool(client, token, "kv_list").json["error"]?["decision"]?.stringValue ?? "ok"
            }
            #expect(decisions == ["ok", "ok", "ok", "rate_limited", "rate_limited"])
            // The first refusal of the window is recorded at once, the second counted.
            #expect(try await Self.records(client, h.adminKey, "&decision=deny:rate_limited").count == 1)
            await h.services.gateway!.refusals.flush(all: true)
            #expect(try await Self.records(client, h.adminKey, "&decision=deny:rate_limited").count == 2)
        }
    }

    @Test(arguments: databases) func theAuditChainVerifiesAndNamesAHandEditedRecord(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "globex"])
            try await Self.installed(client, admin: h.adminKey, tenant: "acme", app: "notes", scopes: ["kv.read"], grant: ["kv.read"])
            let names = try await Self.records(client, h.adminKey).compactMap { $0["name"]?.stringValue }
            #expect(names == ["install", "deploy", "publish", "tenant.create", "tenant.create"])
            #expect(try await client.call(.get, "/api/v1/audit/verify", key: h.adminKey).json["ok"] == true)

            // A tenant sees its own records only; another tenant's admin gets 404.
            let globex = try await client.createKey(admin: h.adminKey, role: "tenant_admin", tenant: "globex")
            #expect(try await client.call(.get, "/api/v1/tenants/acme/audit", key: globex).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/audit", key: globex).status == .forbidden)
            let acme = try await client.call(.get, "/api/v1/tenants/acme/audit", key: h.adminKey).json["records"]?.arrayValue ?? []
            #expect(acme.allSatisfy { $0["tenant"] == "acme" } && acme.count == 2)
            // Pages follow the cursor, newest first.
            let first = try await client.call(.get, "/api/v1/audit?limit=2", key: h.adminKey).json
            let next = try await client.call(.get, "/api/v1/audit?limit=2&cursor=\(first["next_cursor"]?.stringValue ?? "")", key: h.adminKey).json
            // (six records now: the tenant admin's key creation is one)
            #expect(next["records"]?.arrayValue?.map { $0["seq"] } == [.number(4), .number(3)])

            // Hand-edit record 3 (bypassing the append-only trigger, as an intruder with the
            // database would) and verify names it.
            try await h.services.store.read { db in
                if kind == .sqlite {
                    try await db.raw("DROP TRIGGER audit_records_no_update").run()
                } else {
                    try await db.raw("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only").run()
                }
                try await db.raw("UPDATE audit_records SET actor = 'someone-else' WHERE seq = 3").run()
            }
            let verdict = try await client.call(.get, "/api/v1/audit/verify", key: h.adminKey).json
            #expect(verdict["ok"] == false)
            #expect(verdict["broken_at"] == .number(3))
            // The export holds every record, oldest first, as NDJSON.
            let export = try await client.call(.get, "/api/v1/audit/export", key: h.adminKey)
            let lines = String(buffer: export.body).split(separator: "\n")
            #expect(lines.count == 6)
            #expect(lines.first?.contains("\"seq\":1") == true)
        }
    }

    /// Group-committed records (on SQLite through the store's direct connection) and
    /// administrative records (written inside the change's own transaction on a pooled connection)
    /// interleave into one unbroken chain.
    @Test(arguments: databases) func groupCommitsAndAdministrativeRecordsShareOneChain(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<300 {
                    group.addTask { try await h.audit.record(AuditEntry(at: 1_700_000_000_000, actor: "test", kind: .toolCall, name: "tool\(i)")) }
                }
                for i in 0..<15 {
                    group.addTask {
                        let status = try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": .string("tenant-\(i)")]).status
                        #expect(status == .created)
                    }
                }
                try await group.waitForAll()
            }
            let all = try await h.services.store.read { db in try await AuditRepository().records(AuditFilter(), limit: 1000, ascending: true, in: db)
            }
            #expect(all.map(\.seq) == Array(1...315))
            #expect(all.filter { $0.name == "tenant.create" }.count == 15)
            #expect(try await client.call(.get, "/api/v1/audit/verify", key: h.adminKey).json["ok"] == true)
        }
    }

    @Test(arguments: databases) func secretsAreWriteOnlyResolvedInOrderAndBoundToTheirRow(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        let defaultValue = "dflt-Pl41ntext-\(UUID().uuidString)", overrideValue = "ovrd-Pl41ntext-\(UUID().uuidString)"
        try await h.test { client in
            var bodies: [String] = []
            func record(_ r: TestResponse) -> TestResponse { bodies.append(String(buffer: r.body)); return r }
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await Self.installed(client, admin: h.adminKey, tenant: "acme", app: "notes", scopes: ["kv.read"], grant: ["kv.read"])
            let token = try await Self.appToken(h, tenant: "acme", app: "notes")
            func read(_ key: String) async throws -> TestResponse {
                record(
                    try await client.execute(
                        uri: "/api/mcp/app-secrets", method: .post, headers: [.authorization: "Bearer " + token],
                        body: jsonBody(["key": .string(key)])))
            }
            #expect(try await read("API_KEY").json == ["ok": true, "value": nil])
            #expect(
                record(
                    try await client.call(
                        .put, "/api/v1/apps/notes/secrets/API_KEY", key: h.adminKey, json: ["value": .string(defaultValue), "description": "the key"])
                ).status == .ok)
            #expect(try await read("API_KEY").json["value"] == .string(defaultValue))
            #expect(
                record(
                    try await client.call(
                        .put, "/api/v1/tenants/acme/apps/notes/secrets/API_KEY", key: h.adminKey, json: ["value": .string(overrideValue)])
                ).status == .ok)
            #expect(try await read("API_KEY").json["value"] == .string(overrideValue))
            let listed = record(try await client.call(.get, "/api/v1/tenants/acme/apps/notes/secrets", key: h.adminKey)).json
            #expect((listed.arrayValue ?? []).map { $0["level"]?.stringValue ?? "" } == ["default", "tenant"])

            // Bad input.
            #expect(
                record(try await client.call(.put, "/api/v1/apps/notes/secrets/api_key", key: h.adminKey, json: ["value": "x"])).errorCode
                    == "invalid_secret_key")
            #expect(
                record(
                    try await client.call(
                        .put, "/api/v1/apps/notes/secrets/BIG", key: h.adminKey, json: ["value": .string(String(repeating: "x", count: 65_537))])
                ).status == .contentTooLarge)
            #expect(
                record(
                    try await client.call(.put, "/api/v1/apps/notes/secrets/DESC", key: h.adminKey, json: ["value": "x", "description": "a\u{07}b"])
                ).errorCode == "invalid_description")
            #expect(try await read("bad-key").status == .badRequest)

            // Rotations keep every value readable.
            #expect(
                record(try await client.call(.post, "/api/v1/keys/rotate", key: h.adminKey, json: ["target": "tenant", "tenant": "acme"])).json[
                    "reencrypted"] == 1)
            #expect(record(try await client.call(.post, "/api/v1/keys/rotate", key: h.adminKey, json: ["target": "master"])).status == .ok)
            #expect(try await read("API_KEY").json["value"] == .string(overrideValue))

            // A ciphertext copied onto another row does not decrypt: the read fails, audited.
            try await h.services.store.read { db in
                struct Row: Decodable { var nonce: String; var ciphertext: String; var dataKeyId: String }
                let o = try await db.select().columns("nonce", "ciphertext", "data_key_id").from("secrets").where(
                    "tenant_id", .isNot, SQLLiteral.null
                )
                .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)!
                try await db.update("secrets").set("nonce", to: o.nonce).set("ciphertext", to: o.ciphertext).set("data_key_id", to: o.dataKeyId)
                    .where("tenant_id", .is, SQLLiteral.null).run()
            }
            try await client.call(.delete, "/api/v1/tenants/acme/apps/notes/secrets/API_KEY", key: h.adminKey)
            let moved = try await read("API_KEY")
            #expect(moved.status == .internalServerError)
            #expect(moved.errorCode == "secret_unreadable")
            #expect(try await Self.records(client, h.adminKey, "&kind=secret_read&status=decrypt_failed").count == 1)

            // Every read is audited by name, never by value; no response and no row holds a value.
            // (Five reads, and the refused one of a malformed key.)
            let reads = try await Self.records(client, h.adminKey, "&kind=secret_read")
            #expect(reads.count == 6 && reads.filter { $0["decision"] == "deny:invalid_secret_key" }.count == 1)
            let export = String(buffer: try await client.call(.get, "/api/v1/audit/export", key: h.adminKey).body)
            let rows = try await h.services.store.read { db in
                struct Secret: Decodable { var key_name: String; var description: String; var nonce: String; var ciphertext: String }
                struct Audit: Decodable { var name: String; var summary: String; var status: String; var actor: String }
                let secrets = try await db.raw("SELECT key_name, description, nonce, ciphertext FROM secrets").all(decoding: Secret.self)
                    .map { [$0.key_name, $0.description, $0.nonce, $0.ciphertext].joined(separator: " ") }
                let audit = try await db.raw("SELECT name, summary, status, actor FROM audit_records").all(decoding: Audit.self)
                    .map { [$0.name, $0.summary, $0.status, $0.actor].joined(separator: " ") }
                #expect(!secrets.isEmpty && !audit.isEmpty)
                return secrets + audit
            }
            for value in [defaultValue, overrideValue] {
                let forms = [value, Data(value.utf8).base64EncodedString(), Hex.string(Array(value.utf8))]
                for form in forms {
                    #expect(!export.contains(form))
                    #expect(!rows.contains { $0.contains(form) })
                    let leaked = bodies.contains { $0.contains(form) && !Self.isAppRead($0) }
                    #expect(!leaked)
                }
            }
        }
    }

    /// Bodies of the app's own secret reads are the one place a value may appear.
    static func isAppRead(_ body: String) -> Bool { body.hasPrefix("{\"ok\":true,\"value\":") }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}

@Suite struct VaultRotationTests {
    @Test(arguments: TestDatabase.available) func setsDuringATenantRotationAllStayReadable(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await TrustBoundaryTests.installed(client, admin: h.adminKey, tenant: "acme", app: "notes", scopes: ["kv.read"], grant: ["kv.read"])
            for i in 0..<30 {
                try await client.call(.put, "/api/v1/tenants/acme/apps/notes/secrets/K\(i)", key: h.adminKey, json: ["value": .string("first-\(i)")])
            }
            // Rotate while thirty more writes land.
            async let rotation = client.call(.post, "/api/v1/keys/rotate", key: h.adminKey, json: ["target": "tenant", "tenant": "acme"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<30 {
                    group.addTask {
                        try await client.call(
                            .put, "/api/v1/tenants/acme/apps/notes/secrets/K\(i)", key: h.adminKey, json: ["value": .string("second-\(i)")])
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await rotation.status == .ok)
            let token = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "notes")
            for i in 0..<30 {
                let read = try await client.execute(
                    uri: "/api/mcp/app-secrets", method: .post, headers: [.authorization: "Bearer " + token],
                    body: jsonBody(["key": .string("K\(i)")]))
                #expect(read.json["value"] == .string("second-\(i)"))
            }
            // A second rotation leaves one data key for the tenant (plus none for defaults).
            #expect(
                try await client.call(.post, "/api/v1/keys/rotate", key: h.adminKey, json: ["target": "tenant", "tenant": "acme"]).json["reencrypted"]
                    == 30)
            struct Count: Decodable { var n: Int }
            let keys = try await h.services.store.read { db in try await db.raw("SELECT COUNT(*) AS n FROM data_keys").first(decoding: Count.self)?.n
            }
            #expect(keys == 1)
        }
    }
}

@Suite struct SecretSettingTests {
    @Test(arguments: TestDatabase.available) func secretSettingsBecomeTheTenantsOverridesNeverSettings(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        let value = "setting-\(UUID().uuidString)"
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            let manifest = Bundles.manifest(
                app: "crm", extra: "scopes: [kv.read]\nsettings: [{id: api_token, type: secret, required: true}, {id: region, type: string}]")
            #expect(try await client.publish(try Bundles.pack(manifest: manifest), app: "crm", key: h.adminKey).status == .created)
            try await client.call(.put, "/api/v1/apps/crm/channels/current", key: h.adminKey, json: ["version": "1.0.0"])
            let installed = try await client.call(
                .put, "/api/v1/tenants/acme/installs/crm", key: h.adminKey,
                json: ["grant": ["kv.read"], "settings": ["api_token": .string(value), "region": "eu"]])
            #expect(installed.status == .created)
            #expect(!String(buffer: installed.body).contains(value))
            let shown = String(buffer: try await client.call(.get, "/api/v1/tenants/acme/installs/crm", key: h.adminKey).body)
            #expect(shown.contains("eu") && !shown.contains(value))
            let listed = try await client.call(.get, "/api/v1/tenants/acme/apps/crm/secrets", key: h.adminKey).json
            #expect(listed.arrayValue?.map { $0["key"] } == ["API_TOKEN"] && listed.arrayValue?.first?["level"] == "tenant")
            let token = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "crm")
            let read = try await client.execute(
                uri: "/api/mcp/app-secrets", method: .post, headers: [.authorization: "Bearer " + token], body: jsonBody(["key": "API_TOKEN"]))
            #expect(read.json["value"] == .string(value))
            let audit = String(buffer: try await client.call(.get, "/api/v1/audit/export", key: h.adminKey).body)
            #expect(!audit.contains(value) && audit.contains("secret.set"))
        }
    }
}

extension TrustBoundaryTests {
    @Test(arguments: databases) func theInstallEventCarriesPlainSettingsButNeverSecretOnes(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            let manifest = Bundles.manifest(
                app: "crm",
                extra: """
                    events: [install]
                    settings: [{id: api_token, type: secret}, {id: region, type: string}, {id: seats, type: number, default: 5}]
                    """)
            #expect(try await client.publish(try Bundles.pack(manifest: manifest), app: "crm", key: h.adminKey).status == .created)
            try await client.call(.put, "/api/v1/apps/crm/channels/current", key: h.adminKey, json: ["version": "1.0.0"])
            let installed = try await client.call(
                .put, "/api/v1/tenants/acme/installs/crm", key: h.adminKey,
                json: ["settings": ["api_token": "tok-do-not-leak", "region": "eu"]])
            #expect(installed.status.code < 300, "\(String(buffer: installed.body))")
            struct Row: Decodable { var type: String; var payload: String }
            let rows = try await h.services.store.read { db in try await db.raw("SELECT type, payload FROM event_deliveries").all(decoding: Row.self)
            }
            #expect(rows.map(\.type) == ["install"])
            let payload = try JSONParser.parse(Array((rows.first?.payload ?? "").utf8))
            #expect(payload["settings"] == ["region": "eu", "seats": 5])
            #expect(payload["granted_scopes"] == [])
            #expect(rows.first?.payload.contains("tok-do-not-leak") == false)
        }
    }
}

@Suite struct HTTPFetchTests {
    @Test func httpFetchReachesOnlyTheAllowList() async throws {
        let h = try await Harness.make(.sqlite)
        defer { Task { await h.drop() } }
        // An origin that answers with the request line it got.
        let origin = LoopbackHTTPServer { request in
            ("201 Created", "application/json", "{\"got\":\"\(request.components(separatedBy: "\r\n").first ?? "")\"}")
        }
        defer { origin.stop() }
        let port = origin.port
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            let manifest = Bundles.manifest(app: "fetcher", extra: "scopes: [http.fetch]\nnetwork: {egress_hosts: [api.example.test]}")
            #expect(try await client.publish(try Bundles.pack(manifest: manifest), app: "fetcher", key: h.adminKey).status == .created)
            try await client.call(.put, "/api/v1/apps/fetcher/channels/current", key: h.adminKey, json: ["version": "1.0.0"])
            #expect(
                try await client.call(.put, "/api/v1/tenants/acme/installs/fetcher", key: h.adminKey, json: ["grant_all": true]).status == .created)
            let token = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "fetcher")
            let ok = try await TrustBoundaryTests.tool(
                client, token, "http_fetch", ["url": .string("http://api.example.test:\(port)/v1/items?q=1"), "method": "POST", "body": "{}"]
            ).json
            #expect(ok["result"]?["status"] == 201, "\(ok)")
            #expect(ok["result"]?["body"] == "{\"got\":\"POST /v1/items?q=1 HTTP/1.1\"}")
            // The Host header names the port when it is not 80, as origins with virtual hosts expect.
            #expect(origin.requests.first?.contains("\r\nHost: api.example.test:\(port)\r\n") == true, "\(origin.requests)")
            for url in ["http://other.example.test:\(port)/", "http://127.0.0.1:\(port)/", "https://api.example.test/"] {
                let refused = try await TrustBoundaryTests.tool(client, token, "http_fetch", ["url": .string(url)]).json
                #expect(refused["ok"] == false && refused["error"]?["decision"] == "invalid_args", "\(url): \(refused)")
            }
            #expect(
                try await TrustBoundaryTests.tool(
                    client, token, "http_fetch", ["url": "http://api.example.test/", "headers": ["X-Evil": "a\r\nHost: b"]]
                ).json["error"]?["decision"] == "invalid_args")
        }
    }
}

@Suite struct OperatorToolTests {
    @Test func theFileIsCheckedAndToolsAreCalledWithASignedRequest() async throws {
        let bad = OperatorToolsFile.load(
            Array(
                """
                tools:
                  - {name: kv_get, scope: kv.read, endpoint: "https://x.test/a"}
                  - {name: crm_lookup, scope: crm.nope, endpoint: "ftp://x.test/a"}
                """.utf8), fileName: "tools.yaml", catalog: .default, reserved: PlatformTools.builtIn)
        guard case .failure(let problems) = bad else { Issue.record("a bad file was accepted"); return }
        #expect(Set(problems.problems.map(\.path)) == ["/tools/0/name", "/tools/1/scope", "/tools/1/endpoint"])

        // An endpoint of the "host SaaS".
        let endpoint = LoopbackHTTPServer { _ in ("200 OK", "application/json", #"{"customer":{"name":"Ada"}}"#) }
        defer { endpoint.stop() }
        let port = endpoint.port
        let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
        guard
            case .success(let tools) = OperatorToolsFile.load(
                Array(
                    """
                    tools:
                      - name: crm_lookup
                        scope: calendar.read
                        description: Look a customer up
                        input_schema: {type: object, properties: {email: {type: string}}, required: [email], additionalProperties: false}
                        endpoint: "http://127.0.0.1:\(port)/marina/crm_lookup"
                    """.utf8), fileName: "tools.yaml", catalog: .default, reserved: PlatformTools.builtIn)
        else { Issue.record("the file was refused"); return }
        let h = try await Harness.make(.sqlite, operatorTools: OperatorTools(tools: tools, key: key))
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await TrustBoundaryTests.installed(
                client, admin: h.adminKey, tenant: "acme", app: "crm-app", scopes: ["calendar.read"], grant: ["calendar.read"])
            let token = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "crm-app")
            #expect(try await TrustBoundaryTests.tool(client, token, "crm_lookup", ["email": 3]).json["error"]?["decision"] == "invalid_args")
            let answer = try await TrustBoundaryTests.tool(client, token, "crm_lookup", ["email": "ada@example.com"]).json
            #expect(answer["result"] == ["customer": ["name": "Ada"]], "\(answer)")
        }
        // One request reached the endpoint (the invalid one never left), naming tenant and app, and
        // its signature verifies with the shared key.
        let requests = endpoint.requests
        #expect(requests.count == 1)
        let raw = try #require(requests.first)
        let parts = raw.components(separatedBy: "\r\n\r\n")
        let headers = parts[0].lowercased()
        let body = parts.dropFirst().joined(separator: "\r\n\r\n")
        #expect(body.contains(#""tenant":"acme""#) && body.contains(#""app":"crm-app""#) && body.contains("ada@example.com"))
        let timestamp = try #require(
            headers.components(separatedBy: "\r\n").first { $0.hasPrefix("x-marina-timestamp:") }?.dropFirst(19).trimmingCharacters(in: .whitespaces))
        let signature = try #require(
            headers.components(separatedBy: "\r\n").first { $0.hasPrefix("x-marina-signature:") }?.dropFirst(19).trimmingCharacters(in: .whitespaces))
        #expect(signature == OperatorTools.signature(key: SymmetricKey(data: key), timestamp: timestamp, body: Array(body.utf8)))
    }
}

@Suite struct AuditFailureTests {
    @Test(arguments: TestDatabase.available) func aCallWhoseRecordCannotBeWrittenIsRefused(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await TrustBoundaryTests.installed(
                client, admin: h.adminKey, tenant: "acme", app: "notes", scopes: ["kv.read", "kv.write"], grant: ["kv.read", "kv.write"])
            let token = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "notes")
            #expect(try await TrustBoundaryTests.tool(client, token, "kv_list").json["ok"] == true)
            // The audit table goes away (a full disk, a broken database): calls are refused, and
            // administrative changes do not happen either.
            try await h.services.store.read { db in try await db.raw("ALTER TABLE audit_records RENAME TO audit_records_away").run() }
            let refused = try await TrustBoundaryTests.tool(client, token, "kv_get", ["key": "k"])
            #expect(refused.status == .internalServerError && refused.errorCode == "platform_error")
            #expect(!String(buffer: refused.body).contains("found"))
            #expect(try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "globex"]).status == .internalServerError)
            try await h.services.store.read { db in try await db.raw("ALTER TABLE audit_records_away RENAME TO audit_records").run() }
            #expect(try await client.call(.get, "/api/v1/tenants/globex", key: h.adminKey).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/audit/verify", key: h.adminKey).json["ok"] == true)
        }
    }
}

@Suite struct PlatformToolTests {
    @Test(arguments: TestDatabase.available) func filesKvAndMailStayInsideTheirTenant(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        let scopes = ["files.read", "files.write", "kv.read", "kv.write", "mail.send"]
        try await h.test { client in
            for tenant in ["acme", "globex"] {
                try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": .string(tenant)])
            }
            try await TrustBoundaryTests.installed(client, admin: h.adminKey, tenant: "acme", app: "docs", scopes: scopes, grant: scopes)
            try await TrustBoundaryTests.installed(client, admin: h.adminKey, tenant: "globex", app: "docs", scopes: scopes, grant: scopes)
            let acme = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "docs")
            let globex = try await TrustBoundaryTests.appToken(h, tenant: "globex", app: "docs")
            func call(_ token: String, _ tool: String, _ args: JSONValue) async throws -> JSONValue {
                try await TrustBoundaryTests.tool(client, token, tool, args).json
            }

            let content = Data("invoice 42".utf8).base64EncodedString()
            #expect(try await call(acme, "files_write", ["path": "in/42.txt", "content_base64": .string(content)])["result"] == ["size": 10])
            #expect(try await call(acme, "files_read", ["path": "in/42.txt"])["result"]?["content_base64"] == .string(content))
            #expect(try await call(acme, "files_list", ["prefix": "in/"])["result"]?["files"]?.arrayValue?.map { $0["path"] } == ["in/42.txt"])
            for escape in ["../other/x", "in/../../x", "/etc/passwd", "in//x", "./x"] {
                #expect(
                    try await call(acme, "files_write", ["path": .string(escape), "content_base64": "eA=="])["error"]?["decision"] == "invalid_args",
                    "\(escape)")
            }
            // Another tenant sees none of it.
            #expect(try await call(globex, "files_list", [:])["result"]?["files"] == [])
            #expect(try await call(globex, "files_read", ["path": "in/42.txt"])["error"]?["decision"] == "invalid_args")

            #expect(try await call(acme, "kv_set", ["key": "k", "value": true])["ok"] == true)
            #expect(try await call(acme, "kv_delete", ["key": "k"])["result"] == ["deleted": true])
            #expect(try await call(acme, "kv_delete", ["key": "k"])["result"] == ["deleted": false])

            let queued = try await call(acme, "mail_send", ["to": ["ap@acme.example"], "subject": "Invoice 42", "text": "Triaged."])
            #expect(queued["result"]?["queued"] == true && queued["result"]?["id"]?.stringValue?.hasPrefix("mail_") == true)
            #expect(
                try await call(acme, "mail_send", ["to": ["ap@acme.example\r\nBcc: x@evil.example"], "subject": "s", "text": "t"])["error"]?[
                    "decision"] == "invalid_args")
            #expect(
                try await call(acme, "mail_send", ["to": ["ap@acme.example"], "subject": "s\r\nBcc: x@evil.example", "text": "t"])["error"]?[
                    "decision"] == "invalid_args")
            struct Count: Decodable { var n: Int }
            let outbox = try await h.services.store.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM mail_outbox").first(decoding: Count.self)?.n
            }
            #expect(outbox == 1)
        }
    }
}
