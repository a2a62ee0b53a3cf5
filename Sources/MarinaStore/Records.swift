import Foundation
import MarinaCore

/// Rows as stored. Times are milliseconds since 1970 (portable across SQLite and PostgreSQL).
public struct TenantRecord: Codable, Sendable, Equatable {
    public var id: String
    public var slug: String
    public var name: String
    public var staging: Bool
    public var createdAt: Int64
    public init(id: String, slug: String, name: String, staging: Bool, createdAt: Int64) {
        (self.id, self.slug, self.name, self.staging, self.createdAt) = (id, slug, name, staging, createdAt)
    }
}

public struct IdentityRecord: Codable, Sendable, Equatable {
    public var id: String
    public var role: String
    public var name: String
    public var tenantId: String?
    public var createdBy: String?
    public var createdAt: Int64
    public init(id: String, role: String, name: String, tenantId: String?, createdBy: String?, createdAt: Int64) {
        (self.id, self.role, self.name, self.tenantId, self.createdBy, self.createdAt) = (id, role, name, tenantId, createdBy, createdAt)
    }
}

public struct APIKeyRecord: Codable, Sendable, Equatable {
    public var id: String
    public var identityId: String
    public var name: String
    /// The first characters of the key, to recognise it in lists.
    public var hint: String
    /// SHA-256 of the key: the key itself is never stored.
    public var keyHash: String
    public var createdAt: Int64
    public var lastUsedAt: Int64?
    public var revokedAt: Int64?
    public init(
        id: String, identityId: String, name: String, hint: String, keyHash: String, createdAt: Int64, lastUsedAt: Int64? = nil,
        revokedAt: Int64? = nil
    ) {
        (self.id, self.identityId, self.name, self.hint, self.keyHash) = (id, identityId, name, hint, keyHash)
        (self.createdAt, self.lastUsedAt, self.revokedAt) = (createdAt, lastUsedAt, revokedAt)
    }
}

public struct AppRecord: Codable, Sendable, Equatable {
    public var id: String
    public var slug: String
    public var ownerId: String
    public var createdAt: Int64
    public init(id: String, slug: String, ownerId: String, createdAt: Int64) {
        (self.id, self.slug, self.ownerId, self.createdAt) = (id, slug, ownerId, createdAt)
    }
}

public struct VersionRecord: Codable, Sendable, Equatable {
    public var id: String
    public var appId: String
    public var version: String
    /// Canonical JSON of the native manifest.
    public var manifestJson: String
    public var manifestHash: String
    public var manifestFormat: String
    public var bundleHash: String
    public var bundleSize: Int64
    public var publisherId: String
    public var publishedAt: Int64
    public init(
        id: String, appId: String, version: String, manifestJson: String, manifestHash: String, manifestFormat: String,
        bundleHash: String, bundleSize: Int64, publisherId: String, publishedAt: Int64
    ) {
        (self.id, self.appId, self.version, self.manifestJson, self.manifestHash) = (id, appId, version, manifestJson, manifestHash)
        (self.manifestFormat, self.bundleHash, self.bundleSize, self.publisherId, self.publishedAt) = (
            manifestFormat, bundleHash, bundleSize, publisherId, publishedAt
        )
    }
}

public struct ChannelRecord: Codable, Sendable, Equatable {
    public var appId: String
    public var channel: String
    public var versionId: String
    public var movedBy: String
    public var movedAt: Int64
    public init(appId: String, channel: String, versionId: String, movedBy: String, movedAt: Int64) {
        (self.appId, self.channel, self.versionId, self.movedBy, self.movedAt) = (appId, channel, versionId, movedBy, movedAt)
    }
}

public struct ChannelMoveRecord: Codable, Sendable, Equatable {
    public var id: String
    public var appId: String
    public var channel: String
    public var fromVersionId: String?
    public var toVersionId: String
    public var actorId: String
    public var movedAt: Int64
    public init(id: String, appId: String, channel: String, fromVersionId: String?, toVersionId: String, actorId: String, movedAt: Int64) {
        (self.id, self.appId, self.channel, self.fromVersionId, self.toVersionId, self.actorId, self.movedAt) = (
            id, appId, channel, fromVersionId, toVersionId, actorId, movedAt
        )
    }
}

public struct InstallRecord: Codable, Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var appId: String
    public var versionId: String
    public var state: InstallState
    /// auto, manual, pinned
    public var policy: String
    /// JSON array of the scopes the tenant granted.
    public var grantedScopes: String
    /// JSON object of non-secret install settings.
    public var settings: String
    public var needsConsent: Bool
    public var failure: String?
    public var createdBy: String
    public var createdAt: Int64
    public var updatedAt: Int64
    public var purgeAfter: Int64?
    /// App tokens carry the generation they were minted under; raising it revokes them all.
    public var tokenGeneration: Int64 = 0

    /// `grantedScopes` decoded (empty if it is not a JSON array of strings).
    public var granted: [String] { (try? JSONDecoder().decode([String].self, from: Data(grantedScopes.utf8))) ?? [] }
    public init(
        id: String, tenantId: String, appId: String, versionId: String, state: InstallState, policy: String, grantedScopes: String, settings: String,
        needsConsent: Bool, failure: String?, createdBy: String, createdAt: Int64, updatedAt: Int64, purgeAfter: Int64?
    ) {
        (self.id, self.tenantId, self.appId, self.versionId, self.state, self.policy) = (id, tenantId, appId, versionId, state, policy)
        (self.grantedScopes, self.settings, self.needsConsent, self.failure) = (grantedScopes, settings, needsConsent, failure)
        (self.createdBy, self.createdAt, self.updatedAt, self.purgeAfter) = (createdBy, createdAt, updatedAt, purgeAfter)
    }
}

public struct InstallAttemptRecord: Codable, Sendable, Equatable {
    public var id: String
    public var installId: String
    public var kind: String
    /// started, done, failed
    public var state: String
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var error: String?
    public init(id: String, installId: String, kind: String, state: String, startedAt: Int64, finishedAt: Int64? = nil, error: String? = nil) {
        (self.id, self.installId, self.kind, self.state, self.startedAt, self.finishedAt, self.error) = (
            id, installId, kind, state, startedAt, finishedAt, error
        )
    }
}

public struct EventDeliveryRecord: Codable, Sendable, Equatable {
    public var id: String
    public var installId: String
    public var versionId: String
    public var type: String
    public var payload: String
    public var state: EventDeliveryState
    public var attempts: Int64
    public var nextAttemptAt: Int64
    public var lastError: String?
    public var createdAt: Int64
    public var deliveredAt: Int64?
    /// The identity that sent the event through the events route; nil: the platform itself.
    public var sentBy: String?
    public init(
        id: String, installId: String, versionId: String, type: String, payload: String, state: EventDeliveryState, attempts: Int64,
        nextAttemptAt: Int64,
        lastError: String?, createdAt: Int64, deliveredAt: Int64?, sentBy: String? = nil
    ) {
        (self.id, self.installId, self.versionId, self.type, self.payload, self.state) = (id, installId, versionId, type, payload, state)
        (self.attempts, self.nextAttemptAt, self.lastError, self.createdAt, self.deliveredAt, self.sentBy) = (
            attempts, nextAttemptAt, lastError, createdAt, deliveredAt, sentBy
        )
    }
}

public struct SigningKeyRecord: Codable, Sendable, Equatable {
    public var kid: String
    public var algorithm: String
    public var publicKey: String
    public var privateKey: String
    public var createdAt: Int64
    public var retiredAt: Int64?
    public init(kid: String, algorithm: String, publicKey: String, privateKey: String, createdAt: Int64, retiredAt: Int64?) {
        (self.kid, self.algorithm, self.publicKey, self.privateKey, self.createdAt, self.retiredAt) = (
            kid, algorithm, publicKey, privateKey, createdAt, retiredAt
        )
    }
}

/// One audit record as stored. `hash` is SHA-256 over the canonical JSON of every other field
/// (including `prev_hash`), so the records form a chain.
public struct AuditRecord: Codable, Sendable, Equatable {
    public var seq: Int64
    public var id: String
    public var at: Int64
    public var actor: String
    public var tenant: String?
    public var app: String?
    public var version: String?
    public var kind: String
    public var name: String
    public var decision: String
    public var status: String
    public var durationMs: Int64
    public var requestId: String?
    public var summary: String
    public var costMicros: Int64
    public var prevHash: String
    public var hash: String

    /// The column names, spelled out: audit pages and `verify` decode many rows, and deriving
    /// them with `convertFromSnakeCase` on every row was a quarter of verify's time.
    enum CodingKeys: String, CodingKey {
        case seq, id, at, actor, tenant, app, version, kind, name, decision, status, summary, hash
        case durationMs = "duration_ms", requestId = "request_id", costMicros = "cost_micros", prevHash = "prev_hash"
    }

    public init(
        seq: Int64, id: String, at: Int64, actor: String, tenant: String?, app: String?, version: String?, kind: String, name: String,
        decision: String, status: String, durationMs: Int64, requestId: String?, summary: String, costMicros: Int64, prevHash: String, hash: String
    ) {
        (self.seq, self.id, self.at, self.actor, self.tenant, self.app, self.version) = (seq, id, at, actor, tenant, app, version)
        (self.kind, self.name, self.decision, self.status, self.durationMs, self.requestId) = (kind, name, decision, status, durationMs, requestId)
        (self.summary, self.costMicros, self.prevHash, self.hash) = (summary, costMicros, prevHash, hash)
    }
}

/// A data key, wrapped by the master key. `owner` is `defaults` or `tenant:<tenant id>`.
public struct DataKeyRecord: Codable, Sendable, Equatable {
    public var id: String
    public var owner: String
    public var generation: Int64
    public var wrapped: String
    public var masterKeyId: String
    /// active (encrypts new values) or retiring (still decrypts, being replaced)
    public var state: String
    public var createdAt: Int64
    public init(id: String, owner: String, generation: Int64, wrapped: String, masterKeyId: String, state: String, createdAt: Int64) {
        (self.id, self.owner, self.generation, self.wrapped, self.masterKeyId, self.state, self.createdAt) = (
            id, owner, generation, wrapped, masterKeyId, state, createdAt
        )
    }
}

/// A secret value, encrypted. `tenantId` nil: the developer's default for every tenant.
public struct SecretRecord: Codable, Sendable, Equatable {
    public var id: String
    public var appId: String
    public var tenantId: String?
    public var keyName: String
    public var description: String
    public var keyVersion: Int64
    public var dataKeyId: String
    public var nonce: String
    public var ciphertext: String
    public var updatedBy: String
    public var updatedAt: Int64
    public init(
        id: String, appId: String, tenantId: String?, keyName: String, description: String, keyVersion: Int64, dataKeyId: String,
        nonce: String, ciphertext: String, updatedBy: String, updatedAt: Int64
    ) {
        (self.id, self.appId, self.tenantId, self.keyName, self.description, self.keyVersion) = (
            id, appId, tenantId, keyName, description, keyVersion
        )
        (self.dataKeyId, self.nonce, self.ciphertext, self.updatedBy, self.updatedAt) = (dataKeyId, nonce, ciphertext, updatedBy, updatedAt)
    }
}
