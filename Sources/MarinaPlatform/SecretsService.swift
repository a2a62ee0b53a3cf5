import Foundation
import MarinaCore
import MarinaStore
import MarinaVault

/// Secrets of apps: a developer's defaults and each tenant's overrides, encrypted by the vault.
/// Values are write-only: nothing here returns one except `resolve`, which serves the app itself
/// (`/api/mcp/app-secrets`, `${secret:KEY}` at start) and audits every read by key name.
public struct SecretsService: Sendable {
    public static let maxValueBytes = 64 * 1024
    let store: Store
    let vault: Vault
    let tenants: TenantService
    let audit: AuditLog
    let env: PlatformEnvironment
    let repository = SecretRepository()
    let registry = RegistryRepository()
    let installs = InstallRepository()

    public init(store: Store, vault: Vault, tenants: TenantService, audit: AuditLog, env: PlatformEnvironment = .live) {
        (self.store, self.vault, self.tenants, self.audit, self.env) = (store, vault, tenants, audit, env)
    }

    public struct SetRequest: Codable, Sendable {
        public var value: String
        public var description: String?
        public init(value: String, description: String? = nil) { (self.value, self.description) = (value, description) }
    }

    /// Sets a default (`tenant` nil; the app's owner or an admin) or a tenant override (the
    /// tenant's admin or an admin).
    public func set(
        _ principal: Principal, app slug: String, tenant tenantSlug: String?, key: String, _ request: SetRequest
    ) async throws -> SecretView {
        try Self.check(key: key)
        guard request.value.utf8.count <= Self.maxValueBytes else {
            throw PlatformError(.tooLarge, .secretTooLarge, "a secret value is at most 64 KB; this one is \(request.value.utf8.count) bytes")
        }
        let description = request.description ?? ""
        guard description.unicodeScalars.count <= 200, !description.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw PlatformError.invalid("a description is at most 200 characters, without control characters", code: .invalidDescription)
        }
        let (app, tenant) = try await target(principal, app: slug, tenant: tenantSlug)
        let now = env.millis
        let record = try await store.transaction { db in
            try await self.write(
                value: request.value, description: description, app: app, tenant: tenant, key: key, actor: principal.identityId, now: now, in: db)
        }
        return SecretView(record, tenant: tenant?.slug)
    }

    /// Stores a value inside the caller's transaction (install settings of type `secret`).
    func write(
        value: String, description: String?, app: AppRecord, tenant: TenantRecord?, key: String, actor: String, now: Int64, in db: StoreHandle
    ) async throws -> SecretRecord {
        let existing = try await repository.secret(appId: app.id, tenantId: tenant?.id, key: key, in: db)
        let version = (existing?.keyVersion ?? 0) + 1
        let sealed = try await vault.seal(
            Array(value.utf8), owner: tenant.map { Vault.tenantOwner($0.id) } ?? Vault.defaultsOwner,
            appId: app.id, tenantId: tenant?.id, key: key, version: version, in: db)
        let record = SecretRecord(
            id: existing?.id ?? env.id("sec"), appId: app.id, tenantId: tenant?.id, keyName: key,
            description: description ?? existing?.description ?? "", keyVersion: version, dataKeyId: sealed.dataKeyId,
            nonce: sealed.nonce, ciphertext: sealed.ciphertext, updatedBy: actor, updatedAt: now)
        if existing == nil { try await repository.insert(record, in: db) } else { try await repository.replace(record, in: db) }
        try await AuditLog.admin(
            actor: actor, "secret.set", tenant: tenant?.slug, app: app.slug,
            input: ["secret": .string(key), "level": tenant == nil ? "default" : "tenant", "version": .number(Double(version))], store: store,
            env: env, in: db)
        return record
    }

    public func unset(_ principal: Principal, app slug: String, tenant tenantSlug: String?, key: String) async throws {
        try Self.check(key: key)
        let (app, tenant) = try await target(principal, app: slug, tenant: tenantSlug)
        try await store.transaction { db in
            guard let existing = try await self.repository.secret(appId: app.id, tenantId: tenant?.id, key: key, in: db) else {
                throw PlatformError(
                    .notFound, .secretNotFound, "\(slug) has no \(tenant == nil ? "default" : "override in \(tenant!.slug)") for \(key)")
            }
            try await self.repository.delete(id: existing.id, in: db)
            try await AuditLog.admin(
                principal, "secret.unset", tenant: tenant?.slug, app: app.slug,
                input: ["secret": .string(key), "level": tenant == nil ? "default" : "tenant"], store: self.store, env: self.env, in: db)
        }
    }

    /// Key, level, description and update time; never a value. With a tenant: its overrides and
    /// the defaults they override.
    public func list(_ principal: Principal, app slug: String, tenant tenantSlug: String?) async throws -> [SecretView] {
        let (app, tenant) = try await target(principal, app: slug, tenant: tenantSlug, reading: true)
        return try await store.read { db in
            var views = try await self.repository.secrets(appId: app.id, defaultsOnly: true, in: db).map { SecretView($0, tenant: nil) }
            if let tenant {
                views += try await self.repository.secrets(appId: app.id, tenantId: tenant.id, in: db).map { SecretView($0, tenant: tenant.slug) }
            }
            return views.sorted { ($0.key, $0.level) < ($1.key, $1.level) }
        }
    }

    static func check(key: String) throws {
        guard SecretReference.isValidKey(key) else {
            throw PlatformError.invalid(
                "\"\(key.prefix(80))\" is not a secret key: an upper-case letter, then up to 63 of A-Z, 0-9 and '_'", code: .invalidSecretKey)
        }
    }

    /// Who may touch the secrets of (app, tenant): defaults belong to the app's owner, overrides
    /// to the tenant's admins; the platform admin may do both. Everyone else gets `not_found`,
    /// the same answer whether or not the app exists: every refusal that does not depend on the
    /// app (the tenant, the role) comes before the app is looked up, and an app the caller may not
    /// see is answered like one that does not exist.
    func target(
        _ principal: Principal, app slug: String, tenant tenantSlug: String?, reading: Bool = false
    ) async throws -> (AppRecord, TenantRecord?) {
        let notFound = PlatformError.notFound("app \(slug)")
        guard let tenantSlug else {
            if principal.role.isTenantRole { throw PlatformError.forbidden("tenant identities set overrides: add --tenant") }
            guard let app = try await store.read({ db in try await self.registry.app(slug: slug, in: db) }),
                principal.isAdmin || app.ownerId == principal.identityId
            else {
                throw notFound
            }
            return (app, nil)
        }
        let tenant = try await tenants.resolve(principal, slug: tenantSlug)
        guard principal.isAdmin || principal.role == .tenantAdmin || (reading && principal.role == .tenantMember) else {
            throw PlatformError.forbidden("only the tenant's admins manage its secrets")
        }
        let admin = principal.isAdmin
        guard
            let app = try await store.read({ db -> AppRecord? in
                guard let app = try await self.registry.app(slug: slug, in: db) else { return nil }
                if admin { return app }
                // The tenant sees the app: it is installed there, or released to the tenant.
                if try await self.installs.active(tenantId: tenant.id, appId: app.id, in: db) != nil { return app }
                let channels = try await self.registry.channels(appId: app.id, in: db)
                return channels.contains { $0.channel == "current" || ($0.channel == "staging" && tenant.staging) } ? app : nil
            })
        else { throw notFound }
        return (app, tenant)
    }

    // MARK: Resolution (the app's own reads)

    public enum Resolution: Sendable, Equatable {
        case found(String)
        case missing
    }

    /// Tenant override, then developer default, then nothing. Every read is audited by key name
    /// and outcome; a value that does not decrypt is an error (audited), never garbage.
    public func resolve(
        tenant: TenantRecord, app: AppRecord, version: String, key: String, actor: String, requestId: String?
    ) async throws -> Resolution {
        let started = env.now()
        func record(_ status: String) async throws {
            try await audit.record(
                AuditEntry(
                    at: Int64(started.timeIntervalSince1970 * 1000), actor: actor, tenant: tenant.slug, app: app.slug, version: version,
                    kind: .secretRead, name: key, status: status, durationMs: Int64(env.now().timeIntervalSince(started) * 1000),
                    requestId: requestId))
        }
        let row = try await store.read { db -> SecretRecord? in
            if let override = try await self.repository.secret(appId: app.id, tenantId: tenant.id, key: key, in: db) { return override }
            return try await self.repository.secret(appId: app.id, tenantId: nil, key: key, in: db)
        }
        guard let row else {
            try await record("not_found")
            return .missing
        }
        let plaintext: [UInt8]
        do { plaintext = try await vault.open(row) } catch {
            try await record("decrypt_failed")
            throw PlatformError(.internalError, .secretUnreadable, "the secret \(key) cannot be decrypted; set it again")
        }
        try await record(row.tenantId == nil ? "found_default" : "found_override")
        return .found(String(decoding: plaintext, as: UTF8.self))
    }
}

public struct SecretView: Codable, Sendable, Equatable {
    public var key: String
    /// `default` or `tenant`
    public var level: String
    public var tenant: String?
    public var description: String
    public var version: Int64
    public var updatedAt: String
    enum CodingKeys: String, CodingKey { case key, level, tenant, description, version, updatedAt = "updated_at" }

    init(_ r: SecretRecord, tenant: String?) {
        (key, level, self.tenant, description, version, updatedAt) = (
            r.keyName, r.tenantId == nil ? "default" : "tenant", tenant, r.description, r.keyVersion, Timestamp.iso(r.updatedAt)
        )
    }
}
