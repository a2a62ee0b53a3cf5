import Foundation
import MarinaCore
import Synchronization

/// Mock mode (docs/app-contract.md, "Mock mode"): tools and secrets answered from a JSON document
/// `{"secrets": {...}, "tools": {"name": result | {"error": {...}}}}`, so handlers run in unit tests
/// without a platform. The kv tools are served by an in-memory store with the platform's limits
/// unless the document lists them. Every call is recorded in `calls`.
public final class MockPlatform: PlatformBackend {
    static let kvTools: Set<String> = ["kv_get", "kv_set", "kv_delete", "kv_list"]
    let secrets: [String: String]
    let tools: JSONObject
    private let state = Mutex(MemoryKV())
    private let recorded = Mutex<[(tool: String, args: JSONValue)]>([])

    public init(document: JSONValue) throws(MarinaKitError) {
        guard let object = document.objectValue else { throw MarinaKitError(.invalidMock, "a mock document is a JSON object") }
        let secrets = object["secrets"] ?? .object(JSONObject())
        let tools = object["tools"] ?? .object(JSONObject())
        guard let secretObject = secrets.objectValue, let toolObject = tools.objectValue else {
            throw MarinaKitError(.invalidMock, "\"secrets\" and \"tools\" of a mock document are objects")
        }
        self.secrets = Dictionary(uniqueKeysWithValues: secretObject.pairs.compactMap { pair in pair.value.stringValue.map { (pair.key, $0) } })
        self.tools = toolObject
    }

    public convenience init(file: String) throws(MarinaKitError) {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw MarinaKitError(.invalidMock, "cannot read the mock document \(file)")
        }
        let document: JSONValue
        do { document = try JSONParser.parse(Array(data)) } catch { throw MarinaKitError(.invalidMock, "\(file) is not JSON: \(error)") }
        try self.init(document: document)
    }

    /// The calls handlers made, in order.
    public var calls: [(tool: String, args: JSONValue)] { recorded.withLock { $0 } }

    public func callTool(_ name: String, _ args: JSONValue) async throws(ToolCallError) -> JSONValue {
        recorded.withLock { $0.append((name, args)) }
        if let answer = tools[name] {
            if let object = answer.objectValue, object.keys == ["error"] { throw ToolCallError(answer: object["error"], tool: name) }
            return answer
        }
        if Self.kvTools.contains(name) {
            let now = Date().timeIntervalSince1970
            return try state.withLock { kv throws(ToolCallError) in try kv.call(name, args, now: now) }
        }
        throw ToolCallError(decision: "unknown_tool", message: "the mock platform has no tool \(name)", tool: name)
    }

    public func listTools() async throws(ToolCallError) -> [JSONValue] {
        (tools.keys + Self.kvTools.sorted().filter { !tools.contains($0) }).map {
            ["name": .string($0), "description": "", "scope": nil, "input_schema": ["type": "object"]]
        }
    }

    public func secret(_ key: String) async -> String? { secrets[key] }
}

/// The kv tools in memory, with the platform's limits: keys of 1–256 printable ASCII characters,
/// values of at most 64 KB of JSON, `ttl_s` within 60…31536000, at most 10,000 keys.
struct MemoryKV {
    static let maxKeys = 10_000
    static let maxValueBytes = 64 * 1024
    var items: [String: (value: JSONValue, expires: Double?)] = [:]

    mutating func call(_ tool: String, _ args: JSONValue, now: Double) throws(ToolCallError) -> JSONValue {
        func invalid(_ message: String) -> ToolCallError { ToolCallError(decision: "invalid_args", message: message, tool: tool) }
        func key() throws(ToolCallError) -> String {
            guard let key = args["key"]?.stringValue, (1...256).contains(key.utf8.count), key.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                throw invalid("key must be 1–256 printable ASCII characters")
            }
            return key
        }
        guard args.objectValue != nil else { throw invalid("arguments must be an object") }
        items = items.filter { $0.value.expires.map { $0 > now } ?? true }
        switch tool {
        case "kv_get":
            let k = try key()
            if let item = items[k] { return ["found": true, "value": item.value] }
            return ["found": false, "value": nil]
        case "kv_set":
            let k = try key()
            guard let value = args["value"] else { throw invalid("value is required") }
            guard CanonicalJSON.bytes(value).count <= Self.maxValueBytes else { throw invalid("value is larger than 64 KB of JSON") }
            var expires: Double?
            if let ttl = args["ttl_s"], ttl != .null {
                guard let seconds = ttl.numberValue, (60...31_536_000).contains(seconds) else { throw invalid("ttl_s must be within 60…31536000") }
                expires = now + seconds
            }
            guard items[k] != nil || items.count < Self.maxKeys else { throw invalid("at most 10,000 keys per app and tenant") }
            items[k] = (value, expires)
            return ["ok": true]
        case "kv_delete":
            return ["deleted": .bool(items.removeValue(forKey: try key()) != nil)]
        default:
            let prefix = args["prefix"]?.stringValue ?? ""
            let cursor = args["cursor"]?.stringValue
            let limit = args["limit"].map { $0.intValue ?? 0 } ?? 100
            guard (1...1000).contains(limit) else { throw invalid("limit must be within 1…1000") }
            let keys = items.keys.filter { key in key.hasPrefix(prefix) && cursor.map { key > $0 } ?? true }.sorted()
            let page = Array(keys.prefix(limit))
            let more = keys.count > page.count
            return ["keys": .array(page.map { .string($0) }), "next_cursor": more ? page.last.map { .string($0) } ?? nil : nil]
        }
    }
}
