import MarinaCore
import Testing

@Suite struct SemanticVersionTests {
    @Test(arguments: [
        "1.0.0", "0.0.1", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0-x.7.z.92", "1.0.0+20130313144700",
        "1.0.0-beta+exp.sha.5114f85",
    ])
    func valid(_ text: String) {
        #expect(SemanticVersion(text)?.description == text)
    }

    @Test(arguments: ["1", "1.0", "v1.0.0", "01.0.0", "1.01.0", "1.0.0-", "1.0.0-01", "1.0.0+", "1.0.0-a..b", "1.0.0 ", "", "1.0.0-é"])
    func invalid(_ text: String) {
        #expect(SemanticVersion(text) == nil)
    }

    @Test func precedenceFollowsSemver() {
        let ordered = [
            "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1",
            "1.1.0", "2.0.0",
        ]
        let versions = ordered.map { SemanticVersion($0)! }
        for i in versions.indices.dropLast() { #expect(versions[i] < versions[i + 1], "\(ordered[i]) < \(ordered[i + 1])") }
        #expect(SemanticVersion("1.0.0+a")!.hasSamePrecedence(as: SemanticVersion("1.0.0+b")!))
    }
}
