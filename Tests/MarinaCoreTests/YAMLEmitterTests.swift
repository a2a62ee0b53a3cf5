import MarinaCore
import Testing

/// What `marina manifest convert` prints must read back as the same manifest (found by fuzzing,
/// docs/fuzzing.md: `command: ["\L\ne"]` converted to YAML read back as `[" e"]`).
@Suite("YAML emitter")
struct YAMLEmitterTests {
    @Test(
        "strings holding characters YAML refuses raw, or reads as line breaks, read back the same",
        arguments: [
            "\u{2028} e", "a\u{2029}b", "x\u{85}y", "del\u{7F}", "c1\u{80}\u{9F}", "bom\u{FEFF}", "\u{FFFE}\u{FFFF}", "nul\u{0}and\u{1B}esc",
            "tab\tcr\r\nlf", "quote \" backslash \\", "plain é 😀",
        ])
    func roundTrip(text: String) throws {
        let value: JSONValue = .object(JSONObject([("key \(text)", .string(text)), ("list", .array([.string(text)]))]))
        #expect(try YAMLComposer.compose(Array(YAMLEmitter.emit(value).utf8)) == value)
    }

    @Test("the manifest the fuzzer found converts to YAML that reads back as the same manifest")
    func convertedManifest() throws {
        let report = ManifestLoader.load(
            text: "apiVersion: marina/v1\napp:\n  id: a-b\n  name: X\n  version: 2.0.1\nruntime:\n command: [\"\\L\ne\"]", fileName: "marina.app.yaml"
        )
        let native = try #require(report.native)
        #expect(report.manifest?.runtime.command == ["\u{2028} e"])
        let again = ManifestLoader.load(text: YAMLEmitter.emit(native), fileName: "marina.app.yaml")
        #expect(again.canonicalJSON == report.canonicalJSON)
    }
}
