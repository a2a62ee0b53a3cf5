import SQLKit

/// Data keys and encrypted secret values.
public struct SecretRepository: Sendable {
    public init() {}

    public func dataKeys(in db: StoreHandle) async throws -> [DataKeyRecord] {
        try await db.select().column("*").from("data_keys").orderBy("owner").orderBy("generation").rows(DataKeyRecord.self)
    }

    public func dataKey(id: String, in db: StoreHandle) async throws -> DataKeyRecord? {
        try await db.select().column("*").from("data_keys").where("id", .equal, id).row(DataKeyRecord.self)
    }

    /// The key that encrypts new values of `owner`.
    public func activeDataKey(owner: String, in db: StoreHandle) async throws -> DataKeyRecord? {
        try await db.select().column("*").from("data_keys").where("owner", .equal, owner).where("state", .equal, "active")
            .orderBy("generation", .descending).limit(1).row(DataKeyRecord.self)
    }

    public func newestGeneration(owner: String, in db: StoreHandle) async throws -> Int64 {
        try await db.select().column("*").from("data_keys").where("owner", .equal, owner).orderBy("generation", .descending).limit(1)
            .row(DataKeyRecord.self)?.generation ?? 0
    }

    public func insert(_ key: DataKeyRecord, in db: StoreHandle) async throws {
        try await db.insert(key, into: "data_keys")
    }

    public func rewrap(id: String, wrapped: String, masterKeyId: String, in db: StoreHandle) async throws {
        try await db.update("data_keys").set("wrapped", to: wrapped).set("master_key_id", to: masterKeyId).where("id", .equal, id).run()
    }

    public func setState(dataKeyId: String, state: String, in db: StoreHandle) async throws {
        try await db.update("data_keys").set("state", to: state).where("id", .equal, dataKeyId).run()
    }

    public func deleteDataKey(id: String, in db: StoreHandle) async throws {
        try await db.delete(from: "data_keys").where("id", .equal, id).run()
    }

    /// The secret of (app, tenant or nil for the default, key).
    public func secret(appId: String, tenantId: String?, key: String, in db: StoreHandle) async throws -> SecretRecord? {
        var query = db.select().column("*").from("secrets").where("app_id", .equal, appId).where("key_name", .equal, key)
        query = tenantId.map { query.where("tenant_id", .equal, $0) } ?? query.where("tenant_id", .is, SQLLiteral.null)
        return try await query.row(SecretRecord.self)
    }

    /// Secrets of an app: defaults (`tenantId` nil and `defaultsOnly`), one tenant's overrides, or all.
    public func secrets(
        appId: String? = nil, tenantId: String? = nil, defaultsOnly: Bool = false, in db: StoreHandle
    ) async throws -> [SecretRecord] {
        var query = db.select().column("*").from("secrets")
        if let appId { query = query.where("app_id", .equal, appId) }
        if let tenantId { query = query.where("tenant_id", .equal, tenantId) }
        if defaultsOnly { query = query.where("tenant_id", .is, SQLLiteral.null) }
        return try await query.orderBy("key_name").rows(SecretRecord.self)
    }

    /// Up to `limit` secrets still encrypted under `dataKeyId`.
    public func secrets(dataKeyId: String, limit: Int, in db: StoreHandle) async throws -> [SecretRecord] {
        try await db.select().column("*").from("secrets").where("data_key_id", .equal, dataKeyId).limit(limit).rows(SecretRecord.self)
    }

    public func insert(_ secret: SecretRecord, in db: StoreHandle) async throws {
        try await db.insert(secret, into: "secrets")
    }

    public func replace(_ secret: SecretRecord, in db: StoreHandle) async throws {
        try await db.update("secrets").set("description", to: secret.description).set("key_version", to: secret.keyVersion)
            .set("data_key_id", to: secret.dataKeyId).set("nonce", to: secret.nonce).set("ciphertext", to: secret.ciphertext)
            .set("updated_by", to: secret.updatedBy).set("updated_at", to: secret.updatedAt).where("id", .equal, secret.id).run()
    }

    /// Replaces the encryption of a row only if nobody changed it since it was read (a rotation
    /// must never write an older value over a concurrent set); answers whether it did.
    public func reencrypt(_ secret: SecretRecord, wasKey dataKeyId: String, in db: StoreHandle) async throws -> Bool {
        struct Row: Decodable { var id: String }
        let updated = try await db.update("secrets").set("data_key_id", to: secret.dataKeyId).set("nonce", to: secret.nonce).set(
            "ciphertext", to: secret.ciphertext
        )
        .where("id", .equal, secret.id).where("key_version", .equal, secret.keyVersion).where("data_key_id", .equal, dataKeyId)
        .returning("id").all(decoding: Row.self)
        return !updated.isEmpty
    }

    /// Deletes a tenant's overrides of an app; returns how many.
    public func deleteOverrides(appId: String, tenantId: String, in db: StoreHandle) async throws -> Int {
        try await db.delete(from: "secrets").where("app_id", .equal, appId).where("tenant_id", .equal, tenantId).returning("app_id").all().count
    }

    public func delete(id: String, in db: StoreHandle) async throws {
        try await db.delete(from: "secrets").where("id", .equal, id).run()
    }

    /// Signing keys' wrapped private keys are rewrapped with the master key too.
    public func signingKeys(in db: StoreHandle) async throws -> [SigningKeyRecord] {
        try await db.select().column("*").from("signing_keys").orderBy("created_at").rows(SigningKeyRecord.self)
    }

    public func setSigningKey(kid: String, privateKey: String, in db: StoreHandle) async throws {
        try await db.update("signing_keys").set("private_key", to: privateKey).where("kid", .equal, kid).run()
    }
}
