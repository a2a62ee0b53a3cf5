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
        state = Mutex(State(keys: Self.keys(of: jwks), lastFetch: nil))
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

    /// The Ed25519 keys of a JWK set, by `kid`; entries of other kinds are skipped.
    static func keys(of jwks: JSONValue?) -> [String: Curve25519.Signing.PublicKey] {
        var keys: [String: Curve25519.Signing.PublicKey] = [:]
        for entry in jwks?["keys"]?.arrayValue ?? [] {
            guard entry["kty"]?.stringValue == "OKP", entry["crv"]?.stringValue == "Ed25519",
                let kid = entry["kid"]?.stringValue, let x = entry["x"]?.stringValue,
                let raw = Base64URL.decode(x), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
            else { continue }
            keys[kid] = key
        }
        return keys
    }

    /// The token's claims, or `invalidToken` saying why it is refused.
    public func verify(_ token: String) async throws(MarinaKitError) -> JSONObject {
        func refuse(_ why: String) -> MarinaKitError { MarinaKitError(.invalidToken, why) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])), let claimBytes = Base64URL.decode(String(parts[1])),
            let signature = Base64URL.decode(String(parts[2])), let header = try? JSONParser.parse(headerBytes)
        else { throw refuse("malformed token") }
        guard header["alg"]?.stringValue == "EdDSA" else { throw refuse("the token is not signed with EdDSA") }
        guard let kid = header["kid"]?.stringValue else { throw refuse("the token names no key") }
        guard let key = await key(kid) else { throw refuse("the token is signed with an unknown key") }
        guard key.isValidSignature(signature, for: Array((parts[0] + "." + parts[1]).utf8)) else {
            throw refuse("the token's signature does not verify")
        }
        guard let claims = (try? JSONParser.parse(claimBytes))?.objectValue else { throw refuse("malformed token") }
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
        let keys = Self.keys(of: fetched)
        return state.withLock { state in
            state.keys.merge(keys) { _, new in new }
            return state.keys[kid]
        }
    }
}
