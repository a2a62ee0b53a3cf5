import HTTPTypes
import Hummingbird
import MarinaPlatform

/// Authenticates every API request by its key: `Authorization: Bearer mk_…` (or `X-API-Key`).
struct AuthMiddleware: RouterMiddleware {
    let access: AccessService

    func handle(
        _ request: Request, context: MarinaRequestContext, next: (Request, MarinaRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.principal = try await Self.principal(request, access)
        context.logger[metadataKey: "identity"] = .string(context.principal!.identityId)
        return try await next(request, context)
    }

    /// The caller behind the request's key, or `unauthorized`.
    static func principal(_ request: Request, _ access: AccessService) async throws -> Principal {
        let key: String?
        if let header = request.headers[.authorization], let bearer = Self.bearerToken(header) {
            key = bearer
        } else {
            key = request.headers[Self.apiKeyField]
        }
        guard let key, !key.isEmpty else {
            throw PlatformError(.unauthorized, .unauthorized, "an API key is required (Authorization: Bearer mk_…)")
        }
        return try await access.authenticate(key)
    }

    static let apiKeyField = HTTPField.Name("X-API-Key")!

    /// The token of `Bearer <token>` (scheme case-insensitive, spaces and tabs around the token
    /// ignored), or nil for any other scheme. By hand: Foundation's `trimmingCharacters` was 2% of
    /// a tool call's CPU.
    static func bearerToken(_ header: String) -> String? {
        var utf8 = Substring(header).utf8
        let scheme = "bearer ".utf8
        guard utf8.count >= scheme.count, zip(utf8.prefix(scheme.count), scheme).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) else { return nil }
        utf8 = utf8.dropFirst(scheme.count)
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while let first = utf8.first, isSpace(first) { utf8 = utf8.dropFirst() }
        while let last = utf8.last, isSpace(last) { utf8 = utf8.dropLast() }
        return String(Substring(utf8))
    }
}
