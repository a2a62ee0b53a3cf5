import Foundation
import HTTPTypes
import HummingbirdTesting
import MarinaCore
import MarinaTestSupport
import NIOCore
import Testing

@Suite struct AccessAPITests {
    static var databases: [TestDatabase] { TestDatabase.available }

    @Test(arguments: databases) func requestsWithoutAValidKeyAreRefused(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            let none = try await client.call(.get, "/api/v1/apps", key: nil)
            #expect(none.status == .unauthorized && none.errorCode == "unauthorized")
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            #expect(try await client.call(.get, "/api/v1/apps", key: "mk_" + String(repeating: "A", count: 43)).errorCode == "invalid_api_key")
            #expect(try await client.call(.get, "/api/v1/apps", key: "not-a-key").errorCode == "invalid_api_key")
            let viaHeader = try await client.execute(uri: "/api/v1/whoami", method: .get, headers: [HTTPField.Name("X-API-Key")!: h.adminKey])
            #expect(viaHeader.json["role"] == "admin")
            // The scheme in any case, spaces and tabs around the key; another scheme is no key.
            for header in ["bearer \(h.adminKey)", "BEARER  \(h.adminKey) \t", "Bearer \t\(h.adminKey)"] {
                let spelled = try await client.execute(uri: "/api/v1/whoami", method: .get, headers: [.authorization: header])
                #expect(spelled.json["role"] == "admin", "\(header)")
            }
            for header in ["Basic \(h.adminKey)", "Bearer", "Bearer ", "Bearer\(h.adminKey)"] {
                let refused = try await client.execute(uri: "/api/v1/whoami", method: .get, headers: [.authorization: header])
                #expect(refused.status == .unauthorized, "\(header)")
            }
        }
    }

    @Test(arguments: databases) func keysAreShownOnceListedWithoutSecretsAndRevocable(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            let created = try await client.call(.post, "/api/v1/keys", key: h.adminKey, json: ["role": "developer", "name": "ada"])
            #expect(created.status == .created)
            let key = try #require(created.json["key"]?.stringValue)
            #expect(key.hasPrefix("mk_") && key.count == 46)
            let id = try #require(created.json["details"]?["id"]?.stringValue)
            #expect(try await client.call(.get, "/api/v1/whoami", key: key).json["name"] == "ada")
            let listed = try await client.call(.get, "/api/v1/keys", key: h.adminKey)
            let text = String(buffer: listed.body)
            #expect(!text.contains(key) && !text.contains(String(key.dropFirst(9))))
            let row = try #require(listed.json.arrayValue?.first { $0["id"]?.stringValue == id })
            #expect(row["hint"]?.stringValue == String(key.prefix(9)))
            #expect(row["last_used_at"]?.stringValue != nil)
            #expect(try await client.call(.delete, "/api/v1/keys/\(id)", key: h.adminKey).json["revoked_at"]?.stringValue != nil)
            #expect(try await client.call(.get, "/api/v1/whoami", key: key).errorCode == "key_revoked")
        }
    }

    @Test(arguments: databases) func tenantsAreIsolated(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            #expect(try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme", "name": "Acme"]).status == .created)
            #expect(try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "globex"]).status == .created)
            #expect(try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"]).errorCode == "tenant_exists")
            #expect(try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "Bad Name"]).errorCode == "invalid_tenant")
            let acmeAdmin = try await client.createKey(admin: h.adminKey, role: "tenant_admin", tenant: "acme")
            let globexMember = try await client.createKey(admin: h.adminKey, role: "tenant_member", tenant: "globex")

            #expect(try await client.call(.get, "/api/v1/tenants", key: acmeAdmin).json.arrayValue?.map { $0["slug"] } == ["acme"])
            #expect(try await client.call(.get, "/api/v1/tenants/acme", key: acmeAdmin).status == .ok)
            let foreign = try await client.call(.get, "/api/v1/tenants/globex", key: acmeAdmin)
            let missing = try await client.call(.get, "/api/v1/tenants/nowhere", key: acmeAdmin)
            #expect(foreign.status == .notFound && missing.status == .notFound)
            #expect(foreign.json["error"]?["code"] == missing.json["error"]?["code"])
            #expect(try await client.call(.post, "/api/v1/tenants", key: acmeAdmin, json: ["slug": "mine"]).status == .forbidden)

            // A tenant admin makes keys for its own tenant only, and sees only its tenant's keys.
            #expect(
                try await client.call(.post, "/api/v1/keys", key: acmeAdmin, json: ["role": "tenant_member", "tenant": "acme"]).status == .created)
            #expect(
                try await client.call(.post, "/api/v1/keys", key: acmeAdmin, json: ["role": "tenant_member", "tenant": "globex"]).status == .notFound)
            #expect(try await client.call(.post, "/api/v1/keys", key: acmeAdmin, json: ["role": "developer"]).status == .forbidden)
            let keys = try await client.call(.get, "/api/v1/keys", key: acmeAdmin).json.arrayValue ?? []
            #expect(keys.count == 2 && keys.allSatisfy { $0["identity"]?["tenant"] == "acme" })
            let globexKeyId = try #require(try await client.call(.get, "/api/v1/keys", key: globexMember).json.arrayValue?.first?["id"]?.stringValue)
            #expect(try await client.call(.delete, "/api/v1/keys/\(globexKeyId)", key: acmeAdmin).status == .notFound)
            #expect(
                try await client.call(.post, "/api/v1/keys", key: globexMember, json: ["role": "tenant_member", "tenant": "globex"]).status
                    == .forbidden)
        }
    }

    @Test func probesAndUnknownRoutes() async throws {
        let h = try await Harness.make(.sqlite)
        defer { Task { await h.drop() } }
        try await h.test { client in
            #expect(try await client.call(.get, "/healthz", key: nil).json == ["status": "ok"])
            #expect(try await client.call(.get, "/readyz", key: nil).json == ["status": "ready"])
            // Metrics need the platform admin's key (MetricsAccessTests).
            #expect(try await client.call(.get, "/metrics", key: nil).status == .unauthorized)
            #expect(try await client.call(.get, "/metrics", key: h.adminKey).status == .ok)
            let unknown = try await client.call(.get, "/api/v1/no-such-thing", key: h.adminKey)
            #expect(unknown.status == .notFound && unknown.errorCode == "not_found")
            let badJSON = try await client.execute(
                uri: "/api/v1/tenants", method: .post, headers: auth(h.adminKey, [.contentType: "application/json"]),
                body: ByteBuffer(string: "{nope"))
            #expect(badJSON.status == .badRequest && badJSON.errorCode != nil)
        }
    }
}
