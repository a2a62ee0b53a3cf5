import Foundation
import MarinaCore
import PropertyBased
import Testing

/// The size of a document after YAML aliases are expanded is bounded by its text, not only by its
/// number of values: a short manifest that aliases a long string many times is refused where the
/// expansion passes the limit, before it is built, and the canonical form the platform stores is
/// bounded too.
@Suite(.timeLimit(.minutes(1))) struct ExpansionLimitTests {
    static let limits = DocumentLimits.default

    /// A valid manifest but for its size: a 4 KiB string, aliased 10 times in `a`, `a` 10 times in
    /// `b`, `b` 10 times in `c`, and `c` 10 times: 11,000 values (under the node limit) and 44 MB
    /// of text. Before text was counted it was accepted, and its canonical form was 44 MB.
    static func aliasedLongString() -> String {
        let long = String(repeating: "x", count: 4096)
        func list(_ alias: String) -> String { "[" + Array(repeating: "*" + alias, count: 10).joined(separator: ", ") + "]" }
        return """
            apiVersion: marina/v1
            app: {id: hello-app, name: Hello, version: 1.0.0}
            tools:
              - name: t
                input_schema:
                  type: object
                  examples:
                    - &s \(long)
                    - &a \(list("s"))
                    - &b \(list("a"))
                    - &c \(list("b"))
                    - \(list("c"))

            """
    }

    @Test func aLongStringAliasedManyTimesIsRefusedWhereTheTextRunsOut() throws {
        let report = load(Self.aliasedLongString(), fileName: "m.yaml")
        #expect(report.format == nil)
        // The text before `c` is 4,096 + 40,960 + 409,600 bytes (and the keys); each `*b` adds
        // 409,600, so the fifth one, `c`'s item 4, passes 2 MiB: the composer stops there, long
        // before the 44 MB the document would expand to.
        #expect(problems(report) == ["document_too_large /tools/0/input_schema/examples/3/4"])
        #expect(report.diagnostics[0].message.contains("\(Self.limits.maxTextBytes) bytes of text"))
        #expect(Self.limits.maxTextBytes == 2 << 20)
    }

    @Test func aLongKeyAliasedInManyMappingsCounts() {
        let long = String(repeating: "k", count: 4096)
        let yaml = "k: &k \(long)\nm: [" + Array(repeating: "{*k : 1}", count: 600).joined(separator: ", ") + "]\n"
        // 1 + 4,096 + 1 bytes, then 4,096 per mapping: the 511th (index 510) passes 2,097,152.
        let error = #expect(throws: DocumentError.self) { try ManifestLoader.parseDocument(Array(yaml.utf8), fileName: "m.yaml") }
        #expect(
            error
                == DocumentError(
                    .documentTooLarge, JSONPointer.root / "m" / 510,
                    "the document expands to more than 2097152 bytes of text (aliases count each time they are used)"))
    }

    @Test func anAliasedMappingCountsItsKeysToo() {
        let long = String(repeating: "k", count: 1000)
        // 1 kB of key in `m` (YAML's limit for a simple key is 1,024), `m` used 3,000 times:
        // 1,002 bytes before the list, 1,000 per alias: the 2,097th (index 2,096) passes 2 MiB.
        let yaml = "m: &m {\(long): 1}\nl: [" + Array(repeating: "*m", count: 3000).joined(separator: ", ") + "]\n"
        let error = #expect(throws: DocumentError.self) { try ManifestLoader.parseDocument(Array(yaml.utf8), fileName: "m.yaml") }
        #expect(error?.code == .documentTooLarge)
        #expect(error?.path == JSONPointer.root / "l" / 2096)
    }

    @Test func aDocumentWithoutAliasesCannotReachTheTextLimit() throws {
        // `\L` (U+2028) is the escape that grows most: 2 bytes written, 3 read. A document of
        // nearly 1 MiB of them is read in full.
        let body = "a: \"" + String(repeating: "\\L", count: ((1 << 20) - 10) / 2) + "\"\n"
        #expect(body.utf8.count <= 1 << 20)
        let value = try ManifestLoader.parseDocument(Array(body.utf8), fileName: "m.yaml")
        #expect(value["a"]?.stringValue?.utf8.count ?? 0 > 1_500_000)
    }

    /// 2,000 aliases of a string of 1,000 control characters: 2 MB of text, inside the limit,
    /// but canonical JSON writes each character as `\u0001`, 12 MB in all.
    @Test func aCanonicalFormOverTheLimitIsRefused() {
        let yaml = """
            apiVersion: marina/v1
            app: {id: hello-app, name: Hello, version: 1.0.0}
            tools:
              - name: t
                input_schema:
                  type: object
                  examples: [&s "\(String(repeating: "\\x01", count: 1000))", \(Array(repeating: "*s", count: 1999).joined(separator: ", "))]

            """
        let report = load(yaml, fileName: "m.yaml")
        #expect(report.format == .native)
        #expect(problems(report) == ["document_too_large "])
        #expect(report.hash == nil && report.canonicalJSON == nil)
        // The same document with fewer aliases is a valid manifest.
        let fewer = yaml.replacingOccurrences(of: Array(repeating: "*s", count: 1999).joined(separator: ", "), with: "*s, *s")
        #expect(load(fewer, fileName: "m.yaml").isValid)
    }

    /// JSON has no aliases; what an importer copies (OpenSail's primary container env goes to
    /// `runtime.env` and to `containers[0].env`) at most doubles it, well inside the bound.
    @Test func theLargestJSONManifestFitsTheCanonicalBound() throws {
        var env = JSONObject()
        for i in 0..<29 { env["V\(i)"] = .string(String(repeating: "v", count: 32_768)) }
        let document: JSONValue = [
            "manifest_schema_version": "2025-02",
            "app": ["id": "com.example.big", "name": "Big", "slug": "big-app", "version": "1.0.0"],
            "compatibility": ["studio": ["min": "3.0.0"], "manifest_schema": "2025-02", "runtime_api": "^1.0"],
            "surfaces": [], "state": ["model": "stateless"],
            "billing": ["ai_compute": ["payer": "creator"], "general_compute": ["payer": "platform"], "platform_fee": ["model": "free"]],
            "listing": ["visibility": "public"],
            "compute": ["containers": [["name": "web", "image": "registry.example.org/big:1", "primary": true, "env": .object(env)]]],
        ]
        let bytes = Array(CanonicalJSON.string(document).utf8)
        #expect(bytes.count > 950_000 && bytes.count <= 1 << 20)
        let report = ManifestLoader.load(bytes: bytes, fileName: "app.manifest.json")
        #expect(report.isValid, "\(report.diagnostics)")
        let canonical = try #require(report.canonicalJSON)
        #expect(canonical.utf8.count > 2 * 950_000 && canonical.utf8.count < Self.limits.maxCanonicalBytes)
        // Its canonical form is what an SDK serves at GET /manifest: the platform reads it back
        // under the canonical bound (a manifest file's 1 MiB would refuse it, and the app would
        // never become ready).
        #expect(!ManifestLoader.load(bytes: Array(canonical.utf8), fileName: "manifest.json").isValid)
        let served = ManifestLoader.load(bytes: Array(canonical.utf8), fileName: "manifest.json", limits: .canonicalForm)
        #expect(served.isValid && served.hash == report.hash, "\(served.diagnostics)")
    }

    @Test func byteCountIsTheLengthOfTheCanonicalString() async {
        let alphabet: [Unicode.Scalar] = ["a", "\"", "\\", "\n", "\t", "\u{01}", "\u{1F}", "\u{7F}", "é", "\u{2028}", "😀", " "]
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = RandomManifest.SplitMix(state: UInt64(seed))
            func text() -> String {
                var s = String.UnicodeScalarView()
                for _ in 0..<Int.random(in: 0...8, using: &rng) { s.append(alphabet.randomElement(using: &rng)!) }
                return String(s)
            }
            func value(_ depth: Int) -> JSONValue {
                switch Int.random(in: 0...(depth > 3 ? 3 : 5), using: &rng) {
                case 0: return .null
                case 1: return .bool(Bool.random(using: &rng))
                case 2: return .number([0, -1, 1e21, 0.1, 123456789, -2.5e-8].randomElement(using: &rng)!)
                case 3: return .string(text())
                case 4: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in value(depth + 1) })
                default: return .object(JSONObject((0..<Int.random(in: 0...4, using: &rng)).map { i in (text() + "\(i)", value(depth + 1)) }))
                }
            }
            let v = value(0)
            let length = CanonicalJSON.string(v).utf8.count
            #expect(CanonicalJSON.byteCount(v) == length)
            #expect(CanonicalJSON.byteCount(v, limit: length) == length)
            if length > 0 { #expect(CanonicalJSON.byteCount(v, limit: length - 1) > length - 1) }
        }
    }
}
