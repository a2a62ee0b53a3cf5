import Crypto

/// The canonical form of a JSON value, after RFC 8785 (JCS): object keys sorted by their UTF-16
/// code units, no insignificant whitespace, numbers written as ECMAScript writes them, strings
/// escaped minimally. Every Marina implementation (Swift, Python, TypeScript) produces the same
/// bytes for the same value, so the SHA-256 of these bytes identifies a manifest.
public enum CanonicalJSON {
    public static func string(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    public static func bytes(_ value: JSONValue) -> [UInt8] { Array(string(value).utf8) }

    /// The length in bytes of `string(value)`, counted without building it; the count stops
    /// (returning a number above `limit`) as soon as it passes `limit`.
    public static func byteCount(_ value: JSONValue, limit: Int = .max) -> Int {
        var total = 0
        count(value, &total, limit)
        return total
    }

    private static func count(_ value: JSONValue, _ total: inout Int, _ limit: Int) {
        guard total <= limit else { return }
        switch value {
        case .null: total += 4
        case .bool(let b): total += b ? 4 : 5
        case .number(let n): total += formatNumber(n).utf8.count
        case .string(let s): total += stringByteCount(s)
        case .array(let items):
            total += 2 + max(0, items.count - 1)
            for item in items {
                count(item, &total, limit)
                if total > limit { return }
            }
        case .object(let object):
            total += 2 + max(0, object.count - 1)
            for (key, item) in object.pairs {
                total += stringByteCount(key) + 1
                count(item, &total, limit)
                if total > limit { return }
            }
        }
    }

    /// Bytes of a string as `writeString` writes it: quotes, and escapes for `"`, `\` and control
    /// characters.
    private static func stringByteCount(_ s: String) -> Int {
        var n = 2
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x0C, 0x0A, 0x0D, 0x09: n += 2
            case 0..<0x20: n += 6
            default: n += 1
            }
        }
        return n
    }

    /// `sha256:<64 hex digits>` of the canonical bytes.
    public static func hash(_ value: JSONValue) -> String {
        "sha256:" + hexSHA256(bytes(value))
    }

    public static func hexSHA256(_ bytes: some Sequence<UInt8>) -> String {
        Hex.string(SHA256.hash(data: Array(bytes)))
    }

    private static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += formatNumber(n)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            // Each key's UTF-16 form is made once, not at every comparison.
            let keys = object.keys.map { (Array($0.utf16), $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }.map(\.1)
            for (i, key) in keys.enumerated() {
                if i > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(object[key]!, into: &out)
            }
            out += "}"
        }
    }

    /// `s` as a JSON string. `alsoEscaping` names characters at or above U+007F to write as `\u`
    /// escapes too (YAML's double-quoted scalars need some; JSON needs none).
    static func writeString(_ s: String, into out: inout String, alsoEscaping: ((UInt32) -> Bool)? = nil) {
        out += "\""
        // Most strings need no escape: copy them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || (alsoEscaping != nil && $0 >= 0x7F) }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || alsoEscaping?(scalar.value) == true {
                    let h = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// ECMAScript `Number.prototype.toString()` for finite doubles (ECMA-262 §6.1.6.1.20), built
    /// on Swift's shortest round-trip digits.
    public static func formatNumber(_ value: Double) -> String {
        precondition(value.isFinite, "canonical JSON has no representation for \(value)")
        if value == 0 { return "0" }
        // Whole numbers below 2^53 (timestamps, counts: most numbers Marina writes) print as
        // their integer, which is what the general path below would produce, without its strings.
        if abs(value) < 9_007_199_254_740_992, value.rounded(.towardZero) == value { return String(Int64(value)) }
        let negative = value < 0
        // Swift prints the shortest round-trip digits as "1.25", "1e-07" or "1.5e+300".
        let text = "\(abs(value))"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0])
        let fracPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = intPart + fracPart
        // Position of the decimal point relative to the start of `digits`.
        var point = intPart.count + exponent
        while digits.hasPrefix("0") { digits.removeFirst(); point -= 1 }
        while digits.hasSuffix("0") { digits.removeLast() }
        let k = digits.count
        let n = point
        var out: String
        if k <= n && n <= 21 {
            out = digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            let i = digits.index(digits.startIndex, offsetBy: n)
            out = digits[..<i] + "." + digits[i...]
        } else if -6 < n && n <= 0 {
            out = "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            let sign = e < 0 ? "-" : "+"
            let head = digits.prefix(1)
            let tail = digits.dropFirst()
            out = head + (tail.isEmpty ? "" : "." + tail) + "e" + sign + String(abs(e))
        }
        return negative ? "-" + out : out
    }
}
