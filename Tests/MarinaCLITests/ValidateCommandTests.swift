import Foundation
import Testing

@Suite struct ValidateCommandTests {
    let spec = "examples/manifests/spec-example.marina.app.yaml"

    @Test func aValidManifestExitsZeroAndPrintsItsHash() throws {
        let r = try CLI.run(["validate", spec])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("valid marina/v1 manifest: invoice-triage 1.4.0 sha256:"))
    }

    @Test func jsonOutputIsExactlyOneObject() throws {
        let r = try CLI.run(["validate", "--json", spec])
        #expect(r.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["valid", "format", "hash", "errors", "notes"])
        #expect((object["notes"] as? [Any])?.isEmpty == true)
        #expect(object["valid"] as? Bool == true)
        #expect(object["format"] as? String == "marina/v1")
        #expect((object["hash"] as? String)?.range(of: "^sha256:[0-9a-f]{64}$", options: .regularExpression) != nil)
        #expect((object["errors"] as? [Any])?.isEmpty == true)
    }

    @Test func anInvalidManifestPrintsOneLinePerErrorAndExitsOne() throws {
        let dir = try CLI.temporaryDirectory()
        try "apiVersion: marina/v1\napp: {id: X, name: Hi, version: 1.0.0, colour: red}\n".write(
            to: dir.appendingPathComponent("marina.app.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["validate", dir.path])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(
            Set(lines) == [
                "/app/id: \"X\" is not a valid app id: 3–64 characters of a-z, 0-9 and '-', starting with a letter [invalid_value]",
                "/app/colour: unknown field \"colour\" [unknown_field]",
            ])
        let json = try CLI.run(["validate", "--json", dir.path])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        #expect(object["hash"] == nil)
        let errors = try #require(object["errors"] as? [[String: String]])
        #expect(Set(errors.map { $0["code"]! + " " + $0["path"]! }) == ["invalid_value /app/id", "unknown_field /app/colour"])
    }

    @Test func aDirectoryIsSearchedForEveryManifestName() throws {
        let dir = try CLI.temporaryDirectory()
        let linkworld = "apiVersion: linkworld.ai/v2\napp_id: crm-sync\nversion: 1.0.0\nname: CRM\nruntime: {image: acme/crm}\n"
        try linkworld.write(to: dir.appendingPathComponent("linkworld.app.yaml"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["validate", "--json"], in: dir)
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("\"format\":\"linkworld.ai/v2\""))
    }

    @Test func unreadableInputAndUsageErrorsExitTwo() throws {
        let dir = try CLI.temporaryDirectory()
        #expect(try CLI.run(["validate", dir.appendingPathComponent("missing.yaml").path]).status == 2)
        #expect(try CLI.run(["validate", dir.path]).status == 2)
        #expect(try CLI.run(["validate", "--no-such-flag"]).status == 2)
        #expect(try CLI.run(["no-such-command"]).status == 2)
        let json = try CLI.run(["validate", "--json", dir.path])
        #expect(json.status == 2)
        #expect(json.stdout.contains("\"valid\":false"))
    }

    @Test func convertPrintsNativeYAMLThatValidatesToTheSameHash() throws {
        let dir = try CLI.temporaryDirectory()
        let source =
            "apiVersion: linkworld.ai/v2\napp_id: crm-sync\nversion: 1.0.0\nname: CRM\nruntime: {image: acme/crm}\nrequired_scopes: [kv.read]\n"
        try source.write(to: dir.appendingPathComponent("linkworld.app.yaml"), atomically: true, encoding: .utf8)
        let converted = try CLI.run(["manifest", "convert", dir.path])
        #expect(converted.status == 0)
        #expect(converted.stdout.hasPrefix("apiVersion: marina/v1\n"))
        try converted.stdout.write(to: dir.appendingPathComponent("marina.app.yaml"), atomically: true, encoding: .utf8)
        let a = try CLI.run(["validate", "--json", dir.appendingPathComponent("linkworld.app.yaml").path])
        let b = try CLI.run(["validate", "--json", dir.appendingPathComponent("marina.app.yaml").path])
        #expect(b.status == 0)
        let hash = { (s: String) in s.firstMatch(of: /sha256:[0-9a-f]{64}/).map { String($0.output) } }
        #expect(hash(a.stdout) != nil && hash(a.stdout) == hash(b.stdout))
    }

    /// OpenSail's own example sets PORT in a container's env: the import takes it as the app's
    /// port and says so.
    @Test func conversionNotesArePrintedAfterTheVerdict() throws {
        let dir = try CLI.temporaryDirectory()
        let manifest = """
            {"manifest_schema_version": "2025-02", "app": {"id": "com.example.web", "name": "Web", "slug": "web-app", "version": "1.0.0"},
             "compatibility": {"studio": {"min": "3.0.0"}, "manifest_schema": "2025-02", "runtime_api": "^1.0"},
             "surfaces": [], "state": {"model": "stateless"}, "listing": {"visibility": "public"},
             "billing": {"ai_compute": {"payer": "creator"}, "general_compute": {"payer": "platform"}, "platform_fee": {"model": "free"}},
             "compute": {"containers": [{"name": "web", "image": "acme/web:1", "primary": true, "env": {"PORT": "3000"}}]}}
            """
        try manifest.write(to: dir.appendingPathComponent("app.manifest.json"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["validate", dir.path])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("valid opensail/2025-02 manifest: web-app 1.0.0 sha256:") == true)
        #expect(
            lines.dropFirst().first
                == "note: /compute/containers/0/env/PORT: PORT is the platform's to set: runtime.port is 3000, and the platform sets PORT=3000 for the app [port_from_env]"
        )
        let json = try CLI.run(["validate", "--json", dir.path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let notes = try #require(object["notes"] as? [[String: String]])
        #expect(notes.map { $0["code"]! + " " + $0["path"]! } == ["port_from_env /compute/containers/0/env/PORT"])
        let converted = try CLI.run(["manifest", "convert", dir.path])
        #expect(converted.stdout.contains("port: 3000"))
        #expect(converted.stderr.contains("note: /compute/containers/0/env/PORT"))
    }

    @Test func anOperatorScopeCatalogIsHonoured() throws {
        let dir = try CLI.temporaryDirectory()
        try "scopes: [{name: crm.read, description: Read CRM, tools: [crm_lookup]}]\n".write(
            to: dir.appendingPathComponent("scopes.yaml"), atomically: true, encoding: .utf8)
        try "apiVersion: marina/v1\napp: {id: crm-app, name: CRM, version: 1.0.0}\nscopes: [crm.read]\n".write(
            to: dir.appendingPathComponent("marina.app.yaml"), atomically: true, encoding: .utf8)
        #expect(try CLI.run(["validate", dir.path]).status == 1)
        #expect(try CLI.run(["validate", "--scopes", dir.appendingPathComponent("scopes.yaml").path, dir.path]).status == 0)
        let listed = try CLI.run(["scopes", "--scopes", dir.appendingPathComponent("scopes.yaml").path])
        #expect(listed.stdout.contains("crm.read"))
    }
}
