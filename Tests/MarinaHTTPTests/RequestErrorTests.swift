import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MarinaCore
import MarinaHTTP
import MarinaTestSupport
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Requests that are the client's fault are refused as such, never with 500 `internal`: found by
/// the API fuzz run (docs/api-fuzzing.md).
@Suite struct RequestErrorTests {
    /// A JSON string of `bytes` bytes.
    static func body(_ bytes: Int) -> ByteBuffer { ByteBuffer(string: "\"" + String(repeating: "x", count: bytes - 2) + "\"") }

    /// A body over a route's limit: 413 `payload_too_large` in the error shape.
    @Test func everyRouteThatReadsABodyWholeAnswers413() async throws {
        let h = try await Harness.make(.sqlite)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await TrustBoundaryTests.installed(client, admin: h.adminKey, tenant: "acme", app: "notes", scopes: ["kv.read"], grant: ["kv.read"])
            let token = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "notes")
            let oneMiB = 1 << 20
            let admin: [(HTTPRequest.Method, String)] = [
                (.post, "/api/v1/tenants"), (.post, "/api/v1/keys"), (.put, "/api/v1/apps/notes/channels/current"),
                (.put, "/api/v1/tenants/acme/installs/notes"), (.post, "/api/v1/tenants/acme/installs/notes/upgrade"),
                (.post, "/api/v1/tenants/acme/apps/notes/tools/greet"), (.post, "/api/v1/tenants/acme/apps/notes/events/install"),
                (.put, "/api/v1/apps/notes/secrets/API_KEY"), (.put, "/api/v1/tenants/acme/apps/notes/secrets/API_KEY"),
                (.post, "/api/v1/keys/rotate"),
            ]
            var cases = admin.map { ($0.0, $0.1, h.adminKey, oneMiB + 1) }
            cases.append((.post, "/api/mcp/app-tools", token, oneMiB + 1))
            cases.append((.post, "/api/mcp/app-secrets", token, 16 * 1024 + 1))
            for (method, uri, key, size) in cases {
                let response = try await client.execute(
                    uri: uri, method: method, headers: [.authorization: "Bearer " + key, .contentType: "application/json"],
                    body: Self.body(size))
                #expect(response.status == .contentTooLarge, "\(method) \(uri): \(response.status) \(String(buffer: response.body))")
                #expect(response.errorCode == "payload_too_large", "\(method) \(uri)")
            }
            // At the limit, the body is read (and answered as it deserves).
            let atLimit = try await client.execute(
                uri: "/api/mcp/app-secrets", method: .post, headers: [.authorization: "Bearer " + token],
                body: Self.body(16 * 1024))
            #expect(atLimit.status == .badRequest, "\(atLimit.status) \(String(buffer: atLimit.body))")
        }
    }

    /// A request whose chunked framing is broken is not HTTP: the server answers 400 and closes
    /// the connection, on a JSON route as on a streamed one.
    @Test func aMalformedChunkedBodyIsABadRequest() async throws {
        let h = try await Harness.make(.sqlite)
        defer { Task { await h.drop() } }
        let app = Application(
            router: APIRouter.build(h.services), server: .http1OnConnectionLoop(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            for path in ["/api/v1/tenants", "/api/v1/tenants/acme/apps/notes/tools/greet"] {
                let request =
                    "POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(h.adminKey)\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\n"
                let answer = try RawHTTP.exchange(port: port, Array(request.utf8))
                #expect(answer.hasPrefix("HTTP/1.1 400 "), "\(path): \(answer.prefix(200))")
            }
            // The server serves the next connection.
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }
}

/// One request written on a fresh loopback connection; what comes back until the server closes
/// it (or 60 s pass: a loaded CI host, with the suites running side by side, can take seconds).
enum RawHTTP {
    struct Failure: Error { let what: String }

    static func exchange(port: Int, _ bytes: [UInt8]) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(what: "socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(what: "connect") }
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else { throw Failure(what: "send") }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && answer.isEmpty { return "(nothing: \(String(cString: strerror(errno))))" }
            if n <= 0 { break }
            answer += buffer[0..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
