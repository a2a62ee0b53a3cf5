/// One permission of the scope catalog and the platform tools it gates.
public struct ScopeDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    public var tools: [String]

    public init(name: String, description: String, tools: [String]) {
        self.name = name
        self.description = description
        self.tools = tools
    }
}

/// The scopes partners may ask for. Partners pick scopes; they never invent them. Each platform
/// tool belongs to exactly one scope. An operator adds scopes with a YAML file (`ScopeCatalog.extended`).
public struct ScopeCatalog: Sendable {
    public private(set) var scopes: [ScopeDefinition]
    private var byName: [String: Int] = [:]

    public init(_ scopes: [ScopeDefinition]) {
        self.scopes = []
        for s in scopes { add(s) }
    }

    private mutating func add(_ s: ScopeDefinition) {
        byName[s.name] = scopes.count
        scopes.append(s)
    }

    public func contains(_ name: String) -> Bool { byName[name] != nil }
    public subscript(name: String) -> ScopeDefinition? { byName[name].map { scopes[$0] } }

    /// The scope that gates a platform tool.
    public func scope(forTool tool: String) -> ScopeDefinition? { scopes.first { $0.tools.contains(tool) } }

    /// The closest known scope name, for "did you mean" hints.
    func suggestion(for name: String) -> String? {
        let best = scopes.map { ($0.name, EditDistance.between($0.name, name)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, name.count / 3) else { return nil }
        return best.0
    }

    public static let `default` = ScopeCatalog([
        ScopeDefinition(name: "kv.read", description: "Read the app's private key-value store for this tenant", tools: ["kv_get", "kv_list"]),
        ScopeDefinition(
            name: "kv.write", description: "Write and delete keys in the app's private key-value store for this tenant",
            tools: ["kv_set", "kv_delete"]),
        ScopeDefinition(name: "files.read", description: "Read and list files in the tenant's file area", tools: ["files_read", "files_list"]),
        ScopeDefinition(name: "files.write", description: "Create and replace files in the tenant's file area", tools: ["files_write"]),
        ScopeDefinition(name: "mail.read", description: "Read the tenant's mailbox", tools: ["mail_list", "mail_read"]),
        ScopeDefinition(name: "mail.send", description: "Send mail on the tenant's behalf through the platform's outbox", tools: ["mail_send"]),
        ScopeDefinition(name: "calendar.read", description: "Read the tenant's calendar events", tools: ["calendar_list_events"]),
        ScopeDefinition(
            name: "calendar.write", description: "Create and change events in the tenant's calendar",
            tools: ["calendar_create_event", "calendar_update_event"]),
        ScopeDefinition(
            name: "http.fetch", description: "Fetch URLs on the manifest's egress allow-list through the platform's egress proxy",
            tools: ["http_fetch"]),
        ScopeDefinition(
            name: "apps.invoke", description: "Call agent-visible tools of other apps installed in the same tenant", tools: ["apps_invoke"]),
        ScopeDefinition(
            name: "ai.complete", description: "Ask the platform's language model for a completion, billed to the payer of ai_compute",
            tools: ["ai_complete"]),
    ])
}

enum EditDistance {
    static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
