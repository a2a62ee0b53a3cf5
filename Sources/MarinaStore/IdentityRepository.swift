import SQLKit

/// Identities (admin, developers, tenant admins and members) and their API keys.
public struct IdentityRepository: Sendable {
    public init() {}

    public func insert(_ identity: IdentityRecord, in db: StoreHandle) async throws {
        try await db.insert(identity, into: "identities")
    }

    public func insert(_ key: APIKeyRecord, in db: StoreHandle) async throws {
        try await db.insert(key, into: "api_keys")
    }

    public func identity(id: String, in db: StoreHandle) async throws -> IdentityRecord? {
        try await db.select().column("*").from("identities").where("id", .equal, id).row(IdentityRecord.self)
    }

    public func identities(role: String, in db: StoreHandle) async throws -> [IdentityRecord] {
        try await db.select().column("*").from("identities").where("role", .equal, role).orderBy("created_at").rows(IdentityRecord.self)
    }

    /// The key with this hash and its identity, if the key exists (revoked or not).
    public func key(hash: String, in db: StoreHandle) async throws -> (APIKeyRecord, IdentityRecord)? {
        guard let key = try await db.select().column("*").from("api_keys").where("key_hash", .equal, hash).row(APIKeyRecord.self),
            let identity = try await identity(id: key.identityId, in: db)
        else { return nil }
        return (key, identity)
    }

    public func key(id: String, in db: StoreHandle) async throws -> APIKeyRecord? {
        try await db.select().column("*").from("api_keys").where("id", .equal, id).row(APIKeyRecord.self)
    }

    /// Keys with their identities; narrowed to one tenant or one identity when given.
    public func keys(tenantId: String? = nil, identityId: String? = nil, in db: StoreHandle) async throws -> [(APIKeyRecord, IdentityRecord)] {
        let keys = try await db.select().column("*").from("api_keys").orderBy("created_at").rows(APIKeyRecord.self)
        let identities = try await db.select().column("*").from("identities").rows(IdentityRecord.self)
        let byId = Dictionary(uniqueKeysWithValues: identities.map { ($0.id, $0) })
        return keys.compactMap { key in
            guard let identity = byId[key.identityId] else { return nil }
            if let tenantId, identity.tenantId != tenantId { return nil }
            if let identityId, identity.id != identityId { return nil }
            return (key, identity)
        }
    }

    public func revoke(keyId: String, at time: Int64, in db: StoreHandle) async throws {
        try await db.update("api_keys").set("revoked_at", to: time).where("id", .equal, keyId).where("revoked_at", .is, SQLLiteral.null).run()
    }

    /// Records use, at most once a minute per key so that reads do not all become writes.
    public func touch(keyId: String, at time: Int64, in db: StoreHandle) async throws {
        try await db.update("api_keys").set("last_used_at", to: time)
            .where("id", .equal, keyId)
            .where { $0.where("last_used_at", .is, SQLLiteral.null).orWhere("last_used_at", .lessThan, time - 60_000) }
            .run()
    }

    /// Records a one-time fact; returns false when it was recorded before (by anyone).
    public func recordFact(_ name: String, value: String, at time: Int64, in db: StoreHandle) async throws -> Bool {
        do {
            try await db.insert(into: "platform_facts").columns("name", "value", "recorded_at").values(SQLBind(name), SQLBind(value), SQLBind(time))
                .run()
            return true
        } catch  where StoreError.isUniqueViolation(error) {
            return false
        }
    }
}
