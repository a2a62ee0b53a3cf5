/// A strict RFC 8259 parser: one value, no trailing commas, no comments, duplicate keys refused,
/// depth and node count bounded. Errors name the line and column and the pointer being read.
public struct JSONParser {
    private let bytes: [UInt8]
    private let limits: DocumentLimits
    private var index = 0
    private var nodes = 0

    public static func parse(_ bytes: [UInt8], limits: DocumentLimits = .default) throws(DocumentError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else {
            throw DocumentError(.documentTooLarge, .root, "document is \(bytes.count) bytes; the limit is \(limits.maxBytes)")
        }
        var parser = JSONParser(bytes: bytes, limits: limits)
        parser.skipWhitespace()
        guard parser.index < bytes.count else { throw DocumentError(.emptyDocument, .root, "the document is empty") }
        let value = try parser.parseValue(at: .root, depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.syntax("unexpected content after the document", .root) }
        return value
    }

    private init(bytes: [UInt8], limits: DocumentLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    private func position() -> (line: Int, column: Int) {
        var line = 1, column = 1
        for b in bytes[..<min(index, bytes.count)] {
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    private func syntax(_ message: String, _ path: JSONPointer) -> DocumentError {
        let (line, column) = position()
        return DocumentError(.invalidSyntax, path, "invalid JSON at line \(line), column \(column): \(message)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func countNode(_ path: JSONPointer) throws(DocumentError) {
        nodes += 1
        if nodes > limits.maxNodes {
            throw DocumentError(.documentTooLarge, path, "the document has more than \(limits.maxNodes) values")
        }
    }

    private mutating func parseValue(at path: JSONPointer, depth: Int) throws(DocumentError) -> JSONValue {
        try countNode(path)
        guard index < bytes.count else { throw syntax("unexpected end of input", path) }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            guard depth < limits.maxDepth else {
                throw DocumentError(.nestingTooDeep, path, "nesting deeper than \(limits.maxDepth) levels")
            }
            return try parseObject(at: path, depth: depth + 1)
        case UInt8(ascii: "["):
            guard depth < limits.maxDepth else {
                throw DocumentError(.nestingTooDeep, path, "nesting deeper than \(limits.maxDepth) levels")
            }
            return try parseArray(at: path, depth: depth + 1)
        case UInt8(ascii: "\""):
            return .string(try parseString(at: path))
        case UInt8(ascii: "t"): try expectWord("true", path); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false", path); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null", path); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber(at: path)
        default:
            throw syntax("unexpected character", path)
        }
    }

    private mutating func expectWord(_ word: String, _ path: JSONPointer) throws(DocumentError) {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else {
            throw syntax("unexpected character", path)
        }
        index += w.count
    }

    private mutating func parseObject(at path: JSONPointer, depth: Int) throws(DocumentError) -> JSONValue {
        index += 1
        var object = JSONObject()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw syntax("expected a string key", path) }
            let key = try parseString(at: path)
            if object.contains(key) {
                throw DocumentError(.duplicateKey, path / key, "the key \"\(key)\" appears more than once")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw syntax("expected ':'", path / key) }
            index += 1
            skipWhitespace()
            object[key] = try parseValue(at: path / key, depth: depth)
            skipWhitespace()
            guard index < bytes.count else { throw syntax("unexpected end of input", path) }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
            throw syntax("expected ',' or '}'", path)
        }
    }

    private mutating func parseArray(at path: JSONPointer, depth: Int) throws(DocumentError) -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(at: path / items.count, depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw syntax("unexpected end of input", path) }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw syntax("expected ',' or ']'", path)
        }
    }

    private mutating func parseNumber(at path: JSONPointer) throws(DocumentError) -> JSONValue {
        let start = index
        func digits() -> Int {
            let s = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - s
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw syntax("incomplete number", path) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw syntax("invalid number", path)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw syntax("invalid number", path) }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw syntax("invalid number", path) }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw DocumentError(.invalidValue, path, "the number \(text) is out of range")
        }
        return .number(value)
    }

    private mutating func parseString(at path: JSONPointer) throws(DocumentError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw syntax("unterminated string", path) }
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw DocumentError(.invalidEncoding, path, "a string is not valid UTF-8")
                }
                return s
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw syntax("unterminated escape", path) }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(path)
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw syntax("unpaired surrogate", path)
                        }
                        index += 2
                        let low = try hex4(path)
                        guard (0xDC00...0xDFFF).contains(low) else { throw syntax("unpaired surrogate", path) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw syntax("unpaired surrogate", path)
                    }
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
                default:
                    throw syntax("invalid escape", path)
                }
            default:
                guard b >= 0x20 else { throw syntax("control character in string", path) }
                out.append(b)
            }
        }
    }

    private mutating func hex4(_ path: JSONPointer) throws(DocumentError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw syntax("invalid \\u escape", path) }
        var v: UInt32 = 0
        for b in bytes[index..<index + 4] {
            v <<= 4
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v |= UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v |= UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v |= UInt32(b - UInt8(ascii: "A") + 10)
            default: throw syntax("invalid \\u escape", path)
            }
        }
        index += 4
        return v
    }
}
