import Foundation
import HTTPTypes
import HummingbirdTesting
import MarinaCore
import MarinaPlatform
import MarinaTestSupport
import SQLKit
import Testing

@testable import MarinaStore

/// A caller who may not see an app cannot tell it from one that does not exist; an uninstall's
/// retention ends with nothing of the install left; a refused upload leaves nothing on disk.
@Suite struct ExistenceOracleTests {
    /// The answer for an app that exists but may not be seen, and for one that does not exist,
    /// must be the same status and the same body (but for the slug the caller sent).
    static func same(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: (String) -> String, key: String, json: JSONValue? = nil,
        exists: String = "hidden-app", missing: String = "nope-app"
    ) async throws -> TestResponse {
        let a = try await client.call(method, uri(exists), key: key, json: json)
        let b = try await client.call(method, uri(missing), key: key, json: json)
        let bodyA = String(buffer: a.body).replacingOccurrences(of: exists, with: "APP")
        let bodyB = String(buffer: b.body).replacingOccurrences(of: missing, with: "APP")
        #expect(a.status == b.status && bodyA == bodyB, "\(method) \(uri("…")): \(a.status) \(bodyA) vs \(b.status) \(bodyB)")
        return a
    }

    @Test(arguments: TestDatabase.available) func foreignCallersGetOneAnswerForAppsTheyCannotSee(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            for tenant in ["acme", "globex"] { try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": .string(tenant)]) }
            let ada = try await client.createKey(admin: h.adminKey, role: "developer", name: "ada")
            let bob = try await client.createKey(admin: h.adminKey, role: "developer", name: "bob")
            // Published but never deployed: no tenant may see it.
            #expect(
                try await client.publish(try Bundles.pack(manifest: Bundles.manifest(app: "hidden-app")), app: "hidden-app", key: ada).status
                    == .created)
            let acmeAdmin = try await client.createKey(admin: h.adminKey, role: "tenant_admin", tenant: "acme")
            let acmeMember = try await client.createKey(admin: h.adminKey, role: "tenant_member", tenant: "acme")
            let globexAdmin = try await client.createKey(admin: h.adminKey, role: "tenant_admin", tenant: "globex")
            let value: JSONValue = ["value": "v"]

            // Another tenant's admin, on acme's overrides: 404 for the tenant, whatever the app.
            #expect(
                try await Self.same(client, .put, { "/api/v1/tenants/acme/apps/\($0)/secrets/K" }, key: globexAdmin, json: value).status == .notFound)
            #expect(try await Self.same(client, .get, { "/api/v1/tenants/acme/apps/\($0)/secrets" }, key: globexAdmin).status == .notFound)
            // acme's own admin, on an app not released to acme.
            #expect(
                try await Self.same(client, .put, { "/api/v1/tenants/acme/apps/\($0)/secrets/K" }, key: acmeAdmin, json: value).status == .notFound)
            #expect(try await Self.same(client, .get, { "/api/v1/tenants/acme/apps/\($0)/secrets" }, key: acmeMember).status == .notFound)
            // Tenant identities on defaults: told to name their tenant, whatever the app.
            #expect(try await Self.same(client, .put, { "/api/v1/apps/\($0)/secrets/K" }, key: acmeMember, json: value).status == .forbidden)
            #expect(try await Self.same(client, .get, { "/api/v1/apps/\($0)/secrets" }, key: acmeAdmin).status == .forbidden)
            // Another developer.
            #expect(try await Self.same(client, .put, { "/api/v1/apps/\($0)/secrets/K" }, key: bob, json: value).status == .notFound)
            #expect(try await Self.same(client, .get, { "/api/v1/apps/\($0)/versions" }, key: bob).status == .notFound)
            #expect(
                try await Self.same(client, .put, { "/api/v1/apps/\($0)/channels/current" }, key: bob, json: ["version": "1.0.0"]).status == .notFound
            )
            // Installing or upgrading it, with or without naming a version.
            for body: JSONValue in [[:], ["version": "1.0.0"]] {
                #expect(try await Self.same(client, .put, { "/api/v1/tenants/acme/installs/\($0)" }, key: acmeAdmin, json: body).status == .notFound)
                #expect(
                    try await Self.same(client, .post, { "/api/v1/tenants/acme/installs/\($0)/upgrade" }, key: acmeAdmin, json: body).status
                        == .notFound)
            }
            // Its owner and the admin still reach it.
            #expect(try await client.call(.put, "/api/v1/apps/hidden-app/secrets/K", key: ada, json: value).status == .ok)
            #expect(try await client.call(.put, "/api/v1/tenants/acme/apps/hidden-app/secrets/K", key: h.adminKey, json: value).status == .ok)
        }
    }

    /// After an uninstall's retention: the install's settings and events, the app's kv entries
    /// and the tenant's overrides are gone — unless the tenant installed the app again meanwhile.
    @Test(arguments: TestDatabase.available) func theRetentionPurgeRemovesEverythingOfTheInstall(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            for tenant in ["acme", "globex"] { try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": .string(tenant)]) }
            let manifest = Bundles.manifest(app: "notes", extra: "scopes: [kv.read, kv.write]\nsettings: [{id: region, type: string}]")
            #expect(try await client.publish(try Bundles.pack(manifest: manifest), app: "notes", key: h.adminKey).status == .created)
            try await client.call(.put, "/api/v1/apps/notes/channels/current", key: h.adminKey, json: ["version": "1.0.0"])
            for tenant in ["acme", "globex"] {
                #expect(
                    try await client.call(
                        .put, "/api/v1/tenants/\(tenant)/installs/notes", key: h.adminKey, json: ["grant_all": true, "settings": ["region": "eu"]]
                    ).status == .created)
                let token = try await TrustBoundaryTests.appToken(h, tenant: tenant, app: "notes")
                #expect(try await TrustBoundaryTests.tool(client, token, "kv_set", ["key": "k", "value": 1]).json["ok"] == true)
                #expect(
                    try await client.call(.put, "/api/v1/tenants/\(tenant)/apps/notes/secrets/API_KEY", key: h.adminKey, json: ["value": "v"]).status
                        == .ok)
            }
            #expect(try await client.call(.put, "/api/v1/apps/notes/secrets/API_KEY", key: h.adminKey, json: ["value": "default"]).status == .ok)
            struct Count: Decodable { var n: Int }
            func count(_ sql: String) async throws -> Int {
                try await h.services.store.read { db in try await db.raw(SQLQueryString(sql)).first(decoding: Count.self)!.n }
            }
            let installs = h.services.runtime!.installs
            func expire() async throws {
                try await h.services.store.read { db in
                    try await db.raw("UPDATE installs SET purge_after = 1 WHERE state = 'uninstalled' AND purge_after IS NOT NULL").run()
                }
                _ = try await installs.reap(grace: 300)
            }

            // acme uninstalls; its retention passes.
            #expect(try await client.call(.delete, "/api/v1/tenants/acme/installs/notes", key: h.adminKey).status == .ok)
            try await expire()
            let acmeId = "(SELECT id FROM tenants WHERE slug = 'acme')"
            #expect(try await count("SELECT COUNT(*) AS n FROM kv_entries WHERE tenant_id = \(acmeId)") == 0)
            #expect(try await count("SELECT COUNT(*) AS n FROM secrets WHERE tenant_id = \(acmeId)") == 0)
            #expect(try await count("SELECT COUNT(*) AS n FROM installs WHERE tenant_id = \(acmeId) AND settings <> '{}'") == 0)
            // globex's install, and the developer's default, are untouched.
            #expect(try await count("SELECT COUNT(*) AS n FROM kv_entries") == 1)
            #expect(try await count("SELECT COUNT(*) AS n FROM secrets") == 2)
            let purges = try await TrustBoundaryTests.records(client, h.adminKey, "&name=install.purge")
            #expect(purges.count == 1 && purges.first?["tenant"] == "acme" && purges.first?["actor"] == "platform")

            // globex uninstalls, installs again before the retention ends: the data is the new install's.
            #expect(try await client.call(.delete, "/api/v1/tenants/globex/installs/notes", key: h.adminKey).status == .ok)
            #expect(
                try await client.call(.put, "/api/v1/tenants/globex/installs/notes", key: h.adminKey, json: ["grant_all": true]).status == .created)
            try await expire()
            #expect(try await count("SELECT COUNT(*) AS n FROM kv_entries") == 1)
            #expect(try await count("SELECT COUNT(*) AS n FROM secrets") == 2)
        }
    }

    /// The owner is checked before the upload is read, and the bundle is stored only with its
    /// version: a refused upload leaves no file behind.
    @Test(arguments: TestDatabase.available) func aRefusedUploadStoresNothing(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            let ada = try await client.createKey(admin: h.adminKey, role: "developer", name: "ada")
            let bob = try await client.createKey(admin: h.adminKey, role: "developer", name: "bob")
            #expect(try await client.publish(try Bundles.pack(manifest: Bundles.manifest()), app: "hello-app", key: ada).status == .created)
            #expect(h.storedFiles.count == 1)
            let foreign = try await client.publish(try Bundles.pack(manifest: Bundles.manifest(version: "2.0.0")), app: "hello-app", key: bob)
            #expect(foreign.status == .forbidden && foreign.errorCode == "not_app_owner")
            let lower = try await client.publish(
                try Bundles.pack(manifest: Bundles.manifest(), files: ["server.py": "print('other')\n"]), app: "hello-app", key: ada)
            #expect(lower.errorCode == "version_not_increasing")
            #expect(h.storedFiles.count == 1, "\(h.storedFiles)")
        }
    }
}
