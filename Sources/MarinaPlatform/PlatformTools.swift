import Foundation
import MarinaCore
import MarinaStore

/// The built-in platform tools an app calls through the gateway, each behind one scope. Every
/// tool works on the caller's own (tenant, app) or tenant: the caller comes from the verified
/// token, never from the arguments.
public struct PlatformTools: Sendable {
    public struct Descriptor: Sendable {
        public var name: String
        public var scope: String
        public var description: String
        public var inputSchema: JSONValue
        let validator: JSONSchemaValidator
    }

    public struct Limits: Sendable {
        public var kvValueBytes = 64 * 1024
        public var kvKeys = 10_000
        public var fileBytes = 1 << 20
        public var tenantFileBytes: Int64 = 100 << 20
        public var mailBodyBytes = 256 * 1024
        public init() {}
    }

    let store: Store
    let env: PlatformEnvironment
    let limits: Limits
    let repository = PlatformToolRepository()
    let operatorTools: OperatorTools?
    public let descriptors: [Descriptor]

    /// The names of the built-in tools (operator-defined ones may not take them).
    public static let builtIn: Set<String> = [
        "kv_get", "kv_set", "kv_delete", "kv_list", "files_read", "files_write", "files_list", "mail_send", "http_fetch", "apps_invoke",
    ]

    public init(store: Store, env: PlatformEnvironment = .live, limits: Limits = Limits(), operatorTools: OperatorTools? = nil) {
        (self.store, self.env, self.limits, self.operatorTools) = (store, env, limits, operatorTools)
        let key: JSONValue = ["type": "string", "minLength": 1, "maxLength": 256, "pattern": "^[\\x20-\\x7E]+$"]
        let path: JSONValue = ["type": "string", "minLength": 1, "maxLength": 512, "pattern": "^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$"]
        func d(_ name: String, _ scope: String, _ description: String, _ properties: JSONObject, required: [String]) -> Descriptor {
            let schema: JSONValue = .object(
                JSONObject([
                    ("type", "object"), ("properties", .object(properties)),
                    ("required", .array(required.map(JSONValue.string))), ("additionalProperties", false),
                ]))
            return Descriptor(
                name: name, scope: scope, description: description, inputSchema: schema, validator: try! JSONSchemaValidator(schema: schema))
        }
        descriptors =
            [
                d("kv_get", "kv.read", "Read a key of the app's private store for this tenant", JSONObject([("key", key)]), required: ["key"]),
                d(
                    "kv_set", "kv.write", "Write a key (JSON value up to 64 KB; optional TTL 60 s to 1 year)",
                    JSONObject([("key", key), ("value", [:]), ("ttl_s", ["type": "integer", "minimum": 60, "maximum": 31_536_000])]),
                    required: ["key", "value"]),
                d("kv_delete", "kv.write", "Delete a key", JSONObject([("key", key)]), required: ["key"]),
                d(
                    "kv_list", "kv.read", "List keys in order, optionally under a prefix",
                    JSONObject([
                        ("prefix", ["type": "string", "maxLength": 256]), ("cursor", ["type": "string", "maxLength": 256]),
                        ("limit", ["type": "integer", "minimum": 1, "maximum": 1000]),
                    ]), required: []),
                d("files_read", "files.read", "Read a file of the tenant's file area", JSONObject([("path", path)]), required: ["path"]),
                d(
                    "files_write", "files.write", "Create or replace a file (up to 1 MB) in the tenant's file area",
                    JSONObject([("path", path), ("content_base64", ["type": "string", "maxLength": 1_400_000])]),
                    required: ["path", "content_base64"]),
                d(
                    "files_list", "files.read", "List files of the tenant's file area",
                    JSONObject([("prefix", ["type": "string", "maxLength": 512])]), required: []),
                d(
                    "mail_send", "mail.send", "Queue a mail in the platform's outbox",
                    JSONObject([
                        (
                            "to",
                            [
                                "type": "array", "minItems": 1, "maxItems": 50,
                                "items": ["type": "string", "maxLength": 254, "pattern": "^[^@\\s<>\\r\\n]+@[^@\\s<>\\r\\n]+$"],
                            ]
                        ),
                        ("subject", ["type": "string", "maxLength": 200, "pattern": "^[^\\r\\n]*$"]),
                        ("text", ["type": "string", "maxLength": 262_144]),
                    ]),
                    required: ["to", "subject", "text"]),
                d(
                    "http_fetch", "http.fetch",
                    "Fetch an http:// URL on the manifest's egress allow-list, through the egress rules (answer up to 1 MB)",
                    JSONObject([
                        ("url", ["type": "string", "maxLength": 2048, "pattern": "^[hH][tT][tT][pP][sS]?://[^\\s]+$"]),
                        ("method", ["enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]]),
                        (
                            "headers",
                            [
                                "type": "object", "maxProperties": 50,
                                "additionalProperties": ["type": "string", "maxLength": 8192, "pattern": "^[^\\r\\n]*$"],
                                "propertyNames": ["pattern": "^[A-Za-z0-9-]{1,64}$"],
                            ]
                        ),
                        ("body", ["type": "string", "maxLength": 1_048_576]),
                    ]),
                    required: ["url"]),
                d(
                    "apps_invoke", "apps.invoke",
                    "Call an agent-visible tool of another app installed in the same tenant (chains of at most 8 apps, no cycles)",
                    JSONObject([
                        ("app", ["type": "string", "pattern": "^[a-z][a-z0-9-]{2,63}$"]),
                        ("tool", ["type": "string", "minLength": 1, "maxLength": 64]), ("args", ["type": "object"]),
                    ]),
                    required: ["app", "tool"]),
            ]
            + (operatorTools?.tools ?? []).compactMap { tool in
                (try? JSONSchemaValidator(schema: tool.inputSchema)).map {
                    Descriptor(name: tool.name, scope: tool.scope, description: tool.description, inputSchema: tool.inputSchema, validator: $0)
                }
            }
    }

    public func descriptor(named name: String) -> Descriptor? { descriptors.first { $0.name == name } }

    func run(_ name: String, args: JSONValue, caller: ToolGateway.Caller, requestId: String) async throws -> JSONValue {
        if let operatorTools, let tool = operatorTools.tools.first(where: { $0.name == name }) {
            return try await operatorTools.run(tool, args: args, caller: caller, requestId: requestId)
        }
        let tenantId = caller.tenant.id, appId = caller.app.id
        let now = env.millis
        let repository = self.repository, limits = self.limits
        switch name {
        case "kv_get":
            let key = args["key"]!.stringValue!
            let value = try await store.read { db in try await repository.kvGet(tenantId: tenantId, appId: appId, key: key, now: now, in: db) }
            return ["found": .bool(value != nil), "value": value.flatMap { try? JSONParser.parse(Array($0.utf8)) } ?? .null]
        case "kv_set":
            let key = args["key"]!.stringValue!
            let text = CanonicalJSON.string(args["value"] ?? .null)
            guard text.utf8.count <= limits.kvValueBytes else {
                throw ToolGateway.Refusal("invalid_args", "the value is \(text.utf8.count) bytes of JSON; at most \(limits.kvValueBytes)")
            }
            let expires: Int64? = {
                if case .number(let t)? = args["ttl_s"] { return now + Int64(t) * 1000 }; return nil
            }()
            try await store.transaction { db in
                // Expired entries of this (tenant, app) go as it writes (a few at a time); the rest
                // go by `purgeExpiredKV` on a timer.
                _ = try await repository.kvPurgeExpired(tenantId: tenantId, appId: appId, now: now, limit: Self.purgeOnWrite, in: db)
                let count = try await repository.kvCount(tenantId: tenantId, appId: appId, now: now, in: db)
                let exists = try await repository.kvGet(tenantId: tenantId, appId: appId, key: key, now: now, in: db) != nil
                guard exists || count < limits.kvKeys else {
                    throw ToolGateway.Refusal("invalid_args", "the app's store for this tenant holds \(limits.kvKeys) keys, the most it may")
                }
                try await repository.kvSet(tenantId: tenantId, appId: appId, key: key, value: text, expiresAt: expires, now: now, in: db)
            }
            return ["ok": true]
        case "kv_delete":
            let key = args["key"]!.stringValue!
            let deleted = try await store.transaction { db in
                try await repository.kvDelete(tenantId: tenantId, appId: appId, key: key, now: now, in: db)
            }
            return ["deleted": .bool(deleted)]
        case "kv_list":
            let limit = args["limit"].flatMap { if case .number(let n) = $0 { Int(n) } else { nil } } ?? 100
            let prefix = args["prefix"]?.stringValue ?? "", cursor = args["cursor"]?.stringValue
            let keys = try await store.read { db in
                try await repository.kvList(tenantId: tenantId, appId: appId, prefix: prefix, after: cursor, limit: limit + 1, now: now, in: db)
            }
            let shown = Array(keys.prefix(limit))
            return ["keys": .array(shown.map(JSONValue.string)), "next_cursor": keys.count > limit ? .string(shown.last!) : .null]
        case "files_read":
            let path = try Self.checked(path: args["path"]!.stringValue!)
            guard let file = try await store.read({ db in try await repository.file(tenantId: tenantId, path: path, in: db) }) else {
                throw ToolGateway.Refusal("invalid_args", "no file \(path)")
            }
            return ["content_base64": .string(file.content), "size": .number(Double(file.size))]
        case "files_write":
            let path = try Self.checked(path: args["path"]!.stringValue!)
            guard let data = Data(base64Encoded: args["content_base64"]!.stringValue!) else {
                throw ToolGateway.Refusal("invalid_args", "content_base64 is not base64")
            }
            guard data.count <= limits.fileBytes else { throw ToolGateway.Refusal("invalid_args", "a file is at most \(limits.fileBytes) bytes") }
            try await store.transaction { db in
                let used = try await repository.totalFileBytes(tenantId: tenantId, excluding: path, in: db)
                guard used + Int64(data.count) <= limits.tenantFileBytes else {
                    throw ToolGateway.Refusal("invalid_args", "the tenant's file area would exceed \(limits.tenantFileBytes) bytes")
                }
                try await repository.writeFile(
                    tenantId: tenantId, path: path, content: data.base64EncodedString(), size: Int64(data.count), appId: appId, now: now, in: db)
            }
            return ["size": .number(Double(data.count))]
        case "files_list":
            let prefix = args["prefix"]?.stringValue ?? ""
            let files = try await store.read { db in try await repository.files(tenantId: tenantId, prefix: prefix, limit: 1000, in: db) }
            return [
                "files": .array(
                    files.map {
                        .object(
                            JSONObject([
                                ("path", .string($0.path)), ("size", .number(Double($0.size))),
                                ("modified_at", .string(Timestamp.iso($0.modifiedAt))),
                            ]))
                    })
            ]
        case "mail_send":
            let to = (args["to"]?.arrayValue ?? []).compactMap(\.stringValue)
            let id = env.id("mail")
            try await store.transaction { db in
                try await repository.queueMail(
                    id: id, tenantId: tenantId, appId: appId, recipients: CanonicalJSON.string(.array(to.map(JSONValue.string))),
                    subject: args["subject"]!.stringValue!, body: args["text"]!.stringValue!, now: now, in: db)
            }
            return ["queued": true, "id": .string(id)]
        default:
            throw ToolGateway.Refusal("unknown_tool", "the platform has no tool \(name)")
        }
    }

    /// Expired kv entries deleted by each `kv_set`, of its own (tenant, app).
    static let purgeOnWrite = 100

    /// Deletes expired kv entries of every app, in transactions of at most `batch` rows, until
    /// none is left or `maxBatches` ran (the next run takes the rest); returns how many it deleted.
    public func purgeExpiredKV(batch: Int = 1000, maxBatches: Int = 50) async throws -> Int {
        let repository = self.repository
        var total = 0
        for _ in 0..<maxBatches {
            let now = env.millis
            let deleted = try await store.transaction { db in try await repository.kvPurgeExpired(now: now, limit: batch, in: db) }
            total += deleted
            if deleted < batch { break }
        }
        return total
    }

    /// A path inside the tenant's area: relative, no `.` or `..` segments (the schema already
    /// limits the characters).
    static func checked(path: String) throws -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.hasPrefix("/"), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw ToolGateway.Refusal("invalid_args", "\(path) is not a path inside the tenant's file area")
        }
        return path
    }
}
