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
    public init(id: String, identityId: String, name: String, hint: String, keyHash: String, createdAt: Int64, lastUsedAt: Int64? = nil, revokedAt: Int64? = nil) {
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
    public init(id: String, appId: String, version: String, manifestJson: String, manifestHash: String, manifestFormat: String,
                bundleHash: String, bundleSize: Int64, publisherId: String, publishedAt: Int64) {
        (self.id, self.appId, self.version, self.manifestJson, self.manifestHash) = (id, appId, version, manifestJson, manifestHash)
        (self.manifestFormat, self.bundleHash, self.bundleSize, self.publisherId, self.publishedAt) = (manifestFormat, bundleHash, bundleSize, publisherId, publishedAt)
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
        (self.id, self.appId, self.channel, self.fromVersionId, self.toVersionId, self.actorId, self.movedAt) = (id, appId, channel, fromVersionId, toVersionId, actorId, movedAt)
    }
}

public struct InstallRecord: Codable, Sendable, Equatable {
    public var id: String
    public var tenantId: String
    public var appId: String
    public var versionId: String
    /// installing, active, failed, uninstalling, uninstalled
    public var state: String
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
    public init(id: String, tenantId: String, appId: String, versionId: String, state: String, policy: String, grantedScopes: String, settings: String,
                needsConsent: Bool, failure: String?, createdBy: String, createdAt: Int64, updatedAt: Int64, purgeAfter: Int64?) {
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
        (self.id, self.installId, self.kind, self.state, self.startedAt, self.finishedAt, self.error) = (id, installId, kind, state, startedAt, finishedAt, error)
    }
}

public struct EventDeliveryRecord: Codable, Sendable, Equatable {
    public var id: String
    public var installId: String
    public var versionId: String
    public var type: String
    public var payload: String
    /// pending, delivered, failed
    public var state: String
    public var attempts: Int64
    public var nextAttemptAt: Int64
    public var lastError: String?
    public var createdAt: Int64
    public var deliveredAt: Int64?
    public init(id: String, installId: String, versionId: String, type: String, payload: String, state: String, attempts: Int64, nextAttemptAt: Int64,
                lastError: String?, createdAt: Int64, deliveredAt: Int64?) {
        (self.id, self.installId, self.versionId, self.type, self.payload, self.state) = (id, installId, versionId, type, payload, state)
        (self.attempts, self.nextAttemptAt, self.lastError, self.createdAt, self.deliveredAt) = (attempts, nextAttemptAt, lastError, createdAt, deliveredAt)
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
        (self.kid, self.algorithm, self.publicKey, self.privateKey, self.createdAt, self.retiredAt) = (kid, algorithm, publicKey, privateKey, createdAt, retiredAt)
    }
}
