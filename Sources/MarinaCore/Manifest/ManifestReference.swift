/// The field reference of `docs/manifest.md`, generated from `NativeShape` (a test keeps the
/// committed copy in step).
public enum ManifestReference {
    public static let beginMarker = "<!-- BEGIN GENERATED FIELD REFERENCE (marina manifest reference) -->"
    public static let endMarker = "<!-- END GENERATED FIELD REFERENCE -->"

    public static func markdown() -> String {
        var out = ""
        var seen = Set<String>()
        var queue: [(ObjectShape, String)] = [(NativeShape.root, "(top level)")]
        while !queue.isEmpty {
            let (shape, location) = queue.removeFirst()
            guard seen.insert(shape.name).inserted else { continue }
            out += "### \(shape.name)\n\nAt `\(location)`."
            if !shape.doc.isEmpty { out += " " + shape.doc }
            if shape.allowsUnknownFields { out += " Fields beyond these are allowed." }
            out += "\n\n| Field | Type | Required | Default | Rules | Description |\n|---|---|---|---|---|---|\n"
            for field in shape.fields {
                let path = location == "(top level)" ? field.name : location + "." + field.name
                for nested in objects(in: field.shape) { queue.append((nested, path + (isArray(field.shape) ? "[]" : ""))) }
                let defaultText = field.defaultValue.map { "`" + CanonicalJSON.string($0) + "`" } ?? ""
                out +=
                    "| `\(field.name)` | \(typeName(field.shape)) | \(field.required ? "yes" : "") | \(defaultText) | \(rules(field.shape)) | \(field.doc.replacingOccurrences(of: "|", with: "\\|")) |\n"
            }
            out += "\n"
        }
        return out
    }

    private static func isArray(_ shape: Shape) -> Bool { if case .array = shape { return true } else { return false } }

    private static func objects(in shape: Shape) -> [ObjectShape] {
        switch shape {
        case .object(let o): return [o]
        case .array(let item, _, _): return objects(in: item)
        case .nullable(let inner): return objects(in: inner)
        case .either(let alts): return alts.flatMap(objects)
        case .map(let v, _): return objects(in: v)
        default: return []
        }
    }

    private static func typeName(_ shape: Shape) -> String {
        switch shape {
        case .string, .enumeration: return "string"
        case .integer: return "integer"
        case .number: return "number"
        case .boolean: return "boolean"
        case .array(let item, _, _): return "array of " + typeName(item)
        case .object(let o): return "[\(o.name)](#\(o.name.lowercased()))"
        case .map(let v, _): return "map of " + typeName(v)
        case .jsonSchema: return "JSON Schema"
        case .any: return "any"
        case .nullable(let inner): return typeName(inner) + " or null"
        case .either(let alts): return alts.map(typeName).joined(separator: " or ")
        }
    }

    private static func rules(_ shape: Shape) -> String {
        switch shape {
        case .string(let r):
            var parts: [String] = []
            if let f = r.format { parts.append("format `\(f.rawValue)`") }
            if let min = r.minLength { parts.append("≥ \(min) chars") }
            if let max = r.maxLength { parts.append("≤ \(max) chars") }
            return parts.joined(separator: ", ")
        case .integer(let min, let max, let allowed):
            if let allowed { return "one of " + allowed.map(String.init).joined(separator: ", ") }
            return [min.map { "≥ \($0)" }, max.map { "≤ \($0)" }].compactMap { $0 }.joined(separator: ", ")
        case .number(let min, let max):
            return [min.map { "≥ \(CanonicalJSON.formatNumber($0))" }, max.map { "≤ \(CanonicalJSON.formatNumber($0))" }].compactMap { $0 }.joined(
                separator: ", ")
        case .enumeration(let values):
            return "one of " + values.map { "`\($0)`" }.joined(separator: ", ")
        case .array(let item, let minItems, let maxItems):
            let own = [minItems > 0 ? "≥ \(minItems) items" : nil, maxItems.map { "≤ \($0) items" }].compactMap { $0 }
            let inner = rules(item)
            return (own + (inner.isEmpty ? [] : ["items: " + inner])).joined(separator: "; ")
        case .map(let v, let keyFormat):
            let inner = rules(v)
            return ([keyFormat.map { "keys: format `\($0.rawValue)`" }] + [inner.isEmpty ? nil : "values: " + inner]).compactMap { $0 }.joined(
                separator: "; ")
        case .nullable(let inner): return rules(inner)
        default: return ""
        }
    }
}
