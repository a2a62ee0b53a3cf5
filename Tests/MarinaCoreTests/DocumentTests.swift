import MarinaCore
import Testing

/// Hostile and malformed input ends in a clear error, never a crash or a hang.
@Suite(.timeLimit(.minutes(1))) struct DocumentTests {
    func code(_ bytes: [UInt8], _ fileName: String? = "m.yaml") -> String? {
        ManifestLoader.load(bytes: bytes, fileName: fileName).diagnostics.first?.code.rawValue
    }

    @Test func aTenMegabyteManifestIsRefusedWithoutBeingParsed() {
        let big = Array((minimalNative + "\n" + String(repeating: "# padding line\n", count: 700_000)).utf8)
        #expect(big.count > 10_000_000)
        #expect(code(big) == "document_too_large")
        #expect(code(big, "m.json") == "document_too_large")
    }

    @Test func deepFlowNestingIsRefused() {
        #expect(code(Array((String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)).utf8)) == "nesting_too_deep")
        #expect(code(Array((String(repeating: "[", count: 200_000)).utf8), "m.json") == "nesting_too_deep")
    }

    @Test func deepBlockNestingIsRefused() {
        var yaml = ""
        for i in 0..<100 { yaml += String(repeating: " ", count: i) + "k\(i):\n" }
        #expect(code(Array(yaml.utf8)) == "nesting_too_deep")
        #expect(code(Array(String(repeating: "- ", count: 5000).utf8)) == "nesting_too_deep")
    }

    @Test func aliasBombsAreRefused() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...12 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        #expect(code(Array(yaml.utf8)) == "document_too_large")
    }

    @Test func modestAnchorsAndAliasesAreAccepted() {
        let yaml = """
            apiVersion: marina/v1
            app: {id: hello-app, name: Hello, version: 1.0.0}
            tools:
              - {name: a, input_schema: &schema {type: object, properties: {text: {type: string}}}}
              - {name: b, input_schema: *schema}
            """
        let report = load(yaml)
        #expect(report.isValid, "\(report.diagnostics)")
        #expect(report.manifest?.tools[0].inputSchema == report.manifest?.tools[1].inputSchema)
    }

    @Test func binaryGarbageAndInvalidUTF8AreEncodingErrors() {
        var rng = SystemRandomNumberGenerator()
        let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(code(garbage) == "invalid_encoding")
        #expect(code([0x61, 0x3A, 0x20, 0xC3, 0x28]) == "invalid_encoding")
        #expect(code([0x61, 0x3A, 0x20, 0x00]) == "invalid_encoding")
    }

    @Test func duplicateKeysAreRefusedInYAMLAndJSON() {
        let yaml = load("apiVersion: marina/v1\napp: {id: hello-app, name: A, name: B, version: 1.0.0}\n")
        #expect(problems(yaml) == ["duplicate_key /app/name"])
        let json = load(#"{"apiVersion": "marina/v1", "apiVersion": "marina/v1"}"#, fileName: "x.json")
        #expect(problems(json) == ["duplicate_key /apiVersion"])
    }

    @Test func numbersWhereStringsBelongAreTypeErrors() {
        let report = load("apiVersion: marina/v1\napp: {id: hello-app, name: 42, version: 1.0}\n")
        #expect(Set(problems(report)) == ["invalid_type /app/name", "invalid_type /app/version"])
        #expect(report.diagnostics.allSatisfy { $0.message.contains("quote") })
    }

    @Test func yamlIsReadWithTheCoreSchema() throws {
        let value = try ManifestLoader.parseDocument(Array("a: no\nb: yes\nc: 1.0\nd: 0x1F\ne: ~\nf: '8080'\ng: 1.4.0\nh: True\ni: .5\n".utf8))
        #expect(value == ["a": "no", "b": "yes", "c": 1, "d": 31, "e": nil, "f": "8080", "g": "1.4.0", "h": true, "i": 0.5])
    }

    @Test func unusualButBrokenDocumentsSayWhatIsWrong() {
        #expect(code(Array("a: 1\n---\nb: 2\n".utf8)) == "invalid_syntax")
        #expect(code(Array("".utf8)) == "empty_document")
        #expect(code(Array("   \n".utf8), "m.json") == "empty_document")
        #expect(code(Array("a: !!python/object:os.system x\n".utf8)) == "invalid_syntax")
        #expect(code(Array("a: [1, 2\n".utf8)) == "invalid_syntax")
        #expect(code(Array(#"{"a": 1,}"#.utf8), "m.json") == "invalid_syntax")
        #expect(code(Array("- 1\n- 2\n".utf8)) == "invalid_type")
        #expect(code(Array("a: .inf\n".utf8)) == "invalid_value")
        #expect(code(Array("[*nope]".utf8)) == "invalid_syntax")
    }

    @Test func syntaxErrorsNameLineAndColumn() {
        let report = load("apiVersion: marina/v1\napp:\n  id: x\n   name: y\n")
        #expect(report.diagnostics.first?.code == .invalidSyntax)
        #expect(report.diagnostics.first?.message.contains("line 4") == true)
    }
}
