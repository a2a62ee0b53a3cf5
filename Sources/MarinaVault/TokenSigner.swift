import Crypto
import Foundation
import MarinaCore
import MarinaStore
import Synchronization

/// Ed25519-signed JSON Web Tokens (`EdDSAToken`) with a `kid`. The newest key signs; every key
/// that was ever published verifies until it is retired, and a token naming a `kid` that is not
/// known is refused outright (never tried against a default key).
///
/// The private keys live in the database, wrapped by the vault's master key, so that every
/// replica signs with the same keys.
public actor TokenSigner {
    struct Key {
        var kid: String
        var privateKey: Curve25519.Signing.PrivateKey?
        var publicKey: Curve25519.Signing.PublicKey
    }

    let store: Store
    let vault: Vault
    let repository = InstallRepository()
    private var keys: [String: Key] = [:]
    private var signingKid: String? {
        didSet { signing.withLock { $0 = signingKid.flatMap { kid in keys[kid]?.privateKey.map { Signing(kid: kid, key: $0) } } } }
    }
    private var lastReload: Int64 = 0

    /// The newest key with its encoded JWT header, outside the actor: every tool call signs a
    /// token, and concurrent calls need not queue for one another to do it.
    struct Signing: Sendable {
        let kid: String
        let key: Curve25519.Signing.PrivateKey
        let encodedHeader: String
        init(kid: String, key: Curve25519.Signing.PrivateKey) {
            self.kid = kid
            self.key = key
            encodedHeader = EdDSAToken.encodedHeader(kid: kid)
        }
    }
    private nonisolated let signing = Mutex<Signing?>(nil)

    public init(store: Store, vault: Vault) {
        self.store = store
        self.vault = vault
    }

    /// Loads the keys, creating the first one when there is none.
    public func load(now: Int64) async throws {
        var records = try await store.read { db in try await self.repository.signingKeys(in: db) }
        if records.isEmpty {
            try await rotate(now: now)
            records = try await store.read { db in try await self.repository.signingKeys(in: db) }
        }
        keys = [:]
        for r in records {
            guard let publicData = Data(base64Encoded: r.publicKey), let pub = try? Curve25519.Signing.PublicKey(rawRepresentation: publicData) else {
                continue
            }
            let raw = try? await vault.unwrapSigningKey(r.privateKey, kid: r.kid)
            let priv = raw.flatMap { try? Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
            keys[r.kid] = Key(kid: r.kid, privateKey: r.retiredAt == nil ? priv : nil, publicKey: pub)
        }
        signingKid = records.filter { $0.retiredAt == nil }.last?.kid
    }

    /// Adds a new signing key; older keys keep verifying.
    @discardableResult
    public func rotate(now: Int64) async throws -> String {
        let key = Curve25519.Signing.PrivateKey()
        let kid = "k" + String(now, radix: 36) + Base64URL.encode(Array(SHA256.hash(data: key.publicKey.rawRepresentation).prefix(6)))
        let record = SigningKeyRecord(
            kid: kid, algorithm: "EdDSA", publicKey: key.publicKey.rawRepresentation.base64EncodedString(),
            privateKey: try await vault.wrapSigningKey(Array(key.rawRepresentation), kid: kid), createdAt: now, retiredAt: nil)
        try await store.transaction { db in try await self.repository.insert(record, in: db) }
        keys[kid] = Key(kid: kid, privateKey: key, publicKey: key.publicKey)
        signingKid = kid
        return kid
    }

    public nonisolated func sign(_ claims: JSONValue) throws -> String {
        guard let signing = signing.withLock({ $0 }) else { throw TokenError.noKey }
        return try EdDSAToken.sign(claims, encodedHeader: signing.encodedHeader, with: signing.key)
    }

    /// Like `verify`, but first reloads the keys (at most every 10 s) when the token names a key
    /// this process does not know yet: another replica may have rotated.
    public func verifyReloading(_ token: String, now: Int64) async throws -> JSONValue {
        do { return try verify(token) } catch TokenError.unknownKey where now - lastReload > 10_000 {
            lastReload = now
            try await load(now: now)
            return try verify(token)
        }
    }

    /// The verified claims of a token, or why it is refused. Time checks are the caller's.
    public func verify(_ token: String) throws -> JSONValue {
        let parsed: EdDSAToken.Parsed
        do { parsed = try EdDSAToken.parse(token) } catch { throw TokenError.malformed }
        guard let key = keys[parsed.kid] else { throw TokenError.unknownKey }
        do { return .object(try parsed.claims(verifiedBy: key.publicKey)) } catch {
            throw error == .badSignature ? TokenError.badSignature : TokenError.malformed
        }
    }

    /// The public keys as a JWK set (for apps and SDKs that verify tokens).
    public func jwks() -> JSONValue { EdDSAKeySet.document(keys.values.map { ($0.kid, $0.publicKey) }) }
}

public enum TokenError: Error, Sendable, Equatable {
    case noKey, malformed, unknownKey, badSignature
}
