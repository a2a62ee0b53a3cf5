import MarinaCore
import Testing

@Suite struct CanonicalJSONTests {
    /// Vectors from RFC 8785 appendix B and ECMAScript's Number::toString.
    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.5, "-1.5"), (100.0, "100"), (0.1, "0.1"),
        (1e21, "1e+21"), (1e20, "100000000000000000000"), (1e-7, "1e-7"), (0.000001, "0.000001"),
        (123456789012345680000.0, "123456789012345680000"), (Double.leastNonzeroMagnitude, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (9007199254740992.0, "9007199254740992"),
        (333333333.3333333, "333333333.3333333"), (1.5e300, "1.5e+300"), (2.5e-10, "2.5e-10"), (256.0, "256"),
        (1_764_950_400.0, "1764950400"), (-42.0, "-42"), (9007199254740991.0, "9007199254740991"), (-9007199254740993.0, "-9007199254740992"),
        (1e15, "1000000000000000"), (1e16, "10000000000000000"),
    ])
    func numbersAreWrittenAsECMAScriptWritesThem(value: Double, expected: String) {
        #expect(CanonicalJSON.formatNumber(value) == expected)
    }

    @Test func keysAreSortedByUTF16CodeUnitsAndWhitespaceIsDropped() throws {
        let value = try ManifestLoader.parseDocument(Array(#"{ "b": 1, "a": [true, null, "x"], "\u00e9": 2, "\ud83d\ude00": 3, "\uff21": 4 }"#.utf8))
        // U+1F600 is a surrogate pair (0xD83D …) and sorts before U+FF21 in UTF-16 order.
        #expect(CanonicalJSON.string(value) == "{\"a\":[true,null,\"x\"],\"b\":1,\"é\":2,\"😀\":3,\"Ａ\":4}")
    }

    @Test func stringsAreEscapedMinimally() {
        let s = JSONValue.string("quote\" back\\ nl\n tab\t ctl\u{01} slash/ é")
        #expect(CanonicalJSON.string(s) == #""quote\" back\\ nl\n tab\t ctl\u0001 slash/ é""#)
    }

    @Test func hashIsSHA256OfTheCanonicalBytes() {
        #expect(CanonicalJSON.hash(["a": 1]) == "sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862")
    }

    @Test func sameManifestInYAMLAndJSONWithKeysInAnyOrderHashesTheSame() throws {
        let yaml = load(minimalNative, fileName: "marina.app.yaml")
        let json = load(
            #"{"runtime": {"command": ["python3", "server.py"]}, "app": {"version": "1.0.0", "name": "Hello", "id": "hello-app"}, "apiVersion": "marina/v1"}"#,
            fileName: "marina.app.json")
        #expect(yaml.isValid && json.isValid)
        #expect(yaml.hash == json.hash)
        #expect(yaml.hash?.hasPrefix("sha256:") == true)
    }

    @Test func writingADefaultOutGivesTheSameHash() {
        let implicit = load(minimalNative)
        let explicit = load(minimalNative + "\n  port: 8080\n  idle_timeout_s: 900\nscopes: []\n")
        #expect(implicit.hash != nil && implicit.hash == explicit.hash)
        let different = load(minimalNative + "\n  port: 8081\n")
        #expect(different.hash != implicit.hash)
    }
}
