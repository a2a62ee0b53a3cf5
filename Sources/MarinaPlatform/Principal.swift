/// Roles of identities. The platform admin runs the platform; developers own apps; tenant admins
/// and members belong to exactly one tenant and see nothing of any other.
public enum Role: String, Sendable, Codable, CaseIterable {
    case admin
    case developer
    case tenantAdmin = "tenant_admin"
    case tenantMember = "tenant_member"

    public var isTenantRole: Bool { self == .tenantAdmin || self == .tenantMember }
}

/// The authenticated caller of an operation.
public struct Principal: Sendable, Equatable {
    public var identityId: String
    public var role: Role
    public var name: String
    public var tenantId: String?
    public var keyId: String?

    public init(identityId: String, role: Role, name: String, tenantId: String?, keyId: String?) {
        self.identityId = identityId
        self.role = role
        self.name = name
        self.tenantId = tenantId
        self.keyId = keyId
    }

    public var isAdmin: Bool { role == .admin }

    /// Whether the caller may see the tenant at all (admins see every tenant).
    public func canSee(tenantId: String) -> Bool { isAdmin || self.tenantId == tenantId }
}
