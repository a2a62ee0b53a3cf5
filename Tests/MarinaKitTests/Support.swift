import Crypto
import Foundation
import MarinaCore

@testable import MarinaKit

let fixtureManifest = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/marina.app.yaml").path

/// Mints invocation tokens the way the platform does, with a key of the test's own.
struct TestIssuer {
    let key = Curve25519.Signing.PrivateKey()
    var kid = "test-key"

    var jwks: JSONValue {
        [
            "keys": [
                [
                    "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": .string(kid),
                    "x": .string(Base64URL.encode(Array(key.publicKey.rawRepresentation))),
                ]
            ]
        ]
    }

    var environment: [String: String] {
        [
            "MARINA_JWKS": CanonicalJSON.string(jwks), "MARINA_INSTALL_ID": "ins_1", "MARINA_TENANT": "acme", "MARINA_APP": "kit-probe",
            "MARINA_VERSION": "2.1.0",
        ]
    }

    func token(_ change: (inout JSONObject) -> Void = { _ in }, header: JSONValue? = nil, now: Double = Date().timeIntervalSince1970) -> String {
        var claims = JSONObject([
            ("iss", "http://marina"), ("sub", "marina"), ("aud", "ins_1"), ("tenant", "acme"), ("app", "kit-probe"),
            ("version", "2.1.0"), ("iat", .number(now.rounded(.down))), ("exp", .number(now.rounded(.down) + 60)),
            ("jti", "req_1"), ("typ", "invocation"),
        ])
        change(&claims)
        let head = header ?? ["alg": "EdDSA", "typ": "JWT", "kid": .string(kid)]
        let input = Base64URL.encode(CanonicalJSON.bytes(head)) + "." + Base64URL.encode(CanonicalJSON.bytes(.object(claims)))
        return input + "." + Base64URL.encode(Array(try! key.signature(for: Array(input.utf8))))
    }
}

func json(_ response: AppResponse) -> JSONValue { (try? JSONParser.parse(response.body)) ?? .null }
