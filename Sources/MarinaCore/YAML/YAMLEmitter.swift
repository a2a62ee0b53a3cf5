/// Writes a `JSONValue` as block-style YAML that reads back (under the YAML 1.2 core schema, and
/// under YAML 1.1 parsers too) to the same value. Strings that could be mistaken for another type
/// are double-quoted.
public enum YAMLEmitter {
    public static func emit(_ value: JSONValue) -> String {
        var out = ""
        switch value {
        case .object(let o) where !o.isEmpty:
            writeObject(o, indent: 0, into: &out)
        case .array(let a) where !a.isEmpty:
            writeArray(a, indent: 0, into: &out)
        default:
            out = scalar(value) + "\n"
        }
        return out
    }

    private static func pad(_ n: Int) -> String { String(repeating: " ", count: n) }

    private static func writeObject(_ o: JSONObject, indent: Int, into out: inout String, firstLinePrefixed: Bool = false) {
        for (i, (key, value)) in o.pairs.enumerated() {
            let lead = (i == 0 && firstLinePrefixed) ? "" : pad(indent)
            out += lead + string(key) + ":"
            writeChild(value, indent: indent, into: &out)
        }
    }

    private static func writeArray(_ a: [JSONValue], indent: Int, into out: inout String, firstLinePrefixed: Bool = false) {
        for (i, item) in a.enumerated() {
            let lead = (i == 0 && firstLinePrefixed) ? "" : pad(indent)
            switch item {
            case .object(let o) where !o.isEmpty:
                out += lead + "- "
                writeObject(o, indent: indent + 2, into: &out, firstLinePrefixed: true)
            case .array(let inner) where !inner.isEmpty:
                out += lead + "- "
                writeArray(inner, indent: indent + 2, into: &out, firstLinePrefixed: true)
            default:
                out += lead + "- " + scalar(item) + "\n"
            }
        }
    }

    private static func writeChild(_ value: JSONValue, indent: Int, into out: inout String) {
        switch value {
        case .object(let o) where !o.isEmpty:
            out += "\n"
            writeObject(o, indent: indent + 2, into: &out)
        case .array(let a) where !a.isEmpty:
            out += "\n"
            writeArray(a, indent: indent + 2, into: &out)
        default:
            out += " " + scalar(value) + "\n"
        }
    }

    private static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return CanonicalJSON.formatNumber(n)
        case .string(let s): return string(s)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// Words that some YAML parser reads as something other than a string.
    private static let reserved: Set<String> = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
        "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~", "=", "<<",
    ]

    static func string(_ s: String) -> String {
        isPlainSafe(s) ? s : doubleQuoted(s)
    }

    /// A double-quoted scalar: JSON's escapes, and `\u` escapes for the characters YAML does not
    /// allow unescaped (DEL, the C1 controls, U+FFFE, U+FFFF) and those a YAML 1.1 parser such as
    /// libyaml takes for a line break (NEL, U+2028, U+2029) or a byte order mark (U+FEFF): raw, the
    /// document was refused, or read back with the character folded away.
    static func doubleQuoted(_ s: String) -> String {
        var out = ""
        CanonicalJSON.writeString(s, into: &out) { v in
            (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF || v == 0xFFFE || v == 0xFFFF
        }
        return out
    }

    private static func isPlainSafe(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !reserved.contains(s) else { return false }
        guard first.properties.isAlphabetic || first == "_" || first == "/" else { return false }
        guard
            s.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-./@+ ".unicodeScalars.contains($0))
            })
        else {
            return false
        }
        if s.hasSuffix(" ") || s.contains("  ") { return false }
        if case .string = (try? CoreSchema.resolve(s, .root)) ?? .null { return true }
        return false
    }
}
