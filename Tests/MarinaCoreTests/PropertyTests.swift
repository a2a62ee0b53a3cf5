import Foundation
import MarinaCore
import PropertyBased
import Testing

/// Random manifests, built from a seed the property checker chooses.
enum RandomManifest {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func make(seed: Int) -> JSONValue {
        var rng = SplitMix(state: UInt64(bitPattern: Int64(seed)))
        func word() -> String {
            String((0..<Int.random(in: 3...10, using: &rng)).map { _ in "abcdefghijklmnopqrstuvwxyz".randomElement(using: &rng)! })
        }
        let scopes = Array(ScopeCatalog.default.scopes.map(\.name).shuffled(using: &rng).prefix(Int.random(in: 0...5, using: &rng)))
        var tools: [JSONValue] = []
        for i in 0..<Int.random(in: 0...4, using: &rng) {
            var props = JSONObject()
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                props[word()] = ["type": .string(["string", "integer", "boolean"].randomElement(using: &rng)!)]
            }
            tools.append(
                .object(
                    JSONObject([
                        ("name", .string("t\(i)_" + word())),
                        ("description", .string(word() + " \"quoted\" ü " + word())),
                        ("input_schema", ["type": "object", "properties": .object(props)]),
                        ("scopes", .array(scopes.filter { _ in Bool.random(using: &rng) }.map(JSONValue.string))),
                        ("timeout_s", .number(Double(Int.random(in: 1...900, using: &rng)))),
                        ("agent_visible", .bool(Bool.random(using: &rng))),
                    ])))
        }
        return .object(
            JSONObject([
                ("apiVersion", "marina/v1"),
                (
                    "app",
                    .object(
                        JSONObject([
                            ("id", .string("a" + word())), ("name", .string(word().capitalized + ": yes")),
                            (
                                "version",
                                .string(
                                    "\(Int.random(in: 0...20, using: &rng)).\(Int.random(in: 0...20, using: &rng)).\(Int.random(in: 0...20, using: &rng))"
                                )
                            ),
                            ("forkable", .string(["yes", "no", "restricted"].randomElement(using: &rng)!)),
                        ]))
                ),
                (
                    "runtime",
                    .object(
                        JSONObject([
                            ("command", ["python3", .string(word() + ".py")]),
                            ("port", .number(Double(Int.random(in: 1024...65535, using: &rng)))),
                            (
                                "resources",
                                [
                                    "memory_mb": .number(Double(Int.random(in: 64...4096, using: &rng))),
                                    "cpu_cores": .number(Double(Int.random(in: 1...40, using: &rng)) / 10),
                                ]
                            ),
                            (
                                "env",
                                .object(
                                    JSONObject([
                                        ("MODE", .string(["no", "on", "1.0", "~", "a: b", "#x"].randomElement(using: &rng)!)),
                                        ("KEY", "${secret:API_KEY}"),
                                    ]))
                            ),
                        ]))
                ),
                ("network", ["egress_hosts": .array((0..<Int.random(in: 0...3, using: &rng)).map { i in .string("h\(i).\(word()).example") })]),
                ("scopes", .array(scopes.map(JSONValue.string))),
                ("tools", .array(tools)),
                ("events", .array(["install", "uninstall", "inbound", "user_added"].filter { _ in Bool.random(using: &rng) }.map(JSONValue.string))),
                (
                    "schedules",
                    .array(
                        (0..<Int.random(in: 0...2, using: &rng)).map { i in
                            ["name": .string("s\(i)"), "cron": .string("\(Int.random(in: 0...59, using: &rng)) */2 * * *")]
                        })
                ),
            ]))
    }

    /// The same value with every object's keys in a random order.
    static func shuffled(_ value: JSONValue, seed: Int) -> JSONValue {
        var rng = SplitMix(state: UInt64(bitPattern: Int64(seed)) ^ 0xABCDEF)
        func go(_ v: JSONValue) -> JSONValue {
            switch v {
            case .object(let o): return .object(JSONObject(o.pairs.shuffled(using: &rng).map { ($0.key, go($0.value)) }))
            case .array(let a): return .array(a.map(go))
            default: return v
            }
        }
        return go(value)
    }
}

@Suite struct PropertyTests {
    @Test func hashIsStableUnderKeyReorderingAndYAMLJSONRoundTrips() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int.max)) { seed in
            let doc = RandomManifest.make(seed: seed)
            let base = ManifestLoader.load(document: doc)
            #expect(base.isValid, "seed \(seed): \(base.diagnostics)")
            let reordered = ManifestLoader.load(document: RandomManifest.shuffled(doc, seed: seed))
            let asYAML = ManifestLoader.load(text: YAMLEmitter.emit(RandomManifest.shuffled(doc, seed: seed &+ 1)), fileName: "m.yaml")
            let asJSON = ManifestLoader.load(text: RandomManifest.shuffled(doc, seed: seed &+ 2).prettyPrinted(), fileName: "m.json")
            #expect(base.hash != nil)
            #expect(reordered.hash == base.hash)
            #expect(asYAML.hash == base.hash, "seed \(seed): \(asYAML.diagnostics)")
            #expect(asJSON.hash == base.hash)
        }
    }

    @Test func decodingWhatWasEncodedGivesTheSameManifest() async throws {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int.max)) { seed in
            let report = ManifestLoader.load(document: RandomManifest.make(seed: seed))
            guard let manifest = report.manifest, let native = report.native else {
                Issue.record("seed \(seed) invalid: \(report.diagnostics)")
                return
            }
            let encoded = try! JSONEncoder().encode(manifest)
            let again = ManifestLoader.load(bytes: Array(encoded), fileName: "m.json")
            #expect(again.manifest == manifest)
            #expect(again.native == native)
            // The native YAML that `manifest convert` prints reads back to the same manifest.
            #expect(ManifestLoader.load(text: YAMLEmitter.emit(native), fileName: "m.yaml").manifest == manifest)
        }
    }
}
