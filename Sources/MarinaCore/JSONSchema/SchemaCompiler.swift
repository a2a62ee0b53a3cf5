import Foundation

/// The JSON types a `type` keyword may name.
enum SchemaType: String, Sendable, CaseIterable {
    case null, boolean, object, array, number, string, integer

    func matches(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.null, .null), (.boolean, .bool), (.object, .object), (.array, .array), (.string, .string), (.number, .number):
            return true
        case (.integer, .number(let n)):
            return n.isFinite && n.rounded(.towardZero) == n
        default:
            return false
        }
    }
}

/// A compiled subschema. Object schemas are shared by reference, so applying one copies nothing.
enum SchemaNode: Sendable {
    case constant(Bool)
    case keywords(CompiledKeywords)
}

/// The keywords of an object schema: the applicators, which recurse, one by one, and the
/// assertions, which only look at the value in hand, together.
final class CompiledKeywords: Sendable {
    /// Index of the `$ref` target in the validator's table of references.
    let ref: Int?
    let assertions: SchemaAssertions
    let prefixItems: [SchemaNode]?
    let items: SchemaNode?
    let properties: [ExactString: SchemaNode]
    let additionalProperties: SchemaNode?
    let allOf: [SchemaNode]?
    let anyOf: [SchemaNode]?
    let oneOf: [SchemaNode]?
    let not: SchemaNode?

    init(_ k: SchemaKeywords) {
        ref = k.ref
        assertions = k.assertions
        prefixItems = k.prefixItems
        items = k.items
        properties = k.properties
        additionalProperties = k.additionalProperties
        allOf = k.allOf
        anyOf = k.anyOf
        oneOf = k.oneOf
        not = k.not
    }
}

/// The keywords that check the value itself, without applying subschemas.
struct SchemaAssertions: Sendable {
    var types: [SchemaType]?
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    var minimum: Double?
    var maximum: Double?
    var exclusiveMinimum: Double?
    var exclusiveMaximum: Double?
    var multipleOf: Double?
    var minLength: Int?
    var maxLength: Int?
    var pattern: CompiledPattern?
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false
    var required: [String] = []
    var minProperties: Int?
    var maxProperties: Int?
    /// The names under `properties` and `required`, for "did you mean" hints.
    var knownNames: [String] = []
    /// Whether `properties` names anything.
    var hasProperties = false
}

/// An object schema's keywords while they are being read.
struct SchemaKeywords {
    var ref: Int?
    var assertions = SchemaAssertions()
    var prefixItems: [SchemaNode]?
    var items: SchemaNode?
    var properties: [ExactString: SchemaNode] = [:]
    var additionalProperties: SchemaNode?
    var allOf: [SchemaNode]?
    var anyOf: [SchemaNode]?
    var oneOf: [SchemaNode]?
    var not: SchemaNode?
}

/// Turns a schema document into `SchemaNode`s, refusing what cannot be evaluated.
struct SchemaCompiler {
    private let document: JSONValue
    /// Every compiled subschema, by the JSON Pointer of its place in the document.
    private var compiled: [String: SchemaNode] = [:]
    /// `$ref` targets (pointer text), in the order met, with where the first reference was; a
    /// target's index here is its index in the table of references.
    private var wanted: [(target: String, from: JSONPointer)] = []
    private var wantedIndex: [String: Int] = [:]
    private var patterns: [ExactString: CompiledPattern] = [:]

    private init(document: JSONValue) { self.document = document }

    static func compile(_ document: JSONValue) throws(JSONSchemaError) -> (root: SchemaNode, refs: [SchemaNode]) {
        var compiler = SchemaCompiler(document: document)
        let root = try compiler.node(document, at: .root, depth: 0)
        var next = 0
        while next < compiler.wanted.count {
            let (target, from) = compiler.wanted[next]
            next += 1
            if compiler.compiled[target] != nil { continue }
            guard let pointer = JSONPointer(parsing: target), let value = document.value(at: pointer) else {
                throw JSONSchemaError(from, "the reference \"#\(target)\" does not resolve to anything in the schema")
            }
            _ = try compiler.node(value, at: pointer, depth: 0)
        }
        let refs = compiler.wanted.map { compiler.compiled[$0.target] ?? .constant(false) }
        return (root, refs)
    }

    private mutating func node(_ value: JSONValue, at path: JSONPointer, depth: Int) throws(JSONSchemaError) -> SchemaNode {
        guard depth <= JSONSchemaValidator.maxSchemaDepth else {
            throw JSONSchemaError(path, "the schema nests deeper than \(JSONSchemaValidator.maxSchemaDepth) levels")
        }
        let result: SchemaNode
        switch value {
        case .bool(let b): result = .constant(b)
        case .object(let o): result = .keywords(CompiledKeywords(try keywords(o, at: path, depth: depth)))
        default: throw JSONSchemaError(path, "expected a schema (an object or a boolean), got \(value.typeName)")
        }
        compiled[path.description] = result
        return result
    }

    private mutating func nodes(_ value: JSONValue, at path: JSONPointer, depth: Int) throws(JSONSchemaError) -> [SchemaNode] {
        guard case .array(let list) = value, !list.isEmpty else {
            throw JSONSchemaError(path, "expected a non-empty array of schemas, got \(describe(value))")
        }
        var result: [SchemaNode] = []
        for (i, item) in list.enumerated() { result.append(try node(item, at: path / i, depth: depth + 1)) }
        return result
    }

    private func number(_ value: JSONValue, at path: JSONPointer) throws(JSONSchemaError) -> Double {
        guard case .number(let n) = value, n.isFinite else { throw JSONSchemaError(path, "expected a number, got \(describe(value))") }
        return n
    }

    private func count(_ value: JSONValue, at path: JSONPointer) throws(JSONSchemaError) -> Int {
        guard case .number(let n) = value, n.isFinite, n >= 0, n.rounded() == n else {
            throw JSONSchemaError(path, "expected a non-negative integer, got \(describe(value))")
        }
        return n >= 9.0e15 ? Int.max : Int(n)
    }

    private func describe(_ value: JSONValue) -> String {
        switch value {
        case .array, .object: return value.typeName
        default: return SchemaText.render(value)
        }
    }

    private mutating func keywords(_ o: JSONObject, at path: JSONPointer, depth: Int) throws(JSONSchemaError) -> SchemaKeywords {
        var k = SchemaKeywords()
        for (key, value) in o.pairs {
            let here = path / key
            switch key {
            case "$ref":
                k.ref = try reference(value, at: here)
            case "$defs", "definitions":
                guard case .object(let defs) = value else { throw JSONSchemaError(here, "expected an object of schemas, got \(describe(value))") }
                for (name, sub) in defs.pairs { _ = try node(sub, at: here / name, depth: depth + 1) }
            case "type":
                k.assertions.types = try types(value, at: here)
            case "enum":
                guard case .array(let values) = value else { throw JSONSchemaError(here, "expected an array, got \(describe(value))") }
                k.assertions.enumValues = values
            case "const":
                k.assertions.constValue = value
            case "minimum": k.assertions.minimum = try number(value, at: here)
            case "maximum": k.assertions.maximum = try number(value, at: here)
            case "exclusiveMinimum", "exclusiveMaximum":
                if case .bool = value {
                    throw JSONSchemaError(here, "expected a number; the boolean form is draft 4 (write \"\(key)\": <limit> instead)")
                }
                let n = try number(value, at: here)
                if key == "exclusiveMinimum" { k.assertions.exclusiveMinimum = n } else { k.assertions.exclusiveMaximum = n }
            case "multipleOf":
                let n = try number(value, at: here)
                guard n > 0 else { throw JSONSchemaError(here, "expected a number greater than 0, got \(describe(value))") }
                k.assertions.multipleOf = n
            case "minLength": k.assertions.minLength = try count(value, at: here)
            case "maxLength": k.assertions.maxLength = try count(value, at: here)
            case "minItems": k.assertions.minItems = try count(value, at: here)
            case "maxItems": k.assertions.maxItems = try count(value, at: here)
            case "minProperties": k.assertions.minProperties = try count(value, at: here)
            case "maxProperties": k.assertions.maxProperties = try count(value, at: here)
            case "pattern":
                guard case .string(let source) = value else { throw JSONSchemaError(here, "expected a string, got \(describe(value))") }
                k.assertions.pattern = try pattern(source, at: here)
            case "prefixItems":
                k.prefixItems = try nodes(value, at: here, depth: depth)
            case "items":
                if case .array = value {
                    throw JSONSchemaError(
                        here, "expected a schema; an array of schemas is the draft 2019 tuple form (use \"prefixItems\" in draft 2020-12)")
                }
                k.items = try node(value, at: here, depth: depth + 1)
            case "uniqueItems":
                guard case .bool(let b) = value else { throw JSONSchemaError(here, "expected a boolean, got \(describe(value))") }
                k.assertions.uniqueItems = b
            case "properties":
                guard case .object(let props) = value else { throw JSONSchemaError(here, "expected an object of schemas, got \(describe(value))") }
                for (name, sub) in props.pairs {
                    k.properties[ExactString(name)] = try node(sub, at: here / name, depth: depth + 1)
                    k.assertions.knownNames.append(name)
                    k.assertions.hasProperties = true
                }
            case "required":
                guard case .array(let names) = value else { throw JSONSchemaError(here, "expected an array of strings, got \(describe(value))") }
                var seen: Set<ExactString> = []
                for (i, name) in names.enumerated() {
                    guard case .string(let s) = name else { throw JSONSchemaError(here / i, "expected a string, got \(describe(name))") }
                    if seen.insert(ExactString(s)).inserted {
                        k.assertions.required.append(s)
                        k.assertions.knownNames.append(s)
                    }
                }
            case "additionalProperties":
                k.additionalProperties = try node(value, at: here, depth: depth + 1)
            case "allOf": k.allOf = try nodes(value, at: here, depth: depth)
            case "anyOf": k.anyOf = try nodes(value, at: here, depth: depth)
            case "oneOf": k.oneOf = try nodes(value, at: here, depth: depth)
            case "not": k.not = try node(value, at: here, depth: depth + 1)
            default:
                continue  // annotations and unsupported keywords are ignored
            }
        }
        return k
    }

    private func types(_ value: JSONValue, at path: JSONPointer) throws(JSONSchemaError) -> [SchemaType] {
        let known = SchemaType.allCases.map(\.rawValue).joined(separator: ", ")
        func one(_ v: JSONValue, _ p: JSONPointer) throws(JSONSchemaError) -> SchemaType {
            guard case .string(let s) = v, let t = SchemaType(rawValue: s) else {
                throw JSONSchemaError(p, "\(describe(v)) is not a JSON Schema type (expected one of \(known))")
            }
            return t
        }
        switch value {
        case .array(let list):
            guard !list.isEmpty else { throw JSONSchemaError(path, "expected a type name or a non-empty array of type names") }
            var result: [SchemaType] = []
            for (i, item) in list.enumerated() {
                let t = try one(item, path / i)
                if !result.contains(t) { result.append(t) }
            }
            return result
        default:
            return [try one(value, path)]
        }
    }

    private mutating func pattern(_ source: String, at path: JSONPointer) throws(JSONSchemaError) -> CompiledPattern {
        if let cached = patterns[ExactString(source)] { return cached }
        do throws(PatternError) {
            let compiled = try CompiledPattern(source)
            patterns[ExactString(source)] = compiled
            return compiled
        } catch {
            throw JSONSchemaError(path, "invalid regular expression \(SchemaText.render(.string(source))): \(error.description)")
        }
    }

    /// Local references only: `#` or `#/json/pointer` (percent-encoding allowed, as in a URI).
    private mutating func reference(_ value: JSONValue, at path: JSONPointer) throws(JSONSchemaError) -> Int {
        guard case .string(let ref) = value else { throw JSONSchemaError(path, "expected a string, got \(describe(value))") }
        guard ref.hasPrefix("#") else {
            throw JSONSchemaError(
                path, "cannot resolve \(SchemaText.render(value)): only references inside the schema (\"#/$defs/...\") are supported")
        }
        guard let fragment = String(ref.dropFirst()).removingPercentEncoding else {
            throw JSONSchemaError(path, "\(SchemaText.render(value)) is not a valid URI fragment")
        }
        guard let pointer = JSONPointer(parsing: fragment) else {
            throw JSONSchemaError(
                path, "cannot resolve \(SchemaText.render(value)): anchors are not supported; use a JSON Pointer such as \"#/$defs/name\"")
        }
        let target = pointer.description
        if let known = wantedIndex[target] { return known }
        wantedIndex[target] = wanted.count
        wanted.append((target, path))
        return wanted.count - 1
    }
}

/// Short renderings of values for messages.
enum SchemaText {
    /// Compact JSON, cut at `limit` characters.
    static func render(_ value: JSONValue, limit: Int = 80) -> String {
        var out = ""
        write(value, into: &out, limit: limit)
        if out.count > limit { return String(out.prefix(limit)) + "…" }
        return out
    }

    private static func write(_ value: JSONValue, into out: inout String, limit: Int) {
        guard out.count <= limit else { return }
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += number(n)
        case .string(let s): CanonicalJSON.writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out, limit: limit)
                if out.count > limit { return }
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, pair) in object.pairs.enumerated() {
                if i > 0 { out += "," }
                CanonicalJSON.writeString(pair.key, into: &out)
                out += ":"
                write(pair.value, into: &out, limit: limit)
                if out.count > limit { return }
            }
            out += "}"
        }
    }

    static func number(_ n: Double) -> String { n.isFinite ? CanonicalJSON.formatNumber(n) : "\(n)" }

    /// `pointer.description` without Foundation: only tokens holding `~` or `/` need escaping.
    static func pointer(_ pointer: JSONPointer) -> String {
        var out = ""
        for token in pointer.tokens {
            out += "/"
            if token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) {
                for scalar in token.unicodeScalars {
                    switch scalar {
                    case "~": out += "~0"
                    case "/": out += "~1"
                    default: out.unicodeScalars.append(scalar)
                    }
                }
            } else {
                out += token
            }
        }
        return out
    }

    static func quoted(_ s: String) -> String {
        var out = ""
        CanonicalJSON.writeString(s, into: &out)
        return out
    }
}
