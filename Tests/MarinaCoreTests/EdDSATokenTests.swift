import Crypto
import MarinaCore
import Testing

/// The one reader and writer of Marina's tokens, shared by the vault, the gateway and the SDK.
@Suite struct EdDSATokenTests {
    let key = Curve25519.Signing.PrivateKey()

    func token(_ claims: JSONValue = ["sub": "ins_1", "n": 1], kid: String = "k1") throws -> String {
        try EdDSAToken.sign(claims, encodedHeader: EdDSAToken.encodedHeader(kid: kid), with: key)
    }

    @Test func aSignedTokenReadsBackWithItsKeyOnly() throws {
        let parsed = try EdDSAToken.parse(try token())
        #expect(parsed.kid == "k1")
        #expect(try parsed.claims(verifiedBy: key.publicKey) == JSONObject([("n", 1), ("sub", "ins_1")]))
        #expect(throws: EdDSAToken.Refusal.badSignature) { try parsed.claims(verifiedBy: Curve25519.Signing.PrivateKey().publicKey) }
    }

    @Test func aChangedClaimOrAForeignHeaderIsRefused() throws {
        let parts = try token().split(separator: ".").map(String.init)
        let forged = parts[0] + "." + Base64URL.encode(Array(#"{"sub":"ins_2","n":1}"#.utf8)) + "." + parts[2]
        #expect(throws: EdDSAToken.Refusal.badSignature) { try EdDSAToken.parse(forged).claims(verifiedBy: key.publicKey) }
        let hs256 = Base64URL.encode(Array(#"{"alg":"HS256","kid":"k1"}"#.utf8)) + "." + parts[1] + "." + parts[2]
        #expect(throws: EdDSAToken.Refusal.notEdDSA) { try EdDSAToken.parse(hs256) }
        let none = Base64URL.encode(Array(#"{"alg":"EdDSA"}"#.utf8)) + "." + parts[1] + "." + parts[2]
        #expect(throws: EdDSAToken.Refusal.noKey) { try EdDSAToken.parse(none) }
        for malformed in ["", "a.b", parts[0] + "." + parts[1], parts.joined(separator: ".") + ".x", "!!." + parts[1] + "." + parts[2]] {
            #expect(throws: EdDSAToken.Refusal.malformed) { try EdDSAToken.parse(malformed) }
        }
    }

    @Test func aKeySetRoundTripsAndSkipsOtherKinds() throws {
        let other = Curve25519.Signing.PrivateKey().publicKey
        var document = EdDSAKeySet.document([("k2", other), ("k1", key.publicKey)])
        #expect(document["keys"]?.arrayValue?.compactMap { $0["kid"]?.stringValue } == ["k1", "k2"])
        if case .object(var object) = document, case .array(var keys)? = object["keys"] {
            keys.append(["kty": "RSA", "kid": "r1", "n": "AQAB"])
            object["keys"] = .array(keys)
            document = .object(object)
        }
        let read = EdDSAKeySet.keys(in: document)
        #expect(Set(read.keys) == ["k1", "k2"] && read["k1"]?.rawRepresentation == key.publicKey.rawRepresentation)
    }
}
