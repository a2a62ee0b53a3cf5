import MarinaCore
import MarinaStore

/// Tenants: created by the platform admin; each tenant's identities see only their own tenant.
public struct TenantService: Sendable {
    let store: Store
    let env: PlatformEnvironment
    let tenants = TenantRepository()

    public init(store: Store, env: PlatformEnvironment = .live) {
        self.store = store
        self.env = env
    }

    public func create(_ principal: Principal, slug: String, name: String?, staging: Bool) async throws -> TenantView {
        guard principal.isAdmin else { throw PlatformError.forbidden("only the platform admin creates tenants") }
        guard Slug.isValid(slug) else {
            throw PlatformError.invalid(
                "\"\(slug)\" is not a valid tenant name: 3–64 characters of a-z, 0-9 and '-', starting with a letter", code: .invalidTenant)
        }
        let display = (name ?? slug).trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(display.count) else { throw PlatformError.invalid("a tenant's display name is 1–200 characters") }
        let record = TenantRecord(id: env.id("ten"), slug: slug, name: display, staging: staging, createdAt: env.millis)
        do {
            try await store.transaction { db in
                try await tenants.insert(record, in: db)
                try await AuditLog.admin(principal, "tenant.create", tenant: slug, store: store, env: env, in: db)
            }
        } catch StoreError.conflict {
            throw PlatformError(.conflict, .tenantExists, "a tenant named \(slug) exists")
        }
        return TenantView(record)
    }

    public func list(_ principal: Principal) async throws -> [TenantView] {
        switch principal.role {
        case .admin:
            return try await store.read { db in try await tenants.all(in: db) }.map(TenantView.init)
        case .tenantAdmin, .tenantMember:
            return [try await resolve(principal, id: principal.tenantId ?? "")].map(TenantView.init)
        case .developer:
            throw PlatformError.forbidden("developers belong to no tenant")
        }
    }

    public func get(_ principal: Principal, slug: String) async throws -> TenantView {
        TenantView(try await resolve(principal, slug: slug))
    }

    /// The tenant if the caller may see it; `not_found` otherwise, whether or not it exists.
    public func resolve(_ principal: Principal, slug: String) async throws -> TenantRecord {
        guard let tenant = try await store.read({ db in try await tenants.find(slug: slug, in: db) }), principal.canSee(tenantId: tenant.id) else {
            throw PlatformError.notFound("tenant \(slug)")
        }
        return tenant
    }

    func resolve(_ principal: Principal, id: String) async throws -> TenantRecord {
        guard let tenant = try await store.read({ db in try await tenants.find(id: id, in: db) }), principal.canSee(tenantId: tenant.id) else {
            throw PlatformError.notFound("tenant")
        }
        return tenant
    }
}
