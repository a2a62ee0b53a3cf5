/// A JSON document tree that keeps the order in which object keys were written, so that
/// diagnostics come out in document order. Numbers are IEEE doubles, as in RFC 8785.
public indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON type name used in diagnostics ("string", "integer", "object", …).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let n): return n.rounded() == n && n.isFinite ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var numberValue: Double? { if case .number(let n) = self { return n } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }

    /// The value as an exact integer, when it is a number without a fractional part.
    public var intValue: Int? {
        guard case .number(let n) = self, n.isFinite, n.rounded() == n, abs(n) < 9.007_199_254_740_992e15 else { return nil }
        return Int(n)
    }

    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// Number of nodes in the tree (used to bound work on hostile input).
    public var nodeCount: Int {
        switch self {
        case .array(let a): return 1 + a.reduce(0) { $0 + $1.nodeCount }
        case .object(let o): return 1 + o.values.reduce(0) { $0 + $1.nodeCount }
        default: return 1
        }
    }
}

/// Equality and hashing compare strings code point by code point, as JSON does (RFC 8259 §8.3):
/// Swift's own `String ==` treats "é" and "e\u{301}" as equal, which would merge distinct keys.
extension JSONValue: Equatable, Hashable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .number(let n): hasher.combine(n)
        case .string(let s): hasher.combine(ExactString(s))
        case .array(let a): hasher.combine(a)
        case .object(let o): hasher.combine(o)
        }
    }
}

/// A string compared by its code points (UTF-8 bytes), not by Unicode canonical equivalence.
public struct ExactString: Hashable, Sendable {
    public let value: String
    public init(_ value: String) { self.value = value }
    public static func == (a: ExactString, b: ExactString) -> Bool { a.value.utf8.elementsEqual(b.value.utf8) }
    public func hash(into hasher: inout Hasher) {
        for byte in value.utf8 { hasher.combine(byte) }
    }
}

/// A JSON object with its keys in document order.
public struct JSONObject: Sendable, Equatable, Hashable {
    public private(set) var keys: [String] = []
    private var storage: [ExactString: JSONValue] = [:]

    public init() {}

    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public subscript(key: String) -> JSONValue? {
        get { storage[ExactString(key)] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: ExactString(key)) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: ExactString(key)) != nil {
                keys.removeAll { ExactString($0) == ExactString(key) }
            }
        }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }
    public var values: [JSONValue] { keys.map { storage[ExactString($0)]! } }
    public var pairs: [(key: String, value: JSONValue)] { keys.map { ($0, storage[ExactString($0)]!) } }
    public func contains(_ key: String) -> Bool { storage[ExactString(key)] != nil }

    /// Equality ignores key order: `{"a":1,"b":2}` equals `{"b":2,"a":1}`.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool { lhs.storage == rhs.storage }
    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}
