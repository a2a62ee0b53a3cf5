import MarinaCore
import Testing

@Suite struct AuditRedactionTests {
    @Test func sensitiveFieldsAreMaskedAtAnyDepthWhateverTheirCase() {
        let input: JSONValue = [
            "user": "ada", "Password": "hunter2", "nested": ["api_key": "k-123", "list": [["AccessToken": "t-456", "note": "keep"]]],
            "Authorization": "Bearer x", "client_secret": ["deep": "s-789"], "count": 3,
        ]
        let summary = AuditRedaction.summary(input)
        for secret in ["hunter2", "k-123", "t-456", "Bearer x", "s-789"] { #expect(!summary.contains(secret), "\(secret)") }
        for kept in ["ada", "keep", "\"count\":3"] { #expect(summary.contains(kept), "\(kept)") }
        #expect(summary.contains(AuditRedaction.mask))
    }

    @Test func longValuesAndLongSummariesAreCut() {
        let long = String(repeating: "é", count: 500)
        #expect(AuditRedaction.summary(["text": .string(long)]).unicodeScalars.count < 260)
        let wide: JSONValue = .array((0..<500).map { .string("item-\($0)") })
        let summary = AuditRedaction.summary(wide, limit: 300)
        #expect(summary.utf8.count <= 300 && summary.hasSuffix("…"))
        #expect(AuditRedaction.summary(nil) == "")
    }
}
