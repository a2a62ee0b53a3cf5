import SQLKit

/// Apps, their immutable versions, and the channels that point at versions.
public struct RegistryRepository: Sendable {
    public init() {}

    public func insert(_ app: AppRecord, in db: StoreHandle) async throws {
        do {
            try await db.insert(app, into: "apps")
        } catch  where StoreError.isUniqueViolation(error) {
            throw StoreError.conflict("the app \(app.slug) exists")
        }
    }

    /// The app, locked against concurrent publishes and deploys until the transaction ends
    /// (PostgreSQL `FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` already serialises writers).
    public func lockApp(slug: String, in db: StoreHandle) async throws -> AppRecord? {
        try await db.select().column("*").from("apps").where("slug", .equal, slug).for(.update).row(AppRecord.self)
    }

    public func app(slug: String, in db: StoreHandle) async throws -> AppRecord? {
        try await db.select().column("*").from("apps").where("slug", .equal, slug).row(AppRecord.self)
    }

    public func app(id: String, in db: StoreHandle) async throws -> AppRecord? {
        try await db.select().column("*").from("apps").where("id", .equal, id).row(AppRecord.self)
    }

    public func apps(ownerId: String? = nil, in db: StoreHandle) async throws -> [AppRecord] {
        var query = db.select().column("*").from("apps")
        if let ownerId { query = query.where("owner_id", .equal, ownerId) }
        return try await query.orderBy("slug").rows(AppRecord.self)
    }

    public func insert(_ version: VersionRecord, in db: StoreHandle) async throws {
        do {
            try await db.insert(version, into: "versions")
        } catch  where StoreError.isUniqueViolation(error) {
            throw StoreError.conflict("version \(version.version) exists")
        }
    }

    /// Every version of the app, in publication order.
    public func versions(appId: String, in db: StoreHandle) async throws -> [VersionRecord] {
        try await db.select().column("*").from("versions").where("app_id", .equal, appId).orderBy("published_at").orderBy("id").rows(
            VersionRecord.self)
    }

    public func version(appId: String, version: String, in db: StoreHandle) async throws -> VersionRecord? {
        try await db.select().column("*").from("versions").where("app_id", .equal, appId).where("version", .equal, version).row(VersionRecord.self)
    }

    public func version(id: String, in db: StoreHandle) async throws -> VersionRecord? {
        try await db.select().column("*").from("versions").where("id", .equal, id).row(VersionRecord.self)
    }

    /// Whether any version refers to the bundle (the bundle store keeps it while one does).
    public func isBundleReferenced(_ hash: String, in db: StoreHandle) async throws -> Bool {
        try await db.select().column("id").from("versions").where("bundle_hash", .equal, hash).limit(1).first() != nil
    }

    public func channels(appId: String, in db: StoreHandle) async throws -> [ChannelRecord] {
        try await db.select().column("*").from("channels").where("app_id", .equal, appId).orderBy("channel").rows(ChannelRecord.self)
    }

    /// Points `channel` at a version and records the move in the append-only history.
    public func moveChannel(_ move: ChannelMoveRecord, in db: StoreHandle) async throws {
        try await db.insert(move, into: "channel_moves")
        try await db.insert(into: "channels")
            .model(
                ChannelRecord(appId: move.appId, channel: move.channel, versionId: move.toVersionId, movedBy: move.actorId, movedAt: move.movedAt),
                keyEncodingStrategy: .convertToSnakeCase
            )
            .onConflict(with: ["app_id", "channel"]) {
                $0.set(excludedValueOf: "version_id").set(excludedValueOf: "moved_by").set(excludedValueOf: "moved_at")
            }
            .run()
    }

    public func channelMoves(appId: String, in db: StoreHandle) async throws -> [ChannelMoveRecord] {
        try await db.select().column("*").from("channel_moves").where("app_id", .equal, appId).orderBy("moved_at", .descending).orderBy(
            "id", .descending
        ).rows(ChannelMoveRecord.self)
    }
}
