/// The form text takes in the audit log. Fields come from apps, tenants and the egress proxy's
/// host strings, and a NUL in one used to be hashed whole, stored whole, and read back cut at the
/// NUL (so `audit verify` reported tampering for good, and the listing hid what was sent); on
/// PostgreSQL, whose `text` refuses NUL, the write failed and took the call with it.
///
/// Stored text is therefore plain printable text that every database keeps and returns exactly:
/// a backslash is doubled, and every control character (C0, DEL, C1), format character (bidi
/// overrides, zero-width characters, …) and line or paragraph separator becomes `\u{hex}`
/// (NUL is `\u{0}`, U+202E is `\u{202e}`), so the listing shows what was really sent and
/// two different inputs never look alike. A field longer than `maxBytes` once escaped is cut at a
/// whole character and ends in `…(+N bytes)`, N the original bytes left out. The chain hashes
/// exactly this stored form.
public enum AuditText {
    /// Longest stored field (but the summary), in UTF-8 bytes.
    public static let maxBytes = 1024

    /// `text` as it is stored and hashed.
    public static func stored(_ text: String) -> String {
        // Most fields (ids, slugs, tool names, codes) are short printable ASCII: kept as they are.
        if text.utf8.count <= maxBytes, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) { return text }
        var out = ""
        var written = 0
        for scalar in text.unicodeScalars {
            let piece = escaped(scalar)
            if out.utf8.count + piece.utf8.count > maxBytes - 32 {
                let left = text.utf8.count - written
                return out + "…(+\(left) bytes)"
            }
            out += piece
            written += String(scalar).utf8.count
        }
        return out
    }

    /// The stored form of an optional field.
    public static func stored(_ text: String?) -> String? { text.map(stored) }

    /// A summary (JSON, already cut to its size by `AuditRedaction`) with the same characters
    /// made visible as JSON escapes (`\u202e`), which keep it the same JSON value: outside
    /// strings JSON text is ASCII, and CanonicalJSON already escapes C0 characters.
    public static func storedSummary(_ json: String) -> String {
        if json.utf8.allSatisfy({ $0 < 0x7F }) { return json }
        var out = ""
        for scalar in json.unicodeScalars {
            guard needsEscape(scalar) else { out.unicodeScalars.append(scalar); continue }
            for unit in String(scalar).utf16 {
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out
    }

    static func escaped(_ scalar: Unicode.Scalar) -> String {
        if scalar == "\\" { return "\\\\" }
        guard needsEscape(scalar) else { return String(scalar) }
        return "\\u{" + String(scalar.value, radix: 16) + "}"
    }

    /// Characters that print as nothing, move the cursor or the text direction, or end a line.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { return true }
        if scalar.isASCII { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
