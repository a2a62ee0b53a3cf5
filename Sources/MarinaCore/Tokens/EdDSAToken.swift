import Crypto
import Foundation

/// Marina's tokens as JSON Web Signatures in compact form: `header.claims.signature`, each
/// base64url, signed with Ed25519 (`alg: EdDSA`) by a key named in the header (`kid`). The one
/// place that writes and reads them: the vault signs (`TokenSigner`), the app gateway verifies app
/// tokens, and the Swift SDK verifies invocation tokens. What the claims must say is each
/// verifier's own rule; this checks the form and the signature.
public enum EdDSAToken {
    /// Why a token is refused before its claims are looked at.
    public enum Refusal: Error, Sendable, Equatable {
        /// Not three base64url parts, or a header or claims that are not a JSON object.
        case malformed
        /// Signed with something other than EdDSA.
        case notEdDSA
        /// The header names no key.
        case noKey
        /// The signature does not verify with the key the header names.
        case badSignature
    }

    /// A token read but not yet verified: the key it names, and what verifying it needs.
    public struct Parsed: Sendable {
        public var kid: String
        let claimBytes: [UInt8]
        let signingInput: [UInt8]
        let signature: [UInt8]

        /// The claims, once `key` is found to have signed them (the signature first: nothing of an
        /// unverified token is read).
        public func claims(verifiedBy key: Curve25519.Signing.PublicKey) throws(Refusal) -> JSONObject {
            guard key.isValidSignature(signature, for: signingInput) else { throw .badSignature }
            guard let claims = (try? JSONParser.parse(claimBytes))?.objectValue else { throw .malformed }
            return claims
        }
    }

    /// The encoded header of tokens signed by `kid` (computed once per key by the signer).
    public static func encodedHeader(kid: String) -> String {
        Base64URL.encode(Array(CanonicalJSON.string(["alg": "EdDSA", "typ": "JWT", "kid": .string(kid)]).utf8))
    }

    /// Signs `claims` under a header made by `encodedHeader(kid:)`.
    public static func sign(_ claims: JSONValue, encodedHeader: String, with key: Curve25519.Signing.PrivateKey) throws -> String {
        let input = encodedHeader + "." + Base64URL.encode(Array(CanonicalJSON.string(claims).utf8))
        let signature = try key.signature(for: Array(input.utf8))
        return input + "." + Base64URL.encode(Array(signature))
    }

    /// Reads a token's form: three base64url parts, a header that is EdDSA and names a key.
    public static func parse(_ token: String) throws(Refusal) -> Parsed {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])), let claimBytes = Base64URL.decode(String(parts[1])),
            let signature = Base64URL.decode(String(parts[2])), let header = try? JSONParser.parse(headerBytes), case .object = header
        else { throw .malformed }
        guard header["alg"]?.stringValue == "EdDSA" else { throw .notEdDSA }
        guard let kid = header["kid"]?.stringValue else { throw .noKey }
        return Parsed(kid: kid, claimBytes: claimBytes, signingInput: Array((parts[0] + "." + parts[1]).utf8), signature: signature)
    }
}

/// Ed25519 public keys as a JSON Web Key Set (RFC 7517, OKP keys of RFC 8037): what the platform
/// publishes (`/.well-known/jwks.json`, `MARINA_JWKS`) and what SDKs read.
public enum EdDSAKeySet {
    public static func document(_ keys: [(kid: String, key: Curve25519.Signing.PublicKey)]) -> JSONValue {
        .object(
            JSONObject([
                (
                    "keys",
                    .array(
                        keys.sorted { $0.kid < $1.kid }.map { entry in
                            [
                                "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": .string(entry.kid),
                                "x": .string(Base64URL.encode(Array(entry.key.rawRepresentation))),
                            ]
                        })
                )
            ]))
    }

    /// The Ed25519 keys of a JWK set, by `kid`; entries of other kinds are skipped.
    public static func keys(in jwks: JSONValue?) -> [String: Curve25519.Signing.PublicKey] {
        var keys: [String: Curve25519.Signing.PublicKey] = [:]
        for entry in jwks?["keys"]?.arrayValue ?? [] {
            guard entry["kty"]?.stringValue == "OKP", entry["crv"]?.stringValue == "Ed25519", let kid = entry["kid"]?.stringValue,
                let x = entry["x"]?.stringValue, let raw = Base64URL.decode(x), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
            else { continue }
            keys[kid] = key
        }
        return keys
    }
}
