import HTTPTypes
import Hummingbird
import MarinaCore
import MarinaPlatform
import NIOCore

/// What apps call, with their app token: `/api/mcp/app-tools` and `/api/mcp/app-secrets`; and the
/// public keys that verify the platform's tokens.
enum AppRoutes {
    static let maxBody = 1 << 20

    static func add(_ router: Router<MarinaRequestContext>, gateway: ToolGateway, jwks: @escaping @Sendable () async -> JSONValue, newRequestId: @escaping @Sendable () -> String) {
        router.get(".well-known/jwks.json") { _, _ in json(await jwks()) }
        let mcp = router.group("api/mcp")
        mcp.get("app-tools") { request, _ in
            let caller = try await gateway.authenticate(request.headers[.authorization])
            return json(gateway.availableTools(caller))
        }
        mcp.post("app-tools") { request, context in
            let caller = try await gateway.authenticate(request.headers[.authorization])
            let body = try await request.body.collect(upTo: maxBody)
            // The request the app is handling, if it says (chains of apps_invoke).
            let handling = request.headers[HTTPField.Name("X-Marina-Request-Id")!].flatMap { $0.count <= 64 ? $0 : nil }
            return json(try await gateway.call(caller, body: Array(body.readableBytesView), requestId: newRequestId(), handling: handling))
        }
        mcp.post("app-secrets") { request, _ in
            let caller = try await gateway.authenticate(request.headers[.authorization])
            let body = try await request.body.collect(upTo: 16 * 1024)
            return json(try await gateway.secret(caller, body: Array(body.readableBytesView), requestId: newRequestId()))
        }
    }

    static func json(_ value: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: CanonicalJSON.string(value) + "\n")))
    }
}
