import HTTPTypes
import Hummingbird
import MarinaPlatform

/// Authenticates every API request by its key: `Authorization: Bearer mk_…` (or `X-API-Key`).
struct AuthMiddleware: RouterMiddleware {
    let access: AccessService

    func handle(_ request: Request, context: MarinaRequestContext, next: (Request, MarinaRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        let header = request.headers[.authorization]
        let key: String?
        if let header, header.lowercased().hasPrefix("bearer ") {
            key = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        } else {
            key = request.headers[HTTPField.Name("X-API-Key")!]
        }
        guard let key, !key.isEmpty else {
            throw PlatformError(.unauthorized, "unauthorized", "an API key is required (Authorization: Bearer mk_…)")
        }
        context.principal = try await access.authenticate(key)
        context.logger[metadataKey: "identity"] = .string(context.principal!.identityId)
        return try await next(request, context)
    }
}
