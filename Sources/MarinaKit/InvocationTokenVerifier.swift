import Crypto
import Foundation
import MarinaCore
import Synchronization

/// Checks the invocation tokens the platform sends with every request (docs/app-contract.md,
/// "Invocation tokens"): EdDSA, a known `kid` (one refetch of the platform's JWKS per minute on an
/// unknown one), the signature, `typ` invocation, audience = this install, this tenant and app,
/// `exp`/`iat` within 30 s of skew and at most 60 s apart. Without an install id or keys it
/// refuses every token (fails closed).
public final class InvocationTokenVerifier: Sendable {
    public typealias Fetch = @Sendable (String) async throws -> JSONValue
    static let clockSkew: Double = 30
    static let maxLifetime: Double = 60
    static let refetchInterval: Double = 60

    private struct State {
        var keys: [String: Curve25519.Signing.PublicKey]
        var lastFetch: Double?
    }

    private let state: Mutex<State>
    let installId: String?
    let tenant: String?
    let app: String?
    let marinaURL: String?
    let clock: @Sendable () -> Double
    let fetch: Fetch?

    public init(
        jwks: JSONValue?, installId: String?, tenant: String?, app: String?, marinaURL: String? = nil,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }, fetch: Fetch? = nil
    ) {
        state = Mutex(State(keys: EdDSAKeySet.keys(in: jwks), lastFetch: nil))
        self.installId = installId
        self.tenant = tenant
        self.app = app
        self.marinaURL = marinaURL
        self.clock = clock
        self.fetch = fetch
    }

    /// The verifier of an instance: `MARINA_JWKS`, `MARINA_INSTALL_ID`, `MARINA_TENANT`, `MARINA_APP`, `MARINA_URL`.
    public convenience init(environment: [String: String], fetch: Fetch? = nil) {
        let jwks = environment["MARINA_JWKS"].flatMap { try? JSONParser.parse(Array($0.utf8)) }
        self.init(
            jwks: jwks, installId: environment["MARINA_INSTALL_ID"], tenant: environment["MARINA_TENANT"],
            app: environment["MARINA_APP"], marinaURL: environment["MARINA_URL"], fetch: fetch)
    }

    /// The token's claims, or `invalidToken` saying why it is refused.
    public func verify(_ token: String) async throws(MarinaKitError) -> JSONObject {
        func refuse(_ why: String) -> MarinaKitError { MarinaKitError(.invalidToken, why) }
        let parsed: EdDSAToken.Parsed
        do throws(EdDSAToken.Refusal) { parsed = try EdDSAToken.parse(token) } catch {
            switch error {
            case .notEdDSA: throw refuse("the token is not signed with EdDSA")
            case .noKey: throw refuse("the token names no key")
            case .malformed, .badSignature: throw refuse("malformed token")
            }
        }
        guard let key = await key(parsed.kid) else { throw refuse("the token is signed with an unknown key") }
        let claims: JSONObject
        do throws(EdDSAToken.Refusal) { claims = try parsed.claims(verifiedBy: key) } catch {
            throw refuse(error == .badSignature ? "the token's signature does not verify" : "malformed token")
        }
        guard claims["typ"]?.stringValue == "invocation" else { throw refuse("not an invocation token") }
        guard let installId, claims["aud"]?.stringValue == installId else { throw refuse("the token is meant for another install") }
        guard let tenant, claims["tenant"]?.stringValue == tenant else { throw refuse("the token is meant for another tenant") }
        guard let app, claims["app"]?.stringValue == app else { throw refuse("the token is meant for another app") }
        guard let exp = claims["exp"]?.numberValue, let iat = claims["iat"]?.numberValue else { throw refuse("the token has no valid exp and iat") }
        let now = clock()
        guard exp > now - Self.clockSkew else { throw refuse("the token has expired") }
        guard iat <= now + Self.clockSkew else { throw refuse("the token is issued in the future") }
        guard exp - iat <= Self.maxLifetime else { throw refuse("the token lives longer than 60 s") }
        return claims
    }

    private func key(_ kid: String) async -> Curve25519.Signing.PublicKey? {
        if let key = state.withLock({ $0.keys[kid] }) { return key }
        guard let fetch, let marinaURL else { return nil }
        let now = clock()
        let due = state.withLock { state -> Bool in
            if let last = state.lastFetch, now - last < Self.refetchInterval { return false }
            state.lastFetch = now
            return true
        }
        guard due, let fetched = try? await fetch(marinaURL) else { return nil }
        let keys = EdDSAKeySet.keys(in: fetched)
        return state.withLock { state in
            state.keys.merge(keys) { _, new in new }
            return state.keys[kid]
        }
    }
}
