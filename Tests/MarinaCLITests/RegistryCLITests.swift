import AsyncHTTPClient
import Foundation
import MarinaSandbox
import MarinaTestSupport
import NIOCore
import Testing

/// The CLI against a real `marina serve`, over real sockets.
@Suite(.serialized) struct RegistryCLITests {
    /// A copy of the hello-python example with its version replaced.
    func exampleApp(version: String, in dir: URL) throws -> URL {
        let app = dir.appendingPathComponent("hello-\(version)")
        try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("examples/hello-python"), to: app)
        let manifest = app.appendingPathComponent("marina.app.json")
        let text = try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(
            of: "\"version\": \"1.0.0\"", with: "\"version\": \"\(version)\"")
        try text.write(to: manifest, atomically: true, encoding: .utf8)
        return app
    }

    /// With nothing listening at the server's address the command fails with the hint, instead of
    /// retrying the refused connection for 90 s (`timeout 45` turns a regression into a failure).
    @Test func aCommandWithNoServerListeningFailsSayingSo() throws {
        let port = try #require(Sockets.freePort())
        let result = try CLI.run(
            ["45", CLI.binary.path, "apps", "--server", "http://127.0.0.1:\(port)", "--api-key", "mk_unused"],
            executable: URL(fileURLWithPath: "/usr/bin/timeout"))
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot reach marina at http://127.0.0.1:\(port)"))
        #expect(result.stderr.contains("is `marina serve` running?"))
    }

    /// Installing an app that is published but has nothing on `current` says so, and what to run;
    /// to a tenant's admin, for whom it is not released, it stays "not found", like any app id.
    @Test func installingAnAppWithNoCurrentVersionSaysWhatToRun() throws {
        let dir = try CLI.temporaryDirectory()
        let serve = try ServeProcess(data: dir.appendingPathComponent(".marina"))
        defer { serve.stop() }
        #expect(try CLI.run(["publish", CLI.root.appendingPathComponent("examples/hello-python").path], in: dir).status == 0)
        #expect(try CLI.run(["publish", try exampleApp(version: "1.1.0", in: dir).path], in: dir).status == 0)
        #expect(try CLI.run(["tenants", "create", "acme"], in: dir).status == 0)
        let installed = try CLI.run(["install", "hello-python", "--tenant", "acme"], in: dir)
        #expect(installed.status == 1)
        #expect(installed.stderr.contains("no_current_version") && installed.stderr.contains("none on its current channel"), "\(installed.stderr)")
        #expect(installed.stderr.contains("marina deploy --app hello-python --version 1.1.0"), "\(installed.stderr)")
        #expect(installed.stderr.contains("marina install hello-python --tenant acme --version 1.1.0"), "\(installed.stderr)")
        #expect(!installed.stderr.contains("was not found"))

        let key = try CLI.run(["keys", "create", "--role", "tenant_admin", "--tenant", "acme", "--json"], in: dir)
        let tenantKey = try #require(
            (try JSONSerialization.jsonObject(with: Data(key.stdout.utf8)) as? [String: Any])?["key"] as? String, "\(key.stdout) \(key.stderr)")
        let hidden = try CLI.run(["install", "hello-python", "--tenant", "acme", "--api-key", tenantKey], in: dir)
        let missing = try CLI.run(["install", "no-such-app", "--tenant", "acme", "--api-key", tenantKey], in: dir)
        #expect(hidden.status == 1 && hidden.stderr.contains("marina deploy"), "\(hidden.stderr)")
        #expect(
            hidden.stderr.replacingOccurrences(of: "hello-python", with: "APP") == missing.stderr.replacingOccurrences(of: "no-such-app", with: "APP")
        )
    }

    @Test func publishListRefuseALowerVersionDeployAndRollBack() throws {
        let dir = try CLI.temporaryDirectory()
        let serve = try ServeProcess(data: dir.appendingPathComponent(".marina"))
        defer { serve.stop() }
        // Run from the directory holding .marina: the CLI finds the server and admin key there.
        let published = try CLI.run(["publish", CLI.root.appendingPathComponent("examples/hello-python").path], in: dir)
        #expect(published.status == 0, "\(published.stdout) \(published.stderr)")
        #expect(published.stdout.contains("published hello-python 1.0.0"))
        #expect(published.stdout.contains("manifest sha256:") && published.stdout.contains("bundle   sha256:"))

        let again = try CLI.run(["publish", CLI.root.appendingPathComponent("examples/hello-python").path], in: dir)
        #expect(again.status == 1)
        #expect(again.stderr.contains("version_not_increasing"))

        #expect(try CLI.run(["publish", try exampleApp(version: "1.1.0", in: dir).path], in: dir).status == 0)
        let lower = try CLI.run(["publish", try exampleApp(version: "0.9.0", in: dir).path], in: dir)
        #expect(lower.status == 1 && lower.stderr.contains("version_not_increasing"))

        let versions = try CLI.run(["versions", "--app", "hello-python", "--json"], in: dir)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(versions.stdout.utf8)) as? [[String: Any]])
        #expect(list.map { $0["version"] as? String } == ["1.1.0", "1.0.0"])

        #expect(try CLI.run(["deploy", "--app", "hello-python", "--version", "1.1.0"], in: dir).stdout.contains("(none) → 1.1.0"))
        let rollback = try CLI.run(["deploy", "--app", "hello-python", "--version", "1.0.0"], in: dir)
        #expect(rollback.status == 0 && rollback.stdout.contains("1.1.0 → 1.0.0"))
        let apps = try CLI.run(["apps"], in: dir)
        #expect(apps.stdout.contains("hello-python") && apps.stdout.contains("1.0.0"))
        #expect(try CLI.run(["deploy", "--app", "hello-python", "--version", "7.0.0"], in: dir).status == 1)
    }

    @Test func anAppAskingForAnOperatorsScopePublishesWithItsCatalog() throws {
        let dir = try CLI.temporaryDirectory()
        let scopes = dir.appendingPathComponent("scopes.yaml")
        try "scopes: [{name: crm.read, description: Read CRM, tools: [crm_lookup]}]\n".write(to: scopes, atomically: true, encoding: .utf8)
        let serve = try ServeProcess(data: dir.appendingPathComponent(".marina"), extra: ["--scopes", scopes.path])
        defer { serve.stop() }
        let app = dir.appendingPathComponent("crm")
        try FileManager.default.createDirectory(at: app, withIntermediateDirectories: true)
        try "apiVersion: marina/v1\napp: {id: crm-app, name: CRM, version: 1.0.0}\nruntime: {command: [python3, server.py]}\nscopes: [crm.read]\n"
            .write(to: app.appendingPathComponent("marina.app.yaml"), atomically: true, encoding: .utf8)
        try "print('hi')\n".write(to: app.appendingPathComponent("server.py"), atomically: true, encoding: .utf8)
        let unknown = try CLI.run(["publish", app.path], in: dir)
        #expect(unknown.status == 1 && unknown.stderr.contains("crm.read"), "\(unknown.stderr)")
        let published = try CLI.run(["publish", "--scopes", scopes.path, app.path], in: dir)
        #expect(published.status == 0 && published.stdout.contains("published crm-app 1.0.0"), "\(published.stdout) \(published.stderr)")
    }

    @Test func tenantsAndKeysThroughTheCLI() throws {
        let dir = try CLI.temporaryDirectory()
        let serve = try ServeProcess(data: dir.appendingPathComponent(".marina"))
        defer { serve.stop() }
        #expect(try CLI.run(["tenants", "create", "acme", "--name", "Acme Inc"], in: dir).status == 0)
        #expect(try CLI.run(["tenants", "list"], in: dir).stdout.contains("Acme Inc"))
        let created = try CLI.run(["keys", "create", "--role", "tenant_member", "--tenant", "acme", "--name", "bob"], in: dir)
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("mk_"))
        let who = try CLI.run(["whoami", "--api-key", key], in: dir)
        #expect(who.stdout.contains("bob (tenant_member, tenant acme)"))
        #expect(try CLI.run(["tenants", "create", "other", "--api-key", key], in: dir).status == 1)
        let list = try CLI.run(["keys", "list", "--json"], in: dir)
        #expect(!list.stdout.contains(key))
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let id = try #require(rows.first { ($0["name"] as? String) == "bob" }?["id"] as? String)
        #expect(try CLI.run(["keys", "revoke", id], in: dir).status == 0)
        let refused = try CLI.run(["whoami", "--api-key", key], in: dir)
        #expect(refused.status == 1 && refused.stderr.contains("key_revoked"))
    }

    @Test func aSecondServeOnTheSameSQLiteDataIsRefusedAndSIGTERMStopsCleanly() throws {
        let dir = try CLI.temporaryDirectory()
        let data = dir.appendingPathComponent(".marina")
        let serve = try ServeProcess(data: data)
        let second = try CLI.run(["serve", "--data", data.path, "--listen", "127.0.0.1:0"], in: dir)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another marina serve is using"))
        let info = try FileManager.default.attributesOfItem(atPath: data.appendingPathComponent("admin.key").path)
        #expect((info[.posixPermissions] as? Int) == 0o600)
        #expect(serve.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("serve.json").path))
        #expect(serve.output.contains("marina stopped"))
        // The lock died with the process: a new serve starts, and keeps the same admin key.
        let key = serve.adminKey
        let again = try ServeProcess(data: data)
        defer { again.stop() }
        #expect(again.adminKey == key)
        #expect(try CLI.run(["whoami"], in: dir).status == 0)
    }

    @Test func killDashNineDuringAPublishLeavesNoHalfVersion() async throws {
        let dir = try CLI.temporaryDirectory()
        let data = dir.appendingPathComponent(".marina")
        let serve = try ServeProcess(data: data)
        // An upload that sends half its bytes and then waits: the server is killed mid-publish.
        var request = HTTPClientRequest(url: serve.url + "/api/v1/apps/hello-python/versions")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer " + serve.adminKey)
        request.headers.add(name: "Content-Type", value: "application/gzip")
        let chunks = AsyncStream<ByteBuffer> { continuation in
            continuation.yield(ByteBuffer(repeating: 0x1f, count: 256 * 1024))
            Task {
                try? await Task.sleep(for: .seconds(30))
                continuation.finish()
            }
        }
        request.body = .stream(chunks, length: .known(Int64(1024 * 1024)))
        let upload = Task { try await HTTPClient.shared.execute(request, timeout: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(500))
        serve.kill9()
        await #expect(throws: (any Error).self) { _ = try await upload.value }

        let restarted = try ServeProcess(data: data)
        defer { restarted.stop() }
        let versions = try CLI.run(["versions", "--json"], in: dir)
        #expect(versions.status == 0)
        #expect(versions.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        let stored =
            FileManager.default.enumerator(atPath: data.appendingPathComponent("bundles/sha256").path)?.compactMap { $0 as? String }.filter {
                $0.hasSuffix(".tar.gz")
            } ?? []
        #expect(stored.isEmpty)
        // And the platform works on: a real publish after the crash succeeds.
        #expect(try CLI.run(["publish", CLI.root.appendingPathComponent("examples/hello-python").path], in: dir).status == 0)
    }

    @Test func twoServesShareOnePostgreSQLDatabase() async throws {
        guard TestDatabase.postgresURL != nil else { return }
        let configuration = try await TestDatabase.postgres.freshConfiguration()
        guard case .postgres(let url) = configuration else { return }
        let dir = try CLI.temporaryDirectory()
        let data = dir.appendingPathComponent(".marina")
        let a = try ServeProcess(data: data, extra: ["--database", url])
        defer { a.stop() }
        let b = try ServeProcess(data: data, extra: ["--database", url])
        defer { b.stop() }
        #expect(a.url != b.url)
        let key = a.adminKey
        #expect(
            try CLI.run(["publish", "--server", a.url, "--api-key", key, CLI.root.appendingPathComponent("examples/hello-python").path], in: dir)
                .status == 0)
        let viaB = try CLI.run(["versions", "--server", b.url, "--api-key", key], in: dir)
        #expect(viaB.stdout.contains("1.0.0"))
        #expect(try CLI.run(["deploy", "--server", b.url, "--api-key", key, "--app", "hello-python", "--version", "1.0.0"], in: dir).status == 0)
        #expect(try CLI.run(["apps", "--server", a.url, "--api-key", key], in: dir).stdout.contains("1.0.0"))
        let racing = try await withThrowingTaskGroup(of: Int32.self) { group in
            for server in [a.url, b.url] {
                let app = try exampleApp(version: "2.0.0", in: try CLI.temporaryDirectory())
                group.addTask { try CLI.run(["publish", "--server", server, "--api-key", key, app.path], in: dir).status }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(racing.sorted() == [0, 1])
    }
}
