import Foundation
import MarinaCore
import MarinaStore
import MarinaVault

/// Who an app token speaks for: checks the signature (reloading the keys once for an unknown
/// one), the claims and their times, and that the install still stands as the token says — not
/// uninstalled, the same tenant, app, version and token generation — and returns the caller with
/// its scopes as of now (declared ∩ granted). Refusals say why; the gateway audits them.
struct AppTokenVerifier: Sendable {
    let signer: TokenSigner
    let env: PlatformEnvironment
    let directory: InstallDirectory

    struct TokenRefusal: Error {
        var reason: String
        var actor = "app:unknown"
        var tenant: String?
        var app: String?
    }

    func verify(_ authorization: String?) async throws -> ToolGateway.Caller {
        guard let authorization, authorization.hasPrefix("Bearer ") else { throw TokenRefusal(reason: "no bearer token") }
        let token = String(authorization.dropFirst("Bearer ".count))
        let claims: JSONValue
        do { claims = try await signer.verifyReloading(token, now: env.millis) } catch let error as TokenError {
            switch error {
            case .unknownKey: throw TokenRefusal(reason: "signed by a key this platform does not know")
            case .badSignature: throw TokenRefusal(reason: "the signature does not verify")
            default: throw TokenRefusal(reason: "not a well-formed token")
            }
        }
        let now = env.now().timeIntervalSince1970
        guard claims["typ"]?.stringValue == "app" else { throw TokenRefusal(reason: "not an app token") }
        guard case .number(let iat)? = claims["iat"], case .number(let exp)? = claims["exp"] else {
            throw TokenRefusal(reason: "no issue or expiry time")
        }
        guard iat <= now + 30 else { throw TokenRefusal(reason: "issued in the future") }
        guard exp > now else { throw TokenRefusal(reason: "expired") }
        guard exp - iat <= 86_400 else { throw TokenRefusal(reason: "valid for longer than a day") }
        guard claims["aud"]?.stringValue == "marina", let installId = claims["sub"]?.stringValue, let tenantSlug = claims["tenant"]?.stringValue,
            let appSlug = claims["app"]?.stringValue, let versionText = claims["version"]?.stringValue, case .number(let generation)? = claims["gen"]
        else {
            throw TokenRefusal(reason: "the claims are incomplete")
        }
        let actor = "app:" + installId
        guard let (install, tenant, app, version) = try await directory.install(id: installId).map({ ($0.install, $0.tenant, $0.app, $0.version) })
        else {
            throw TokenRefusal(reason: "the install does not exist", actor: actor)
        }
        guard tenant.slug == tenantSlug, app.slug == appSlug else {
            throw TokenRefusal(reason: "the token's tenant or app is not its install's", actor: actor, tenant: tenant.slug, app: app.slug)
        }
        guard install.state.acceptsAppCalls else {
            throw TokenRefusal(reason: "revoked: the app is uninstalled", actor: actor, tenant: tenant.slug, app: app.slug)
        }
        guard Int64(generation) == install.tokenGeneration, version.version == versionText else {
            throw TokenRefusal(reason: "revoked: the install changed since the token was issued", actor: actor, tenant: tenant.slug, app: app.slug)
        }
        let manifest = try directory.compiled(version).manifest
        let granted = Set(install.granted)
        return ToolGateway.Caller(
            install: install, tenant: tenant, app: app, version: version, manifest: manifest,
            scopes: Set(manifest.scopes).intersection(granted), tokenId: claims["jti"]?.stringValue ?? "")
    }

}
