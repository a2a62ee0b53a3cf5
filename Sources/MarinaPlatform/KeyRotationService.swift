import Foundation
import MarinaCore
import MarinaStore
import MarinaVault

/// `marina keys rotate`: a new token signing key (older ones keep verifying until their tokens
/// expire), a new master key (every data key and signing key re-wrapped), or a new data key for a
/// tenant (its values re-encrypted in batches while reads go on).
public struct KeyRotationService: Sendable {
    public enum Target: String, Codable, Sendable { case signing, master, tenant }

    public struct Request: Codable, Sendable {
        public var target: Target
        public var tenant: String?
        public init(target: Target, tenant: String? = nil) { (self.target, self.tenant) = (target, tenant) }
    }

    public struct Result: Codable, Sendable, Equatable {
        public var target: String
        /// The new key's id (signing kid, master key id, or data key owner).
        public var key: String
        /// How many wrapped keys or values were re-encrypted.
        public var reencrypted: Int
    }

    let store: Store
    let signer: TokenSigner
    let vault: Vault
    let tenants: TenantService
    let env: PlatformEnvironment
    /// Makes and persists a new master key, re-wrapping through the vault; throws when the key
    /// comes from somewhere the platform cannot write (the environment, a KMS).
    let rotateMaster: @Sendable () async throws -> (String, Int)

    public init(
        store: Store, signer: TokenSigner, vault: Vault, tenants: TenantService, env: PlatformEnvironment = .live,
        rotateMaster: @escaping @Sendable () async throws -> (String, Int)
    ) {
        (self.store, self.signer, self.vault, self.tenants, self.env, self.rotateMaster) = (store, signer, vault, tenants, env, rotateMaster)
    }

    public func rotate(_ principal: Principal, _ request: Request) async throws -> Result {
        guard principal.isAdmin else { throw PlatformError.forbidden("only the platform admin rotates keys") }
        let result: Result
        var tenantSlug: String?
        switch request.target {
        case .signing:
            let kid = try await signer.rotate(now: env.millis)
            result = Result(target: "signing", key: kid, reencrypted: 0)
        case .master:
            let (id, count) = try await rotateMaster()
            result = Result(target: "master", key: id, reencrypted: count)
        case .tenant:
            guard let slug = request.tenant else { throw PlatformError.invalid("rotating a tenant's data key needs the tenant") }
            let tenant = try await tenants.resolve(principal, slug: slug)
            tenantSlug = tenant.slug
            let count = try await vault.rotateDataKey(owner: Vault.tenantOwner(tenant.id))
            result = Result(target: "tenant", key: tenant.slug, reencrypted: count)
        }
        let auditedTenant = tenantSlug
        try await store.transaction { db in
            try await AuditLog.admin(
                principal, "keys.rotate", tenant: auditedTenant,
                input: [
                    "target": .string(result.target), "key": .string(result.key),
                    "reencrypted": .number(Double(result.reencrypted)),
                ], store: store, env: env, in: db)
        }
        return result
    }
}
