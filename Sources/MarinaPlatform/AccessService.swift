import Crypto
import Foundation
import MarinaCore
import MarinaStore

/// API keys and who they belong to: authentication of every request, the first admin, creating,
/// listing and revoking keys. A key is `mk_` + 32 random bytes (base64url), shown once and stored
/// only as its SHA-256.
public struct AccessService: Sendable {
    let store: Store
    let env: PlatformEnvironment
    let identities = IdentityRepository()
    let tenants = TenantRepository()
    /// Keys seen in the last second: every request authenticates, and most come in bursts.
    /// Revoking through this process clears it; another replica's revocation counts within a second.
    let recent = TTLCache<String, (APIKeyRecord, IdentityRecord)>(ttl: 1)

    public init(store: Store, env: PlatformEnvironment = .live) {
        self.store = store
        self.env = env
    }

    public static let keyPrefix = "mk_"

    static func hash(_ key: String) -> String {
        Hex.string(SHA256.hash(data: Data(key.utf8)))
    }

    func newKey() -> String {
        Self.keyPrefix + Base64URL.encode(env.randomBytes(32))
    }

    /// The caller behind a key, or `unauthorized`.
    public func authenticate(_ key: String) async throws -> Principal {
        guard key.hasPrefix(Self.keyPrefix), key.count < 200 else {
            throw PlatformError(.unauthorized, .invalidApiKey, "the API key is not valid")
        }
        let hash = Self.hash(key)
        let now = env.now()
        var found = recent.value(hash, now: now)
        if found == nil {
            found = try await store.read({ db in try await identities.key(hash: hash, in: db) })
            if let found { recent.store(hash, found, now: now) }
        }
        guard let (record, identity) = found else {
            throw PlatformError(.unauthorized, .invalidApiKey, "the API key is not valid")
        }
        guard record.revokedAt == nil else {
            throw PlatformError(.unauthorized, .keyRevoked, "the API key was revoked")
        }
        let millis = env.millis
        if (record.lastUsedAt ?? 0) < millis - 60_000 {
            try await store.transaction { db in try await identities.touch(keyId: record.id, at: millis, in: db) }
            recent.removeAll()
        }
        guard let role = Role(rawValue: identity.role) else {
            throw PlatformError(.internalError, .internal, "identity \(identity.id) has an unknown role")
        }
        return Principal(identityId: identity.id, role: role, name: identity.name, tenantId: identity.tenantId, keyId: record.id)
    }

    /// Creates the first admin and its key, once per platform (whichever `serve` gets there
    /// first). Returns the key when this call created it.
    public func bootstrapAdmin() async throws -> String? {
        let key = newKey()
        let now = env.millis
        let identity = IdentityRecord(id: env.id("idn"), role: Role.admin.rawValue, name: "admin", tenantId: nil, createdBy: nil, createdAt: now)
        let record = APIKeyRecord(
            id: env.id("key"), identityId: identity.id, name: "bootstrap", hint: String(key.prefix(9)), keyHash: Self.hash(key), createdAt: now)
        return try await store.transaction { db in
            guard try await identities.recordFact("admin_bootstrapped", value: identity.id, at: now, in: db) else { return nil }
            try await identities.insert(identity, in: db)
            try await identities.insert(record, in: db)
            return key
        }
    }

    public struct KeyRequest: Sendable, Codable {
        public var name: String?
        /// Create a new identity with this role (and a key for it); nil: a key for the caller.
        public var role: Role?
        /// The tenant of a new tenant identity (its slug).
        public var tenant: String?
        public init(name: String? = nil, role: Role? = nil, tenant: String? = nil) {
            (self.name, self.role, self.tenant) = (name, role, tenant)
        }
    }

    public func createKey(_ principal: Principal, _ request: KeyRequest) async throws -> CreatedKeyView {
        let name = (request.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard name.count <= 100, !name.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true }) else {
            throw PlatformError.invalid("a key name is at most 100 characters, without control characters")
        }
        let now = env.millis
        let key = newKey()
        return try await store.transaction { db in
            var identity: IdentityRecord
            var tenantSlug: String?
            if let role = request.role {
                var tenantId: String?
                if role.isTenantRole {
                    guard let slug = request.tenant else { throw PlatformError.invalid("a \(role.rawValue) key needs --tenant") }
                    guard let tenant = try await tenants.find(slug: slug, in: db), principal.canSee(tenantId: tenant.id) else {
                        throw PlatformError.notFound("tenant \(slug)")
                    }
                    guard principal.isAdmin || principal.role == .tenantAdmin else {
                        throw PlatformError.forbidden("only admins and tenant admins create keys for tenant members")
                    }
                    tenantId = tenant.id
                    tenantSlug = tenant.slug
                } else {
                    guard principal.isAdmin else { throw PlatformError.forbidden("only admins create \(role.rawValue) identities") }
                    guard request.tenant == nil else { throw PlatformError.invalid("a \(role.rawValue) belongs to no tenant") }
                }
                identity = IdentityRecord(
                    id: env.id("idn"), role: role.rawValue, name: name.isEmpty ? role.rawValue : name, tenantId: tenantId,
                    createdBy: principal.identityId, createdAt: now)
                try await identities.insert(identity, in: db)
            } else {
                guard let own = try await identities.identity(id: principal.identityId, in: db) else { throw PlatformError.notFound("identity") }
                identity = own
                if let tenantId = own.tenantId { tenantSlug = try await tenants.find(id: tenantId, in: db)?.slug }
            }
            let record = APIKeyRecord(
                id: env.id("key"), identityId: identity.id, name: name.isEmpty ? identity.name : name,
                hint: String(key.prefix(9)), keyHash: Self.hash(key), createdAt: now)
            try await identities.insert(record, in: db)
            try await AuditLog.admin(
                principal, "key.create", tenant: tenantSlug,
                input: ["key_id": .string(record.id), "identity": .string(identity.id), "role": .string(identity.role)],
                store: store, env: env, in: db)
            return CreatedKeyView(key: key, details: KeyView(record, identity: IdentityView(identity, tenantSlug: tenantSlug)))
        }
    }

    /// Keys the caller may see: all (admin), the tenant's (tenant admin), or the caller's own.
    public func listKeys(_ principal: Principal) async throws -> [KeyView] {
        try await store.read { db in
            let rows: [(APIKeyRecord, IdentityRecord)]
            switch principal.role {
            case .admin: rows = try await identities.keys(in: db)
            case .tenantAdmin: rows = try await identities.keys(tenantId: principal.tenantId, in: db)
            default: rows = try await identities.keys(identityId: principal.identityId, in: db)
            }
            let slugs = Dictionary(uniqueKeysWithValues: try await tenants.all(in: db).map { ($0.id, $0.slug) })
            return rows.map { KeyView($0.0, identity: IdentityView($0.1, tenantSlug: $0.1.tenantId.flatMap { slugs[$0] })) }
        }
    }

    public func revokeKey(_ principal: Principal, id: String) async throws -> KeyView {
        let visible = try await listKeys(principal)
        guard visible.contains(where: { $0.id == id }) else { throw PlatformError.notFound("key \(id)") }
        let now = env.millis
        let tenant = visible.first(where: { $0.id == id })?.identity.tenant
        try await store.transaction { db in
            try await identities.revoke(keyId: id, at: now, in: db)
            try await AuditLog.admin(principal, "key.revoke", tenant: tenant, input: ["key_id": .string(id)], store: store, env: env, in: db)
        }
        recent.removeAll()
        guard let view = try await listKeys(principal).first(where: { $0.id == id }) else { throw PlatformError.notFound("key \(id)") }
        return view
    }

    public func whoami(_ principal: Principal) async throws -> IdentityView {
        try await store.read { db in
            guard let identity = try await identities.identity(id: principal.identityId, in: db) else { throw PlatformError.notFound("identity") }
            let slug = try await identity.tenantId.asyncMap { try await tenants.find(id: $0, in: db)?.slug } ?? nil
            return IdentityView(identity, tenantSlug: slug)
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
