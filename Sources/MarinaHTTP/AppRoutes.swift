import HTTPTypes
import Hummingbird
import MarinaCore
import MarinaPlatform
import NIOCore

/// What apps call, with their app token: `/api/mcp/app-tools` and `/api/mcp/app-secrets`; and the
/// public keys that verify the platform's tokens.
enum AppRoutes {
    static let maxBody = 1 << 20

    static func add(
        _ router: Router<MarinaRequestContext>, gateway: ToolGateway, jwks: @escaping @Sendable () async -> JSONValue,
        newRequestId: @escaping @Sendable () -> String
    ) {
        router.get(".well-known/jwks.json") { _, _ in json(await jwks()) }
        let mcp = router.group("api/mcp")
        mcp.get("app-tools") { request, _ in
            let caller = try await gateway.authenticate(request.headers[.authorization])
            return json(try await gateway.listTools(caller, requestId: newRequestId()))
        }
        mcp.post("app-tools") { request, context in
            let caller = try await gateway.authenticate(request.headers[.authorization])
            let requestId = newRequestId()
            let body = try await collect(request, upTo: maxBody, caller: caller, kind: .appCall, gateway: gateway, requestId: requestId)
            // The request the app is handling, if it says (chains of apps_invoke).
            let handling = request.headers[HTTPField.Name("X-Marina-Request-Id")!].flatMap { $0.count <= 64 ? $0 : nil }
            return json(try await gateway.call(caller, body: body, requestId: requestId, handling: handling))
        }
        mcp.post("app-secrets") { request, _ in
            let caller = try await gateway.authenticate(request.headers[.authorization])
            let requestId = newRequestId()
            let body = try await collect(request, upTo: maxSecretsBody, caller: caller, kind: .secretRead, gateway: gateway, requestId: requestId)
            return json(try await gateway.secret(caller, body: body, requestId: requestId))
        }
    }

    static let maxSecretsBody = 16 * 1024

    /// The body, or — when it is over `limit` — the call refused with 413 and audited (every app
    /// call is, refused or not).
    static func collect(
        _ request: Request, upTo limit: Int, caller: ToolGateway.Caller, kind: AuditKind, gateway: ToolGateway, requestId: String
    ) async throws -> [UInt8] {
        do {
            return Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch is NIOTooManyBytesError {
            try await gateway.refuseOversizedBody(caller, kind: kind, limit: limit, requestId: requestId)
        }
    }

    static func json(_ value: JSONValue) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: CanonicalJSON.string(value) + "\n")))
    }
}
