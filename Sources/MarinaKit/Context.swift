import Foundation
import Logging
import MarinaCore

/// What a handler gets: who it runs for, the request or event it answers, and the platform.
public struct Context: Sendable {
    public let tenant: String?
    public let app: String
    public let version: String
    /// `X-Marina-Request-Id` (or the event id for an event).
    public let requestId: String?
    /// The event's id; nil in a tool call.
    public let eventId: String?
    /// The invocation token's claims; empty when a test calls a handler directly.
    public let claims: JSONObject
    public let tools: Tools
    public let secrets: Secrets
    public let kv: KV
    /// Writes to standard error (the instance's log), tagged with the request id.
    public let logger: Logger

    init(platform: any PlatformBackend, tenant: String?, app: String, version: String, requestId: String?, eventId: String?, claims: JSONObject) {
        self.tenant = tenant
        self.app = app
        self.version = version
        self.requestId = requestId
        self.eventId = eventId
        self.claims = claims
        var logger = Logger(label: "app.\(app)") { StreamLogHandler.standardError(label: $0) }
        if let requestId { logger[metadataKey: "request_id"] = .string(requestId) }
        self.logger = logger
        let platform = (platform as? HTTPPlatform)?.forRequest(requestId) ?? platform
        tools = Tools(platform: platform)
        secrets = Secrets(platform: platform)
        kv = KV(tools: tools)
    }
}

/// Platform tools, under the scopes the tenant granted.
public struct Tools: Sendable {
    let platform: any PlatformBackend

    /// Calls a platform tool; a refusal throws `ToolCallError` with its decision and needed scopes.
    public func call(_ name: String, _ args: JSONValue = [:]) async throws(ToolCallError) -> JSONValue {
        try await platform.callTool(name, args)
    }

    /// The tools this app may call, each with its input schema.
    public func list() async throws(ToolCallError) -> [JSONValue] { try await platform.listTools() }
}

/// The app's secrets: tenant override, else developer default, else nil. Never throws.
public struct Secrets: Sendable {
    let platform: any PlatformBackend

    public func get(_ key: String) async -> String? { await platform.secret(key) }
}

/// The kv tools (scopes `kv.read`, `kv.write`): JSON values private to this tenant and app.
public struct KV: Sendable {
    let tools: Tools

    /// The value, or nil when the key is absent (or expired).
    public func get(_ key: String) async throws(ToolCallError) -> JSONValue? {
        let answer = try await tools.call("kv_get", ["key": .string(key)])
        return answer["found"]?.boolValue == true ? answer["value"] : nil
    }

    /// Stores `value`; with `ttlSeconds` (60…31536000) it expires.
    public func set(_ key: String, _ value: JSONValue, ttlSeconds: Int? = nil) async throws(ToolCallError) {
        var args = JSONObject([("key", .string(key)), ("value", value)])
        if let ttlSeconds { args["ttl_s"] = .number(Double(ttlSeconds)) }
        _ = try await tools.call("kv_set", .object(args))
    }

    /// True when the key existed.
    @discardableResult
    public func delete(_ key: String) async throws(ToolCallError) -> Bool {
        try await tools.call("kv_delete", ["key": .string(key)])["deleted"]?.boolValue ?? false
    }

    /// One page of keys in order, and the cursor of the next page (nil at the end).
    public func list(
        prefix: String? = nil, cursor: String? = nil, limit: Int? = nil
    ) async throws(ToolCallError) -> (keys: [String], nextCursor: String?) {
        var args = JSONObject()
        if let prefix { args["prefix"] = .string(prefix) }
        if let cursor { args["cursor"] = .string(cursor) }
        if let limit { args["limit"] = .number(Double(limit)) }
        let answer = try await tools.call("kv_list", .object(args))
        return (answer["keys"]?.arrayValue?.compactMap(\.stringValue) ?? [], answer["next_cursor"]?.stringValue)
    }

    /// Every key under `prefix`, page by page.
    public func keys(prefix: String? = nil) async throws(ToolCallError) -> [String] {
        var all: [String] = []
        var cursor: String?
        repeat {
            let page = try await list(prefix: prefix, cursor: cursor, limit: 1000)
            all += page.keys
            cursor = page.nextCursor
        } while cursor != nil
        return all
    }
}

/// An event delivered to the app: its id (the same on a redelivery), type and payload.
public struct Event: Sendable {
    public let id: String
    public let type: String
    public let payload: JSONValue
    /// The whole envelope as delivered.
    public let envelope: JSONObject

    /// `nightly` for `schedule.nightly`, the type itself for a lifecycle event.
    public var name: String { type.split(separator: ".", maxSplits: 1).last.map(String.init) ?? type }
}
