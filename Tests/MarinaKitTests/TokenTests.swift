import Foundation
import MarinaCore
import Synchronization
import Testing

@testable import MarinaKit

@Suite struct TokenTests {
    let issuer = TestIssuer()
    let now = 1_800_000_000.0

    func verifier(fetch: InvocationTokenVerifier.Fetch? = nil, jwks: JSONValue? = nil, installId: String? = "ins_1") -> InvocationTokenVerifier {
        InvocationTokenVerifier(
            jwks: jwks ?? issuer.jwks, installId: installId, tenant: "acme", app: "kit-probe",
            marinaURL: "http://platform", clock: { [now] in now }, fetch: fetch)
    }

    func refusal(_ token: String, _ v: InvocationTokenVerifier? = nil) async -> String? {
        do { _ = try await (v ?? verifier()).verify(token); return nil } catch { return error.message }
    }

    @Test func aPlatformTokenIsAccepted() async throws {
        let claims = try await verifier().verify(issuer.token(now: now))
        #expect(claims["jti"]?.stringValue == "req_1")
    }

    @Test func everyBrokenRuleIsRefusedWithItsReason() async {
        let t = issuer
        #expect(await refusal("not.a.token") == "malformed token")
        #expect(await refusal(t.token({ $0["aud"] = "ins_2" }, now: now)) == "the token is meant for another install")
        #expect(await refusal(t.token({ $0["tenant"] = "globex" }, now: now)) == "the token is meant for another tenant")
        #expect(await refusal(t.token({ $0["app"] = "other" }, now: now)) == "the token is meant for another app")
        #expect(await refusal(t.token({ $0["typ"] = "app" }, now: now)) == "not an invocation token")
        #expect(await refusal(t.token(now: now - 91)) == "the token has expired")
        #expect(await refusal(t.token(now: now + 31)) == "the token is issued in the future")
        #expect(await refusal(t.token({ $0["exp"] = .number(now + 61) }, now: now)) == "the token lives longer than 60 s")
        #expect(await refusal(t.token(header: ["alg": "none", "kid": "test-key"], now: now)) == "the token is not signed with EdDSA")
        let good = t.token(now: now)
        var tampered = Array(good.utf8)
        tampered[good.utf8.count / 2] = tampered[good.utf8.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(await refusal(String(decoding: tampered, as: UTF8.self)) != nil)
        let forged = TestIssuer().token(now: now)
        #expect(await refusal(forged) == "the token's signature does not verify")
    }

    @Test func withoutAnInstallIdOrKeysEveryTokenIsRefused() async {
        #expect(await refusal(issuer.token(now: now), verifier(installId: nil)) == "the token is meant for another install")
        #expect(await refusal(issuer.token(now: now), verifier(jwks: ["keys": []])) == "the token is signed with an unknown key")
    }

    @Test func anUnknownKidFetchesThePlatformKeysAtMostOnceAMinute() async throws {
        let rotated = TestIssuer(kid: "rotated-key")
        let fetches = Mutex(0)
        let v = verifier(
            fetch: { url in
                #expect(url == "http://platform")
                fetches.withLock { $0 += 1 }
                return rotated.jwks
            }, jwks: ["keys": []])
        _ = try await v.verify(rotated.token(now: now))
        #expect(await refusal(issuer.token(now: now), v) == "the token is signed with an unknown key")
        _ = try await v.verify(rotated.token(now: now))
        #expect(fetches.withLock { $0 } == 1)
    }
}
