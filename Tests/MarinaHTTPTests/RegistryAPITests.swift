import Foundation
import HTTPTypes
import HummingbirdTesting
import MarinaCore
import MarinaTestSupport
import NIOCore
import Testing

@Suite struct RegistryAPITests {
    static var databases: [TestDatabase] { TestDatabase.available }

    @Test(arguments: databases) func publishListShowAndDownload(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            let dev = try await client.createKey(admin: h.adminKey, role: "developer", name: "ada")
            let manifest = Bundles.manifest()
            let bundle = try Bundles.pack(manifest: manifest)
            let r = try await client.publish(bundle, app: "hello-app", key: dev, manifestHash: Bundles.hash(of: manifest))
            #expect(r.status == .created, "\(r.json)")
            #expect(r.json["version"] == "1.0.0")
            #expect(r.json["manifest_hash"]?.stringValue == Bundles.hash(of: manifest))
            #expect(r.json["bundle_hash"]?.stringValue == "sha256:" + CanonicalJSON.hexSHA256(bundle))
            #expect(r.json["bundle_size"]?.intValue == bundle.count)
            #expect(r.json["publisher"] == "ada")

            let v2 = try await client.publish(try Bundles.pack(manifest: Bundles.manifest(version: "1.1.0-beta.1")), app: "hello-app", key: dev)
            #expect(v2.status == .created)
            let listed = try await client.call(.get, "/api/v1/apps/hello-app/versions", key: dev)
            #expect(listed.json.arrayValue?.map { $0["version"]?.stringValue } == ["1.1.0-beta.1", "1.0.0"])

            let detail = try await client.call(.get, "/api/v1/apps/hello-app/versions/1.0.0", key: dev)
            #expect(detail.json["manifest"]?["app"]?["id"] == "hello-app")
            #expect(detail.json["manifest"]?["runtime"]?["port"] == 8080)

            let download = try await client.execute(uri: "/api/v1/apps/hello-app/versions/1.0.0/bundle", method: .get, headers: auth(dev))
            #expect(download.status == .ok)
            #expect(Array(download.body.readableBytesView) == bundle)

            let apps = try await client.call(.get, "/api/v1/apps", key: dev)
            #expect(apps.json.arrayValue?.first?["latest_version"] == "1.1.0-beta.1")
        }
    }

    @Test(arguments: databases) func versionsStrictlyIncrease(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            #expect(
                try await client.publish(try Bundles.pack(manifest: Bundles.manifest(version: "2.0.0")), app: "hello-app", key: h.adminKey).status
                    == .created)
            for version in ["2.0.0", "1.9.9", "2.0.0-rc.1", "2.0.0+build.7"] {
                let r = try await client.publish(try Bundles.pack(manifest: Bundles.manifest(version: version)), app: "hello-app", key: h.adminKey)
                #expect(r.status == .conflict, "\(version)")
                #expect(r.errorCode == "version_not_increasing")
            }
            #expect(
                try await client.publish(try Bundles.pack(manifest: Bundles.manifest(version: "2.0.1")), app: "hello-app", key: h.adminKey).status
                    == .created)
        }
    }

    @Test(arguments: databases) func racingPublishesOfOneVersionStoreExactlyOne(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        let bundles = try (0..<6).map { i in try Bundles.pack(manifest: Bundles.manifest(), files: ["server.py": "print(\(i))\n"]) }
        try await h.test { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for bundle in bundles { group.addTask { try await client.publish(bundle, app: "hello-app", key: h.adminKey).status } }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 5)
            let listed = try await client.call(.get, "/api/v1/apps/hello-app/versions", key: h.adminKey)
            #expect(listed.json.arrayValue?.count == 1)
        }
    }

    @Test(arguments: databases) func badBundlesAreRefusedAndNothingIsStored(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind, maxBundleBytes: 64 * 1024)
        defer { Task { await h.drop() } }
        let manifest = Bundles.manifest()
        let good = try Bundles.pack(manifest: manifest)
        var randomBytes = SystemRandomNumberGenerator()
        let cases: [(String, [UInt8], String, String?, HTTPResponse.Status, String)] = [
            ("wrong content type", good, "application/json", nil, .unsupportedMediaType, "unsupported_media_type"),
            ("not gzip", Array("hello".utf8), "application/gzip", nil, .badRequest, "bundle_corrupt"),
            ("truncated", Array(good.prefix(good.count / 2)), "application/gzip", nil, .badRequest, "bundle_truncated"),
            (
                "dot-dot entry", try Bundles.raw([("marina.app.yaml", .file, manifest), ("../evil", .file, "x")]), "application/gzip", nil,
                .badRequest, "bundle_unsafe_path"
            ),
            (
                "absolute entry", try Bundles.raw([("marina.app.yaml", .file, manifest), ("/etc/cron.d/x", .file, "x")]), "application/gzip", nil,
                .badRequest, "bundle_unsafe_path"
            ),
            (
                "link out", try Bundles.raw([("marina.app.yaml", .file, manifest), ("up", .symlink(target: "../../etc"), "")]), "application/gzip",
                nil, .badRequest, "bundle_unsafe_link"
            ),
            ("no manifest", try Bundles.raw([("server.py", .file, "x")]), "application/gzip", nil, .unprocessableContent, "bundle_no_manifest"),
            (
                "invalid manifest", try Bundles.pack(manifest: Bundles.manifest(extra: "colour: red")), "application/gzip", nil,
                .unprocessableContent, "manifest_invalid"
            ),
            (
                "other app", try Bundles.pack(manifest: Bundles.manifest(app: "other-app")), "application/gzip", nil, .unprocessableContent,
                "app_mismatch"
            ),
            (
                "unusable schema",
                try Bundles.pack(
                    manifest: Bundles.manifest().replacingOccurrences(
                        of: "tools: [{name: greet}]",
                        with: "tools: [{name: greet, input_schema: {type: object, properties: {a: {type: string, pattern: \"(\"}}}}]")),
                "application/gzip", nil, .unprocessableContent, "manifest_invalid"
            ),
            ("manifest differs", good, "application/gzip", "sha256:" + String(repeating: "0", count: 64), .unprocessableContent, "manifest_mismatch"),
            (
                "oversize",
                try Bundles.pack(
                    manifest: manifest,
                    files: ["blob.bin": String((0..<200_000).map { _ in Character(Unicode.Scalar(UInt8.random(in: 97...122, using: &randomBytes))) })]
                ),
                "application/gzip", nil, .contentTooLarge, "bundle_too_large"
            ),
        ]
        try await h.test { client in
            for (name, bytes, contentType, expectedHash, status, code) in cases {
                let r = try await client.publish(bytes, app: "hello-app", key: h.adminKey, manifestHash: expectedHash, contentType: contentType)
                #expect(r.status == status, "\(name): \(r.json)")
                #expect(r.errorCode == code, "\(name)")
                #expect(r.json["error"]?["message"]?.stringValue?.isEmpty == false)
            }
            let invalid = try await client.publish(
                try Bundles.pack(manifest: Bundles.manifest(extra: "colour: red")), app: "hello-app", key: h.adminKey)
            #expect(invalid.json["error"]?["details"]?.arrayValue?.first?["path"] == "/colour")
            #expect(h.storedFiles.isEmpty, "\(h.storedFiles)")
            #expect(try await client.call(.get, "/api/v1/apps", key: h.adminKey).json == [])
        }
    }

    @Test(arguments: databases) func deployRollsBackButNotBelowTheMinimum(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            let dev = try await client.createKey(admin: h.adminKey, role: "developer", name: "ada")
            for (version, minimum) in [("1.0.0", nil), ("1.1.0", nil), ("2.0.0", "1.1.0")] as [(String, String?)] {
                let extra = minimum.map { "listing: {minimum_rollback_version: \($0)}" } ?? ""
                #expect(
                    try await client.publish(try Bundles.pack(manifest: Bundles.manifest(version: version, extra: extra)), app: "hello-app", key: dev)
                        .status == .created)
            }
            func deploy(_ version: String, _ channel: String = "current") async throws -> TestResponse {
                try await client.call(.put, "/api/v1/apps/hello-app/channels/\(channel)", key: dev, json: ["version": .string(version)])
            }
            #expect(try await deploy("2.0.0").json["previous"] == nil)
            let rollback = try await deploy("1.0.0")
            #expect(rollback.status == .conflict)
            #expect(rollback.errorCode == "rollback_below_minimum")
            let ok = try await deploy("1.1.0")
            #expect(ok.status == .ok && ok.json["previous"] == "2.0.0" && ok.json["version"] == "1.1.0")
            #expect(try await deploy("1.1.0").json["changed"] == false)
            #expect(try await deploy("1.0.0", "staging").status == .ok)
            #expect(try await deploy("1.0.0", "beta").errorCode == "invalid_channel")
            #expect(try await deploy("9.9.9").errorCode == "version_not_found")
            let channels = try await client.call(.get, "/api/v1/apps/hello-app/channels", key: dev)
            #expect(channels.json["channels"] == ["current": "1.1.0", "staging": "1.0.0"])
            let history = channels.json["history"]?.arrayValue ?? []
            #expect(history.map { $0["to"]?.stringValue } == ["1.0.0", "1.1.0", "2.0.0"])
            #expect(history.allSatisfy { $0["by"] == "ada" && $0["at"]?.stringValue != nil })
        }
    }

    @Test(arguments: databases) func onlyOwnersPublishAndDeployAndTenantsSeeOnlyTheCurrentChannel(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            let ada = try await client.createKey(admin: h.adminKey, role: "developer", name: "ada")
            let bob = try await client.createKey(admin: h.adminKey, role: "developer", name: "bob")
            _ = try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            let member = try await client.createKey(admin: h.adminKey, role: "tenant_member", tenant: "acme")
            #expect(try await client.publish(try Bundles.pack(manifest: Bundles.manifest()), app: "hello-app", key: ada).status == .created)
            #expect(
                try await client.publish(try Bundles.pack(manifest: Bundles.manifest(version: "1.1.0")), app: "hello-app", key: ada).status
                    == .created)
            #expect(
                try await client.publish(try Bundles.pack(manifest: Bundles.manifest(version: "2.0.0")), app: "hello-app", key: bob).errorCode
                    == "not_app_owner")
            #expect(
                try await client.publish(try Bundles.pack(manifest: Bundles.manifest(version: "2.0.0")), app: "hello-app", key: member).status
                    == .forbidden)
            #expect(try await client.call(.put, "/api/v1/apps/hello-app/channels/current", key: bob, json: ["version": "1.0.0"]).status == .notFound)
            // Nothing deployed yet: invisible to tenants and other developers.
            #expect(try await client.call(.get, "/api/v1/apps/hello-app/versions", key: member).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/apps", key: bob).json == [])
            _ = try await client.call(.put, "/api/v1/apps/hello-app/channels/current", key: ada, json: ["version": "1.0.0"])
            let seen = try await client.call(.get, "/api/v1/apps/hello-app/versions", key: member)
            #expect(seen.json.arrayValue?.map { $0["version"]?.stringValue } == ["1.0.0"])
            #expect(try await client.call(.get, "/api/v1/apps/hello-app/versions/1.1.0", key: member).status == .notFound)
            #expect(
                try await client.execute(uri: "/api/v1/apps/hello-app/versions/1.0.0/bundle", method: .get, headers: auth(member)).status == .notFound
            )
        }
    }
}
