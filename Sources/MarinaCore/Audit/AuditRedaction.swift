/// The input summary an audit record keeps: the JSON of the input with the values of sensitive
/// fields masked and long strings and the whole text shortened, so that the audit log never holds
/// a credential an app or a caller passed along.
public enum AuditRedaction {
    public static let mask = "«redacted»"

    /// Whether a field's name says it holds a credential (password, token, secret, key, …).
    public static func isSensitive(_ name: String) -> Bool {
        let lower = Array(name.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 })
        return needles.contains { needle in
            guard lower.count >= needle.count else { return false }
            return (0...(lower.count - needle.count)).contains { start in lower[start..<(start + needle.count)].elementsEqual(needle) }
        }
    }

    static let needles: [[UInt8]] = ["password", "passwd", "token", "secret", "key", "authorization", "cookie", "credential", "signature"].map {
        Array($0.utf8)
    }

    /// The masked value: every value under a sensitive name is replaced, at any depth.
    public static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            return .object(JSONObject(object.pairs.map { pair in (pair.key, isSensitive(pair.key) ? .string(mask) : redact(pair.value)) }))
        case .array(let items):
            return .array(items.map(redact))
        case .string(let text) where text.unicodeScalars.count > 200:
            return .string(String(String.UnicodeScalarView(text.unicodeScalars.prefix(200))) + "…")
        default:
            return value
        }
    }

    /// The canonical JSON of the masked value, cut to at most `limit` bytes.
    public static func summary(_ value: JSONValue?, limit: Int = 2048) -> String {
        guard let value else { return "" }
        let text = CanonicalJSON.string(redact(value))
        guard text.utf8.count > limit else { return text }
        var cut = ""
        for scalar in text.unicodeScalars {
            if cut.utf8.count + String(scalar).utf8.count > limit - 3 { break }
            cut.unicodeScalars.append(scalar)
        }
        return cut + "…"
    }
}
