import Foundation
import MarinaCore
import Testing

/// Runs every case of `conformance/json-schema/cases.json`: groups of a schema and values, each
/// value with its verdict and, when invalid, the complete set of (path, keyword) violations. The
/// file is plain JSON so that the other SDKs can run the same cases.
@Suite struct JSONSchemaValidatorTests {
    struct Problem: Hashable, CustomStringConvertible {
        var path: String
        var keyword: String
        var description: String { "\(keyword) at \"\(path)\"" }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var group: String
        var description: String
        var schema: JSONValue
        var data: JSONValue
        var valid: Bool
        var errors: [JSONValue]
        var testDescription: String { "\(group): \(description)" }
    }

    static let file = "conformance/json-schema/cases.json"

    static func document() throws -> JSONValue {
        try ManifestLoader.parseDocument(Repo.bytes(file), fileName: "cases.json")
    }

    static func cases() throws -> [Case] {
        guard case .array(let groups) = try document() else { throw FixtureError("cases.json is not an array of groups") }
        var result: [Case] = []
        for group in groups {
            guard let name = group["description"]?.stringValue, let schema = group["schema"],
                let tests = group["tests"]?.arrayValue
            else { throw FixtureError("malformed group \(group)") }
            for test in tests {
                guard let description = test["description"]?.stringValue, let data = test["data"],
                    let valid = test["valid"]?.boolValue
                else { throw FixtureError("malformed test in \(name)") }
                result.append(
                    Case(
                        group: name, description: description, schema: schema, data: data, valid: valid,
                        errors: test["errors"]?.arrayValue ?? []))
            }
        }
        return result
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func thereAreAtLeastSixtyCasesWithBothVerdicts() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 60)
        #expect(cases.contains { $0.valid })
        #expect(cases.contains { !$0.valid })
        for c in cases {
            #expect(c.valid == c.errors.isEmpty, "\(c.testDescription): valid cases list no errors, invalid ones list them")
        }
    }

    @Test func everySupportedKeywordIsExercised() throws {
        var seen: Set<String> = []
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let o):
                for (k, sub) in o.pairs {
                    seen.insert(k)
                    walk(sub)
                }
            case .array(let a): a.forEach(walk)
            default: break
            }
        }
        var booleanSchemas = false
        for c in try Self.cases() {
            walk(c.schema)
            if case .bool = c.schema { booleanSchemas = true }
        }
        let keywords = [
            "type", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems",
            "maxItems", "uniqueItems", "enum", "const", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "minProperties",
            "maxProperties", "allOf", "anyOf", "oneOf", "not", "$ref", "$defs", "definitions",
        ]
        for keyword in keywords { #expect(seen.contains(keyword), "no case uses \(keyword)") }
        #expect(booleanSchemas)
    }

    @Test(arguments: try JSONSchemaValidatorTests.cases())
    func fixture(_ c: Case) throws {
        let validator = try JSONSchemaValidator(schema: c.schema)
        let violations = validator.validate(c.data)
        #expect(violations.isEmpty == c.valid, "verdict; violations: \(violations.map(\.description))")
        let actual = Set(violations.map { Problem(path: $0.path, keyword: $0.keyword) })
        let wanted = Set(c.errors.map { Problem(path: $0["path"]?.stringValue ?? "?", keyword: $0["keyword"]?.stringValue ?? "?") })
        #expect(
            actual == wanted,
            "unexpected: \(actual.subtracting(wanted)), missing: \(wanted.subtracting(actual)); messages: \(violations.map(\.description))")
        #expect(actual.count == violations.count, "a violation is reported twice: \(violations.map(\.description))")
        for v in violations { #expect(!v.message.isEmpty) }
    }

    // MARK: - Broken schemas

    static func schemaError(_ schema: JSONValue) -> JSONSchemaError? {
        do {
            _ = try JSONSchemaValidator(schema: schema)
            return nil
        } catch {
            return error
        }
    }

    @Test func anInvalidRegularExpressionIsASchemaError() throws {
        let error = try #require(Self.schemaError(["properties": ["code": ["type": "string", "pattern": "([a-z]"]]]))
        #expect(error.path == "/properties/code/pattern")
        #expect(error.message.contains("invalid regular expression"))
        // Unsupported syntax is refused at init, never at validation time.
        #expect(Self.schemaError(["pattern": "(?<=a)b"]) != nil)
        // A pattern in an unused definition is checked too.
        #expect(Self.schemaError(["$defs": ["unused": ["pattern": "["]]]) != nil)
    }

    /// Backreferences and lookaround need a backtracking matcher, which a hostile pattern turns
    /// into minutes of work per value: they are refused when the schema is compiled.
    @Test func aPatternThatNeedsBacktrackingIsASchemaError() throws {
        for source in ["^(a)\\1$", "(?<x>a)\\k<x>", "^(?=a)", "a(?!b)", "(?<=a)b"] {
            let error = try #require(Self.schemaError(["properties": ["code": ["pattern": .string(source)]]]), "\(source)")
            #expect(error.path == "/properties/code/pattern")
            #expect(error.message.contains("backtracking"), "\(error.message)")
        }
    }

    /// `^(a+)+$` on 20 characters took 68 s with a backtracking matcher and stalled the server's
    /// event loop; now it answers in steps linear in the string (the time limit only guards
    /// against a hang).
    @Test(.timeLimit(.minutes(1))) func aNestedQuantifierAnswersOnALongString() throws {
        let validator = try JSONSchemaValidator(schema: ["type": "string", "pattern": "^(a+)+$"])
        #expect(validator.validate(.string(String(repeating: "a", count: 30) + "!")).map(\.keyword) == ["pattern"])
        #expect(validator.validate(.string(String(repeating: "a", count: 100_000) + "!")).map(\.keyword) == ["pattern"])
        #expect(validator.isValid(.string(String(repeating: "a", count: 100_000))))
    }

    @Test func anUnresolvedReferenceIsASchemaError() throws {
        let error = try #require(Self.schemaError(["properties": ["a": ["$ref": "#/$defs/missing"]]]))
        #expect(error.path == "/properties/a/$ref")
        #expect(error.message.contains("#/$defs/missing"))
        #expect(Self.schemaError(["$ref": "https://example.com/other.json#/$defs/x"]) != nil)
        #expect(Self.schemaError(["$ref": "#anchor"]) != nil)
        #expect(Self.schemaError(["$ref": 3]) != nil)
        // A reference inside a referenced definition is resolved too.
        #expect(Self.schemaError(["$defs": ["a": ["$ref": "#/$defs/b"]], "$ref": "#/$defs/a"]) != nil)
    }

    static let malformed: [(String, JSONValue)] = [
        ("type", ["type": "str"]),
        ("type", ["type": []]),
        ("required", ["required": "name"]),
        ("required", ["required": ["a", 1]]),
        ("minLength", ["minLength": -1]),
        ("maxItems", ["maxItems": 1.5]),
        ("items", ["items": [["type": "string"]]]),
        ("exclusiveMinimum", ["exclusiveMinimum": true]),
        ("multipleOf", ["multipleOf": 0]),
        ("properties", ["properties": ["a": 1]]),
        ("anyOf", ["anyOf": []]),
        ("not", ["not": "string"]),
        ("schema", 42),
    ]

    @Test(arguments: JSONSchemaValidatorTests.malformed)
    func malformedKeywordsAreSchemaErrors(_ keyword: String, _ schema: JSONValue) {
        #expect(Self.schemaError(schema) != nil, "\(keyword): \(schema)")
    }

    @Test func aSchemaNestedTooDeeplyIsRefused() {
        var schema: JSONValue = ["type": "string"]
        for _ in 0..<100 { schema = ["not": schema] }
        #expect(Self.schemaError(schema)?.message.contains("deeper") == true)
    }

    // MARK: - Bounded work

    @Test func aDeepInstanceGivesAViolationNotACrash() throws {
        var value: JSONValue = 1
        for _ in 0..<1000 { value = .array([value]) }
        for schema: JSONValue in [["items": ["$ref": "#"]], true, ["type": "array"]] {
            let violations = try JSONSchemaValidator(schema: schema).validate(value)
            #expect(violations.count == 1)
            #expect(violations.first?.keyword == "depth")
            #expect(violations.first?.path == String(repeating: "/0", count: 64))
        }
        // 64 levels is the limit the parser also applies, and is accepted.
        var ok: JSONValue = 1
        for _ in 0..<64 { ok = .array([ok]) }
        #expect(try JSONSchemaValidator(schema: ["items": ["$ref": "#"]]).validate(ok).isEmpty)
        // Six subschemas per level of the value: the recursion stops at 256, with a violation.
        let heavy: JSONValue = ["$defs": ["n": ["allOf": [["anyOf": [["not": ["not": ["items": ["$ref": "#/$defs/n"]]]]]]]]], "$ref": "#/$defs/n"]
        #expect(try JSONSchemaValidator(schema: heavy).validate(ok).map(\.keyword) == ["depth"])
    }

    @Test func aReferenceCycleThatNeverMovesIntoTheValueStops() throws {
        let cycle: JSONValue = ["$defs": ["a": ["$ref": "#/$defs/b"], "b": ["$ref": "#/$defs/a"]], "$ref": "#/$defs/a"]
        let violations = try JSONSchemaValidator(schema: cycle).validate(1)
        #expect(violations.map(\.keyword) == ["$ref"])
        // A paradox ("not myself") must not be reported valid.
        #expect(try JSONSchemaValidator(schema: ["not": ["$ref": "#"]]).validate("x").map(\.keyword) == ["$ref"])
    }

    @Test func anExponentialSchemaHitsTheStepBudget() throws {
        // d0 → anyOf [d1, d1], d1 → anyOf [d2, d2], …, d40 = false: 2^40 paths without a budget.
        var defs = JSONObject()
        for i in 0..<40 {
            let next: JSONValue = ["$ref": .string("#/$defs/d\(i + 1)")]
            defs["d\(i)"] = ["anyOf": [next, next]]
        }
        defs["d40"] = false
        let schema: JSONValue = ["$defs": .object(defs), "$ref": "#/$defs/d0"]
        let violations = try JSONSchemaValidator(schema: schema, stepBudget: 20_000).validate(1)
        #expect(violations.last?.keyword == "limit")
        #expect(violations.last?.message.contains("20000 steps") == true)
        // The default budget is ample for ordinary work: 3,000 items, each tried
        // against three alternatives.
        let items: JSONValue = .array((0..<3_000).map { .object(JSONObject([("id", .number(Double($0))), ("kind", "c")])) })
        let union: JSONValue = [
            "items": [
                "anyOf": [
                    ["properties": ["kind": ["const": "a"]]], ["properties": ["kind": ["const": "b"]]],
                    ["properties": ["kind": ["const": "c"]], "required": ["id"]],
                ]
            ]
        ]
        #expect(try JSONSchemaValidator(schema: union).validate(items).isEmpty)
    }

    // MARK: - A real schema

    /// The manifest's own JSON Schema (generated from the model) compiles, and every valid
    /// native fixture of the manifest conformance suite satisfies it.
    @Test func theManifestSchemaAcceptsTheValidNativeFixtures() throws {
        let validator = try JSONSchemaValidator(schema: ManifestJSONSchema.document())
        let expectations = try ManifestLoader.parseDocument(Repo.bytes("conformance/manifests/expectations.json"), fileName: "expectations.json")
        let files = (expectations["fixtures"]?.arrayValue ?? []).compactMap { fixture -> String? in
            guard fixture["valid"] == true, let file = fixture["file"]?.stringValue, file.hasPrefix("native/") else { return nil }
            return file
        }
        #expect(!files.isEmpty)
        for file in files {
            let document = try ManifestLoader.parseDocument(Repo.bytes("conformance/manifests/" + file), fileName: file)
            #expect(validator.validate(document).isEmpty, "\(file): \(validator.validate(document).map(\.description))")
        }
        let broken = validator.validate(["apiVersion": "marina/v1", "app": ["id": "Bad Id", "name": "x", "version": "1.0"], "extra": 1])
        #expect(Set(broken.map { "\($0.keyword) \($0.path)" }).isSuperset(of: ["additionalProperties /extra", "pattern /app/id"]), "\(broken)")
    }

    // MARK: - Messages and order

    @Test func messagesAreClear() throws {
        let validator = try JSONSchemaValidator(schema: [
            "type": "object",
            "required": ["name"],
            "additionalProperties": false,
            "properties": [
                "count": ["type": "integer"],
                "mode": ["anyOf": [["const": "fast"], ["const": "slow"]]],
                "tags": ["type": "array", "items": ["type": "string"], "maxItems": 1],
            ],
        ])
        let violations = validator.validate(["count": "3", "mode": "medium", "nmae": "x", "tags": ["a", "b"]])
        let byPath = Dictionary(violations.map { ($0.path + " " + $0.keyword, $0.message) }, uniquingKeysWith: { a, _ in a })
        #expect(byPath["/name required"] == "\"name\" is required")
        #expect(byPath["/count type"] == "expected integer, got string")
        #expect(byPath["/mode anyOf"]?.hasPrefix("does not match any of the alternatives") == true)
        #expect(byPath["/nmae additionalProperties"] == "unknown property \"nmae\"; did you mean \"name\"?")
        #expect(byPath["/tags maxItems"] == "must have at most 1 item, got 2")
        #expect(try JSONSchemaValidator(schema: ["type": "integer"]).validate(1.5).map(\.message) == ["expected integer, got number"])
    }

    @Test func violationsComeInDocumentOrder() throws {
        let validator = try JSONSchemaValidator(schema: ["additionalProperties": ["type": "string"]])
        let violations = validator.validate(["z": 1, "a": 2, "m": 3])
        #expect(violations.map(\.path) == ["/z", "/a", "/m"])
    }

    @Test func oneValidatorServesConcurrentCalls() async throws {
        let validator = try JSONSchemaValidator(schema: ["type": "string", "pattern": "^[a-z]+$"])
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<200 { group.addTask { validator.isValid(.string(i.isMultiple(of: 2) ? "abc" : "ABC")) } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 100)
    }
}
