import Foundation
import MarinaCore
import MarinaTestSupport
import Testing

@testable import MarinaKit

@Suite struct MockModeTests {
    @Test func toolsSecretsAndKVComeFromTheMockDocument() async throws {
        let mock = try MockPlatform(document: [
            "secrets": ["API_KEY": "test-key"],
            "tools": [
                "mail_send": ["queued": true, "id": "mail_1"],
                "http_fetch": ["error": ["decision": "scope_denied", "message": "not granted", "needed_scopes": ["http.fetch"]]],
            ],
        ])
        let app = try MarinaApp(manifest: fixtureManifest, environment: [:], mock: mock)
        let ctx = app.context()
        #expect(ctx.tenant == nil && ctx.app == "kit-probe" && ctx.version == "2.1.0")
        #expect(await ctx.secrets.get("API_KEY") == "test-key")
        #expect(await ctx.secrets.get("MISSING") == nil)
        #expect(try await ctx.tools.call("mail_send", ["to": ["a@b.c"]]) == ["queued": true, "id": "mail_1"])
        do {
            _ = try await ctx.tools.call("http_fetch", ["url": "http://x"])
            Issue.record("a mocked refusal was not thrown")
        } catch {
            #expect(error == ToolCallError(decision: "scope_denied", message: "not granted", neededScopes: ["http.fetch"], tool: "http_fetch"))
        }
        do { _ = try await ctx.tools.call("files_read", [:]) } catch { #expect(error.decision == "unknown_tool") }

        try await ctx.kv.set("b", ["n": 1])
        try await ctx.kv.set("a", "x", ttlSeconds: 60)
        #expect(try await ctx.kv.get("b") == ["n": 1])
        #expect(try await ctx.kv.get("zz") == nil)
        #expect(try await ctx.kv.keys() == ["a", "b"])
        #expect(try await ctx.kv.list(limit: 1).nextCursor == "a")
        let deleted = try await ctx.kv.delete("a")
        let deletedAgain = try await ctx.kv.delete("a")
        #expect(deleted && !deletedAgain)
        do { try await ctx.kv.set("k", "v", ttlSeconds: 5) } catch { #expect(error.decision == "invalid_args") }
        do { try await ctx.kv.set(String(repeating: "k", count: 257), "v") } catch { #expect(error.decision == "invalid_args") }
        #expect(mock.calls.first?.tool == "mail_send")
    }

    @Test func theMockFileComesFromMarinaMock() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mock-\(UUID().uuidString).json")
        try #"{"secrets": {"K": "v"}}"#.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let app = try MarinaApp(manifest: fixtureManifest, environment: ["MARINA_MOCK": file.path])
        #expect(app.platform is MockPlatform)
        try "[1]".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: MarinaKitError.self) { try MarinaApp(manifest: fixtureManifest, environment: ["MARINA_MOCK": file.path]) }
    }

    @Test func withoutAPlatformCallsFailAndSecretsAreNil() async throws {
        let app = try MarinaApp(manifest: fixtureManifest, environment: [:])
        #expect(await app.context().secrets.get("K") == nil)
        do { _ = try await app.context().tools.call("kv_get", ["key": "a"]) } catch { #expect(error.decision == "platform_error") }
    }

    @Test func callsToThePlatformCarryTheRequestTheyAreMadeFor() async throws {
        let platform = LoopbackHTTPServer { _ in
            ("200 OK", "application/json", #"{"ok": true, "result": {"found": false, "value": null}, "value": "s3cret"}"#)
        }
        defer { platform.stop() }
        let app = try MarinaApp(
            manifest: fixtureManifest, environment: [:], platform: HTTPPlatform(url: "http://127.0.0.1:\(platform.port)", token: "tok"))
        let ctx = app.context(requestId: "req_chain_7")
        _ = try await ctx.tools.call("kv_get", ["key": "a"])
        #expect(await ctx.secrets.get("K") == "s3cret")
        _ = try await app.context().tools.call("kv_get", ["key": "a"])
        let requests = platform.requests
        #expect(requests.count == 3)
        #expect(
            requests.prefix(2).allSatisfy { $0.contains("\r\nX-Marina-Request-Id: req_chain_7\r\n") && $0.contains("Authorization: Bearer tok") },
            "\(requests)")
        #expect(!(requests.last ?? "").lowercased().contains("x-marina-request-id"))
    }

    /// The platform rotates the app token into `MARINA_APP_TOKEN_FILE` before it expires: each
    /// call reads it there, and falls back to `MARINA_APP_TOKEN` without the file.
    @Test func aRotatedAppTokenIsReadFromTheTokenFile() async throws {
        let platform = LoopbackHTTPServer { _ in ("200 OK", "application/json", #"{"ok": true, "result": {}}"#) }
        defer { platform.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("app-token-\(UUID().uuidString)")
        try "rotated-token\n".write(to: file, atomically: true, encoding: .utf8)
        let app = try MarinaApp(
            manifest: fixtureManifest,
            environment: [
                "MARINA_URL": "http://127.0.0.1:\(platform.port)", "MARINA_APP_TOKEN": "first-token",
                "MARINA_APP_TOKEN_FILE": file.path,
            ])
        _ = try await app.context().tools.call("kv_get", ["key": "a"])
        try FileManager.default.removeItem(at: file)
        _ = try await app.context().tools.call("kv_get", ["key": "a"])
        let requests = platform.requests
        #expect(requests.count == 2)
        #expect(
            requests.first?.contains("Authorization: Bearer rotated-token\r\n") == true
                && requests.last?.contains("Authorization: Bearer first-token\r\n") == true)
    }
}
