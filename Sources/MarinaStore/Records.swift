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
