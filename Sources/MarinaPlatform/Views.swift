import Foundation
import MarinaCore
import MarinaStore

/// What the API shows of each thing. Times are ISO 8601 strings (UTC).
public struct TenantView: Codable, Sendable, Equatable {
    public var id: String
    public var slug: String
    public var name: String
    public var staging: Bool
    public var createdAt: String
    enum CodingKeys: String, CodingKey { case id, slug, name, staging, createdAt = "created_at" }

    init(_ r: TenantRecord) {
        (id, slug, name, staging, createdAt) = (r.id, r.slug, r.name, r.staging, Timestamp.iso(r.createdAt))
    }
}

public struct IdentityView: Codable, Sendable, Equatable {
    public var id: String
    public var role: String
    public var name: String
    public var tenant: String?
    init(_ r: IdentityRecord, tenantSlug: String?) { (id, role, name, tenant) = (r.id, r.role, r.name, tenantSlug) }
}

public struct KeyView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var hint: String
    public var identity: IdentityView
    public var createdAt: String
    public var lastUsedAt: String?
    public var revokedAt: String?
    enum CodingKeys: String, CodingKey {
        case id, name, hint, identity, createdAt = "created_at", lastUsedAt = "last_used_at", revokedAt = "revoked_at"
    }

    init(_ k: APIKeyRecord, identity: IdentityView) {
        (id, name, hint, self.identity) = (k.id, k.name, k.hint, identity)
        createdAt = Timestamp.iso(k.createdAt)
        lastUsedAt = k.lastUsedAt.map(Timestamp.iso)
        revokedAt = k.revokedAt.map(Timestamp.iso)
    }
}

/// A key as created: the only time its secret is shown.
public struct CreatedKeyView: Codable, Sendable {
    public var key: String
    public var details: KeyView
}

public struct VersionView: Codable, Sendable, Equatable {
    public var app: String
    public var version: String
    public var manifestHash: String
    public var manifestFormat: String
    public var bundleHash: String
    public var bundleSize: Int64
    public var publisher: String
    public var publishedAt: String
    public var channels: [String]
    enum CodingKeys: String, CodingKey {
        case app, version, publisher, channels
        case manifestHash = "manifest_hash", manifestFormat = "manifest_format", bundleHash = "bundle_hash", bundleSize = "bundle_size", publishedAt =
            "published_at"
    }

    init(_ v: VersionRecord, app: String, publisher: String, channels: [String]) {
        (self.app, version, manifestHash, manifestFormat, bundleHash, bundleSize) = (
            app, v.version, v.manifestHash, v.manifestFormat, v.bundleHash, v.bundleSize
        )
        (self.publisher, publishedAt, self.channels) = (publisher, Timestamp.iso(v.publishedAt), channels)
    }
}

public struct AppView: Codable, Sendable, Equatable {
    public var slug: String
    public var owner: String
    public var createdAt: String
    public var channels: [String: String]
    public var latestVersion: String?
    enum CodingKeys: String, CodingKey { case slug, owner, channels, createdAt = "created_at", latestVersion = "latest_version" }
}

public struct ChannelMoveView: Codable, Sendable, Equatable {
    public var channel: String
    public var from: String?
    public var to: String
    public var by: String
    public var at: String
}

public struct DeployView: Codable, Sendable, Equatable {
    public var app: String
    public var channel: String
    public var version: String
    public var previous: String?
    public var changed: Bool
}

enum Timestamp {
    /// `2026-11-22T04:50:01.705Z`. Written by hand: a date formatter per call was the cost of
    /// every listed row (audit pages are a thousand of them).
    static func iso(_ millis: Int64) -> String {
        let (seconds, ms) = (millis >= 0 ? millis / 1000 : (millis - 999) / 1000, ((millis % 1000) + 1000) % 1000)
        var time = time_t(seconds)
        var t = tm()
        gmtime_r(&time, &t)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(t.tm_year) + 1900, Int(t.tm_mon) + 1, Int(t.tm_mday),
            Int(t.tm_hour), Int(t.tm_min), Int(t.tm_sec), Int(ms))
    }
}

public struct InstallView: Codable, Sendable, Equatable {
    public var id: String
    public var tenant: String
    public var app: String
    public var version: String
    public var state: String
    public var policy: String
    public var grantedScopes: [String]
    public var settings: JSONValue
    public var needsConsent: Bool
    public var failure: String?
    public var createdAt: String
    public var updatedAt: String
    enum CodingKeys: String, CodingKey {
        case id, tenant, app, version, state, policy, settings, failure
        case grantedScopes = "granted_scopes", needsConsent = "needs_consent", createdAt = "created_at", updatedAt = "updated_at"
    }
}
