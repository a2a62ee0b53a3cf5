/// What validation needs beyond the document: the scope catalog in force.
public struct ValidationContext: Sendable {
    public var catalog: ScopeCatalog
    public init(catalog: ScopeCatalog = .default) { self.catalog = catalog }
}

/// Walks a document against a `Shape`, reporting every problem (not only the first) with a JSON
/// Pointer to it.
struct ShapeValidator {
    let context: ValidationContext
    var diagnostics = Diagnostics()

    mutating func check(_ value: JSONValue, _ shape: Shape, _ path: JSONPointer) {
        switch shape {
        case .string(let rule):
            guard case .string(let s) = value else { return typeMismatch("string", value, path) }
            let length = s.unicodeScalars.count  // JSON Schema counts code points
            if let min = rule.minLength, length < min {
                diagnostics.add(.invalidValue, path, min == 1 ? "must not be empty" : "must be at least \(min) characters long")
            }
            if let max = rule.maxLength, length > max {
                diagnostics.add(.invalidValue, path, "is \(length) characters long; the limit is \(max)")
            }
            if let format = rule.format, let (code, message) = format.check(s, context: context) {
                diagnostics.add(code, path, message)
            }
        case .integer(let min, let max, let allowed):
            guard case .number(let n) = value, n.rounded() == n else { return typeMismatch("integer", value, path) }
            if let allowed, !allowed.contains(where: { Double($0) == n }) {
                diagnostics.add(.invalidValue, path, "must be one of \(allowed.map(String.init).joined(separator: ", "))")
            }
            if let min, n < Double(min) { diagnostics.add(.invalidValue, path, "\(CanonicalJSON.formatNumber(n)) is below the minimum \(min)") }
            if let max, n > Double(max) { diagnostics.add(.invalidValue, path, "\(CanonicalJSON.formatNumber(n)) is above the maximum \(max)") }
        case .number(let min, let max):
            guard case .number(let n) = value else { return typeMismatch("number", value, path) }
            if let min, n < min {
                diagnostics.add(.invalidValue, path, "\(CanonicalJSON.formatNumber(n)) is below the minimum \(CanonicalJSON.formatNumber(min))")
            }
            if let max, n > max {
                diagnostics.add(.invalidValue, path, "\(CanonicalJSON.formatNumber(n)) is above the maximum \(CanonicalJSON.formatNumber(max))")
            }
        case .boolean:
            guard case .bool = value else { return typeMismatch("boolean", value, path) }
        case .enumeration(let options):
            guard case .string(let s) = value else { return typeMismatch("string", value, path) }
            if !options.contains(s) {
                diagnostics.add(.invalidValue, path, "\"\(s)\" is not one of \(options.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
        case .array(let item, let minItems, let maxItems):
            guard case .array(let items) = value else { return typeMismatch("array", value, path) }
            if items.count < minItems { diagnostics.add(.invalidValue, path, "needs at least \(minItems) item\(minItems == 1 ? "" : "s")") }
            if let maxItems, items.count > maxItems { diagnostics.add(.invalidValue, path, "has \(items.count) items; the limit is \(maxItems)") }
            for (i, v) in items.enumerated() { check(v, item, path / i) }
        case .object(let object):
            guard case .object(let o) = value else { return typeMismatch("object", value, path) }
            checkObject(o, object, path)
        case .map(let valueShape, let keyFormat):
            guard case .object(let o) = value else { return typeMismatch("object", value, path) }
            for (key, v) in o.pairs {
                if let keyFormat, let (code, message) = keyFormat.check(key, context: context) {
                    diagnostics.add(code, path / key, message)
                }
                check(v, valueShape, path / key)
            }
        case .jsonSchema:
            guard case .object(let o) = value else { return typeMismatch("object", value, path) }
            checkSchema(o, path)
        case .any:
            return
        case .nullable(let inner):
            if case .null = value { return }
            check(value, inner, path)
        case .either(let alternatives):
            if let match = alternatives.first(where: { Self.accepts($0, value) }) {
                check(value, match, path)
            } else {
                let names = alternatives.map(Self.typeName).joined(separator: " or ")
                diagnostics.add(.invalidType, path, "expected \(names), got \(value.typeName)")
            }
        }
    }

    private mutating func checkObject(_ o: JSONObject, _ shape: ObjectShape, _ path: JSONPointer) {
        for key in o.keys where shape.field(key) == nil && !shape.allowsUnknownFields {
            let hint = shape.fields.map { ($0.name, EditDistance.between($0.name, key)) }.min { $0.1 < $1.1 }
            let suggestion = hint.flatMap { $0.1 <= max(2, key.count / 3) ? "; did you mean \"\($0.0)\"?" : nil } ?? ""
            diagnostics.add(.unknownField, path / key, "unknown field \"\(key)\"\(suggestion)")
        }
        for field in shape.fields {
            if let v = o[field.name] {
                check(v, field.shape, path / field.name)
            } else if field.required {
                diagnostics.add(.missingField, path / field.name, "\"\(field.name)\" is required")
            }
        }
    }

    /// Tool schemas must be JSON Schema objects; the checks that matter for dispatch are made
    /// here: `type` names real types, `properties` is an object of schemas, `required` a list of
    /// strings.
    private mutating func checkSchema(_ o: JSONObject, _ path: JSONPointer) {
        let types: Set<String> = ["object", "array", "string", "number", "integer", "boolean", "null"]
        if let t = o["type"] {
            switch t {
            case .string(let s) where types.contains(s): break
            case .array(let a) where !a.isEmpty && a.allSatisfy({ $0.stringValue.map(types.contains) ?? false }): break
            default: diagnostics.add(.invalidValue, path / "type", "is not a JSON Schema type")
            }
        }
        if let p = o["properties"] {
            guard case .object(let props) = p else { return diagnostics.add(.invalidType, path / "properties", "expected object, got \(p.typeName)") }
            for (name, sub) in props.pairs {
                guard case .object(let subObject) = sub else {
                    if case .bool = sub { continue }
                    diagnostics.add(.invalidType, path / "properties" / name, "expected a schema object, got \(sub.typeName)")
                    continue
                }
                checkSchema(subObject, path / "properties" / name)
            }
        }
        if let r = o["required"] {
            guard case .array(let names) = r, names.allSatisfy({ $0.stringValue != nil }) else {
                return diagnostics.add(.invalidType, path / "required", "expected an array of strings")
            }
        }
        if case .object(let items)? = o["items"] { checkSchema(items, path / "items") }
    }

    private mutating func typeMismatch(_ expected: String, _ value: JSONValue, _ path: JSONPointer) {
        var message = "expected \(expected), got \(value.typeName)"
        if expected == "string", case .number = value { message += " (quote the value to make it a string)" }
        if expected == "string", case .bool = value { message += " (quote the value to make it a string)" }
        if expected == "integer", case .number = value { message = "expected integer, got a number with a fraction" }
        diagnostics.add(.invalidType, path, message)
    }

    static func accepts(_ shape: Shape, _ value: JSONValue) -> Bool {
        switch (shape, value) {
        case (.string, .string), (.enumeration, .string), (.boolean, .bool), (.number, .number), (.array, .array),
            (.object, .object), (.map, .object), (.jsonSchema, .object), (.any, _), (.nullable, .null):
            return true
        case (.integer, .number(let n)): return n.rounded() == n
        case (.nullable(let inner), _): return accepts(inner, value)
        case (.either(let alts), _): return alts.contains { accepts($0, value) }
        default: return false
        }
    }

    static func typeName(_ shape: Shape) -> String {
        switch shape {
        case .string, .enumeration: return "string"
        case .integer: return "integer"
        case .number: return "number"
        case .boolean: return "boolean"
        case .array: return "array"
        case .object, .map, .jsonSchema: return "object"
        case .any: return "any value"
        case .nullable(let inner): return typeName(inner) + " or null"
        case .either(let alts): return alts.map(typeName).joined(separator: " or ")
        }
    }
}

/// Fills defaults into a valid document and orders object keys as the shape lists them.
enum ShapeNormalizer {
    static func normalize(_ value: JSONValue, _ shape: Shape) -> JSONValue {
        switch (shape, value) {
        case (.object(let object), .object(let o)):
            var out = JSONObject()
            for field in object.fields {
                if let v = o[field.name] {
                    out[field.name] = normalize(v, field.shape)
                } else if let d = field.defaultValue {
                    out[field.name] = normalize(d, field.shape)
                }
            }
            for key in o.keys where object.field(key) == nil { out[key] = o[key] }
            return .object(out)
        case (.array(let item, _, _), .array(let items)):
            return .array(items.map { normalize($0, item) })
        case (.map(let valueShape, _), .object(let o)):
            return .object(JSONObject(o.pairs.map { ($0.key, normalize($0.value, valueShape)) }))
        case (.nullable(let inner), _):
            if case .null = value { return .null }
            return normalize(value, inner)
        case (.either(let alts), _):
            guard let match = alts.first(where: { ShapeValidator.accepts($0, value) }) else { return value }
            return normalize(value, match)
        default:
            return value
        }
    }
}
