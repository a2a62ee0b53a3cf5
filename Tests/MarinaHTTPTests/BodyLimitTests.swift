import Foundation
import HTTPTypes
import HummingbirdTesting
import MarinaCore
import MarinaTestSupport
import NIOCore
import Testing

/// An oversize body is 413 `payload_too_large` wherever it is read; the app endpoints audit
/// every call they refuse, oversize and malformed ones included.
@Suite struct BodyLimitTests {
    static let twoMB = String(repeating: "x", count: 2 << 20)

    @Test func anOversizeJSONBodyIs413NotAnInternalError() async throws {
        let h = try await Harness.make(.sqlite)
        defer { Task { await h.drop() } }
        try await h.test { client in
            for (method, uri) in [
                (HTTPRequest.Method.post, "/api/v1/tenants"), (.post, "/api/v1/keys"), (.put, "/api/v1/apps/notes/secrets/API_KEY"),
            ] {
                let r = try await client.execute(
                    uri: uri, method: method, headers: [.authorization: "Bearer " + h.adminKey, .contentType: "application/json"],
                    body: jsonBody(["slug": .string(Self.twoMB), "value": .string(Self.twoMB)]))
                #expect(
                    r.status == .contentTooLarge && r.errorCode == "payload_too_large", "\(uri): \(r.status) \(String(buffer: r.body).prefix(200))")
            }
        }
    }

    @Test(arguments: TestDatabase.available) func refusedAppCallsAreAudited(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await TrustBoundaryTests.installed(client, admin: h.adminKey, tenant: "acme", app: "notes", scopes: ["kv.read"], grant: ["kv.read"])
            let token = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "notes")
            let headers: HTTPFields = [.authorization: "Bearer " + token, .contentType: "application/json"]
            let big = try await client.execute(
                uri: "/api/mcp/app-tools", method: .post, headers: headers,
                body: jsonBody(["tool": "kv_get", "args": ["key": .string(Self.twoMB)]]))
            #expect(big.status == .contentTooLarge && big.errorCode == "payload_too_large")
            let bigSecret = try await client.execute(
                uri: "/api/mcp/app-secrets", method: .post, headers: headers, body: jsonBody(["key": .string(Self.twoMB)]))
            #expect(bigSecret.status == .contentTooLarge)
            for body in ["not json", "{\"nokey\": 1}", "{\"key\": \"lower\\u0000case\"}"] {
                let r = try await client.execute(uri: "/api/mcp/app-secrets", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(r.status == .badRequest, "\(body)")
            }
            #expect(try await client.execute(uri: "/api/mcp/app-tools", method: .get, headers: headers).status == .ok)

            let tooLarge = try await TrustBoundaryTests.records(client, h.adminKey, "&decision=deny:too_large")
            #expect(Set(tooLarge.compactMap { $0["kind"]?.stringValue }) == ["app_call", "secret_read"] && tooLarge.count == 2, "\(tooLarge)")
            #expect(
                tooLarge.allSatisfy {
                    $0["actor"]?.stringValue?.hasPrefix("app:ins_") == true && $0["tenant"] == "acme" && $0["status"] == "payload_too_large"
                })
            let malformed = try await TrustBoundaryTests.records(client, h.adminKey, "&kind=secret_read")
            #expect(
                Set(malformed.compactMap { $0["decision"]?.stringValue }) == ["deny:too_large", "deny:invalid_args", "deny:invalid_secret_key"],
                "\(malformed)")
            #expect(malformed.contains { $0["name"] == #"lower\u{0}case"# })
            #expect(try await TrustBoundaryTests.records(client, h.adminKey, "&kind=app_call&name=(list)").count == 1)
        }
    }
}
