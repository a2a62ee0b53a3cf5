import SQLKit

/// Tenants: the isolated customer workspaces.
public struct TenantRepository: Sendable {
    public init() {}

    public func insert(_ tenant: TenantRecord, in db: StoreHandle) async throws {
        do {
            try await db.insert(tenant, into: "tenants")
        } catch  where StoreError.isUniqueViolation(error) {
            throw StoreError.conflict("a tenant named \(tenant.slug) exists")
        }
    }

    public func all(in db: StoreHandle) async throws -> [TenantRecord] {
        try await db.select().column("*").from("tenants").orderBy("slug").rows(TenantRecord.self)
    }

    public func find(slug: String, in db: StoreHandle) async throws -> TenantRecord? {
        try await db.select().column("*").from("tenants").where("slug", .equal, slug).row(TenantRecord.self)
    }

    public func find(id: String, in db: StoreHandle) async throws -> TenantRecord? {
        try await db.select().column("*").from("tenants").where("id", .equal, id).row(TenantRecord.self)
    }
}
