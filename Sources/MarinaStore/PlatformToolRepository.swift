import SQLKit

/// The data behind the built-in platform tools: kv entries per (tenant, app), the tenant's file
/// area, and the mail outbox.
public struct PlatformToolRepository: Sendable {
    public init() {}

    public struct KVEntry: Codable, Sendable { public var key: String; public var value: String; public var expiresAt: Int64? }

    public func kvGet(tenantId: String, appId: String, key: String, now: Int64, in db: StoreHandle) async throws -> String? {
        let row = try await db.select().columns("key", "value", "expires_at").from("kv_entries").where("tenant_id", .equal, tenantId).where(
            "app_id", .equal, appId
        )
        .where("key", .equal, key).row(KVEntry.self)
        guard let row, row.expiresAt.map({ $0 > now }) ?? true else { return nil }
        return row.value
    }

    /// Live keys of (tenant, app), counting only unexpired ones.
    public func kvCount(tenantId: String, appId: String, now: Int64, in db: StoreHandle) async throws -> Int {
        struct Count: Decodable { var n: Int }
        return try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("kv_entries")
            .where("tenant_id", .equal, tenantId).where("app_id", .equal, appId)
            .where { $0.where("expires_at", .is, SQLLiteral.null).orWhere("expires_at", .greaterThan, now) }
            .first(decoding: Count.self)?.n ?? 0
    }

    /// Inserts or replaces (an expired entry is replaced like a live one).
    public func kvSet(tenantId: String, appId: String, key: String, value: String, expiresAt: Int64?, now: Int64, in db: StoreHandle) async throws {
        try await db.delete(from: "kv_entries").where("tenant_id", .equal, tenantId).where("app_id", .equal, appId).where("key", .equal, key).run()
        try await db.insert(into: "kv_entries").columns("tenant_id", "app_id", "key", "value", "expires_at", "updated_at")
            .values(SQLBind(tenantId), SQLBind(appId), SQLBind(key), SQLBind(value), SQLBind(expiresAt), SQLBind(now)).run()
    }

    /// Deletes up to `limit` entries that expired at or before `now` — of one (tenant, app), or
    /// of every one — and returns how many it deleted. Bounded, so that one call never holds the
    /// writer long (`kv_entries_expiry` finds them).
    public func kvPurgeExpired(tenantId: String? = nil, appId: String? = nil, now: Int64, limit: Int, in db: StoreHandle) async throws -> Int {
        var scope = SQLQueryString("expires_at IS NOT NULL AND expires_at <= \(bind: now)")
        if let tenantId, let appId { scope = scope + SQLQueryString(" AND tenant_id = \(bind: tenantId) AND app_id = \(bind: appId)") }
        let sql =
            SQLQueryString("DELETE FROM kv_entries WHERE (tenant_id, app_id, key) IN (SELECT tenant_id, app_id, key FROM kv_entries WHERE ")
            + scope + SQLQueryString(" LIMIT \(bind: Int64(limit))) RETURNING 1 AS deleted")
        return try await db.raw(sql).all().count
    }

    /// Deletes every entry of (tenant, app) — an uninstall's retention has passed; returns how many.
    public func kvDeleteAll(tenantId: String, appId: String, in db: StoreHandle) async throws -> Int {
        try await db.delete(from: "kv_entries").where("tenant_id", .equal, tenantId).where("app_id", .equal, appId).returning("app_id").all().count
    }

    public func kvDelete(tenantId: String, appId: String, key: String, now: Int64, in db: StoreHandle) async throws -> Bool {
        let existed = try await kvGet(tenantId: tenantId, appId: appId, key: key, now: now, in: db) != nil
        try await db.delete(from: "kv_entries").where("tenant_id", .equal, tenantId).where("app_id", .equal, appId).where("key", .equal, key).run()
        return existed
    }

    /// Keys in order, after `cursor`, starting with `prefix`.
    public func kvList(
        tenantId: String, appId: String, prefix: String, after cursor: String?, limit: Int, now: Int64, in db: StoreHandle
    ) async throws -> [String] {
        struct Key: Decodable { var key: String }
        var query = db.select().column("key").from("kv_entries").where("tenant_id", .equal, tenantId).where("app_id", .equal, appId)
            .where { $0.where("expires_at", .is, SQLLiteral.null).orWhere("expires_at", .greaterThan, now) }
        if !prefix.isEmpty { query = query.where("key", .greaterThanOrEqual, prefix).where("key", .lessThan, prefix + "\u{7F}") }
        if let cursor { query = query.where("key", .greaterThan, cursor) }
        return try await query.orderBy("key").limit(limit).all(decoding: Key.self).map(\.key)
    }

    public struct FileRow: Codable, Sendable {
        public var path: String; public var content: String; public var size: Int64; public var modifiedAt: Int64
    }

    public func file(tenantId: String, path: String, in db: StoreHandle) async throws -> FileRow? {
        try await db.select().columns("path", "content", "size", "modified_at").from("tenant_files").where("tenant_id", .equal, tenantId).where(
            "path", .equal, path
        ).row(FileRow.self)
    }

    public struct FileEntry: Codable, Sendable { public var path: String; public var size: Int64; public var modifiedAt: Int64 }

    public func files(tenantId: String, prefix: String, limit: Int, in db: StoreHandle) async throws -> [FileEntry] {
        var query = db.select().columns("path", "size", "modified_at").from("tenant_files").where("tenant_id", .equal, tenantId)
        if !prefix.isEmpty { query = query.where("path", .greaterThanOrEqual, prefix).where("path", .lessThan, prefix + "\u{7F}") }
        return try await query.orderBy("path").limit(limit).rows(FileEntry.self)
    }

    public func totalFileBytes(tenantId: String, excluding path: String, in db: StoreHandle) async throws -> Int64 {
        struct Sum: Decodable { var n: Int64? }
        return try await db.select().column(SQLFunction("SUM", args: SQLIdentifier("size")), as: "n").from("tenant_files").where(
            "tenant_id", .equal, tenantId
        )
        .where("path", .notEqual, path).first(decoding: Sum.self)?.n ?? 0
    }

    public func writeFile(
        tenantId: String, path: String, content: String, size: Int64, appId: String, now: Int64, in db: StoreHandle
    ) async throws {
        try await db.delete(from: "tenant_files").where("tenant_id", .equal, tenantId).where("path", .equal, path).run()
        try await db.insert(into: "tenant_files").columns("tenant_id", "path", "content", "size", "written_by_app", "modified_at")
            .values(SQLBind(tenantId), SQLBind(path), SQLBind(content), SQLBind(size), SQLBind(appId), SQLBind(now)).run()
    }

    public func queueMail(
        id: String, tenantId: String, appId: String, recipients: String, subject: String, body: String, now: Int64, in db: StoreHandle
    ) async throws {
        try await db.insert(into: "mail_outbox").columns(
            "id", "tenant_id", "app_id", "recipients", "subject", "body", "state", "attempts", "created_at"
        )
        .values(
            SQLBind(id), SQLBind(tenantId), SQLBind(appId), SQLBind(recipients), SQLBind(subject), SQLBind(body), SQLBind("queued"),
            SQLBind(Int64(0)), SQLBind(now)
        ).run()
    }
}
