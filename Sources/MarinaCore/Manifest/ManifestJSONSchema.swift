/// The JSON Schema (draft 2020-12) of `marina/v1`, generated from `NativeShape`. The committed copy
/// in `schemas/marina-app-v1.schema.json` is checked against this by a test. Rules a schema cannot
/// state (cron syntax, the scope catalog, cross-field rules) are named by `x-marina-format` and
/// described in docs/manifest.md.
public enum ManifestJSONSchema {
    public static func document() -> JSONValue {
        var defs = JSONObject()
        var root = objectSchema(NativeShape.root, defs: &defs)
        guard case .object(var o) = root else { return root }
        o["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        o["$id"] = "urn:marina:schema:marina-app-v1"
        o["title"] = "Marina app manifest (marina/v1)"
        o["$defs"] = .object(defs)
        root = .object(o)
        return root
    }

    public static func text() -> String { document().prettyPrinted() }

    private static func objectSchema(_ shape: ObjectShape, defs: inout JSONObject) -> JSONValue {
        var properties = JSONObject()
        for field in shape.fields {
            var s = schema(field.shape, defs: &defs)
            if case .object(var o) = s {
                if !field.doc.isEmpty { o["description"] = .string(field.doc) }
                if let d = field.defaultValue { o["default"] = d }
                s = .object(o)
            }
            properties[field.name] = s
        }
        var o: JSONObject = JSONObject([("type", "object"), ("properties", .object(properties))])
        let required = shape.fields.filter(\.required).map { JSONValue.string($0.name) }
        if !required.isEmpty { o["required"] = .array(required) }
        o["additionalProperties"] = .bool(shape.allowsUnknownFields)
        if !shape.doc.isEmpty { o["description"] = .string(shape.doc) }
        return .object(o)
    }

    private static func schema(_ shape: Shape, defs: inout JSONObject) -> JSONValue {
        switch shape {
        case .string(let rule):
            var o = JSONObject([("type", "string")])
            if let min = rule.minLength { o["minLength"] = .number(Double(min)) }
            if let max = rule.maxLength { o["maxLength"] = .number(Double(max)) }
            if let format = rule.format {
                if let pattern = format.pattern { o["pattern"] = .string(pattern) }
                o["x-marina-format"] = .string(format.rawValue)
            }
            return .object(o)
        case .integer(let min, let max, let allowed):
            var o = JSONObject([("type", "integer")])
            if let min { o["minimum"] = .number(Double(min)) }
            if let max { o["maximum"] = .number(Double(max)) }
            if let allowed { o["enum"] = .array(allowed.map { .number(Double($0)) }) }
            return .object(o)
        case .number(let min, let max):
            var o = JSONObject([("type", "number")])
            if let min { o["minimum"] = .number(min) }
            if let max { o["maximum"] = .number(max) }
            return .object(o)
        case .boolean:
            return ["type": "boolean"]
        case .enumeration(let values):
            return ["type": "string", "enum": .array(values.map(JSONValue.string))]
        case .array(let item, let minItems, let maxItems):
            var o = JSONObject([("type", "array"), ("items", schema(item, defs: &defs))])
            if minItems > 0 { o["minItems"] = .number(Double(minItems)) }
            if let maxItems { o["maxItems"] = .number(Double(maxItems)) }
            return .object(o)
        case .object(let object):
            if defs[object.name] == nil {
                defs[object.name] = [:]  // reserve the name first: shapes may nest
                defs[object.name] = objectSchema(object, defs: &defs)
            }
            return ["$ref": .string("#/$defs/" + object.name)]
        case .map(let value, let keyFormat):
            var o = JSONObject([("type", "object"), ("additionalProperties", schema(value, defs: &defs))])
            if let pattern = keyFormat?.pattern { o["propertyNames"] = ["pattern": .string(pattern)] }
            return .object(o)
        case .jsonSchema:
            return ["type": "object", "x-marina-format": "json-schema"]
        case .any:
            return [:]
        case .nullable(let inner):
            return ["anyOf": [schema(inner, defs: &defs), ["type": "null"]]]
        case .either(let alternatives):
            return ["anyOf": .array(alternatives.map { schema($0, defs: &defs) })]
        }
    }
}
