import Foundation
import MarinaCore
import Testing

@Suite struct HexTests {
    @Test func hexAndBase64URLAgreeWithFoundationForEveryLength() {
        var rng = SystemRandomNumberGenerator()
        for count in 0..<70 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(Hex.string(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
            // A plain sequence takes the element-by-element path; both spell the same text.
            #expect(Hex.string(bytes.lazy.map { $0 }) == Hex.string(bytes))
            let foundation = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == foundation)
            #expect(Base64URL.decode(foundation) == bytes)
        }
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("ab+c") == nil)
    }
}
