/// Which audit records a query wants. Every field narrows; `before` and `after` are sequence
/// numbers (cursors).
public struct AuditFilter: Sendable, Equatable {
    public var tenant: String?
    public var app: String?
    public var kind: String?
    public var name: String?
    public var status: String?
    public var decision: String?
    public var since: Int64?
    public var until: Int64?
    public var before: Int64?
    public var after: Int64?
    public init(
        tenant: String? = nil, app: String? = nil, kind: String? = nil, name: String? = nil, status: String? = nil, decision: String? = nil,
        since: Int64? = nil, until: Int64? = nil, before: Int64? = nil, after: Int64? = nil
    ) {
        (self.tenant, self.app, self.kind, self.name, self.status, self.decision) = (tenant, app, kind, name, status, decision)
        (self.since, self.until, self.before, self.after) = (since, until, before, after)
    }
}
