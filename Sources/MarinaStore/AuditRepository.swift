import MarinaCore
import SQLKit

/// The audit log's table: appends (never updates) and filtered reads.
public struct AuditRepository: Sendable {
    public init() {}

    /// The newest record's sequence number and hash, or nil for an empty log.
    public func last(in db: StoreHandle) async throws -> (seq: Int64, hash: String)? {
        struct Row: Decodable { var seq: Int64; var hash: String }
        guard
            let row = try await db.select().columns("seq", "hash").from("audit_records").orderBy("seq", .descending).limit(1).first(
                decoding: Row.self)
        else { return nil }
        return (row.seq, row.hash)
    }

    static let columns = [
        "seq", "id", "at", "actor", "tenant", "app", "version", "kind", "name", "decision", "status", "duration_ms",
        "request_id", "summary", "cost_micros", "prev_hash", "hash",
    ]

    /// Appends records to the chain: `chain` numbers and links them after the newest stored
    /// record, then they are inserted. On PostgreSQL several replicas extend one chain, so the
    /// appenders take turns (an advisory lock released at commit); on SQLite the write lock of
    /// the transaction already orders them.
    public func appendChained(
        _ prepared: [AuditRecord], chain: ([AuditRecord], (seq: Int64, hash: String)?) -> [AuditRecord], in db: StoreHandle
    ) async throws {
        guard !prepared.isEmpty else { return }
        if db.isPostgres {
            try await db.execute(sql: SQLRaw("SELECT pg_advisory_xact_lock(\(Self.chainLock))")) { _ in }
        }
        try await append(chain(prepared, try await last(in: db)), in: db)
    }

    /// `appendChained` on the store's direct SQLite connection.
    public func appendChained(
        _ prepared: [AuditRecord], chain: ([AuditRecord], (seq: Int64, hash: String)?) -> [AuditRecord], in db: SQLiteDirectConnection
    ) throws {
        guard !prepared.isEmpty else { return }
        try append(chain(prepared, try last(in: db)), in: db)
    }

    /// The advisory lock of the audit chain on PostgreSQL.
    static let chainLock = 7_201_002

    /// Inserts records in statements of a few hundred rows (SQLite caps bound parameters).
    public func append(_ records: [AuditRecord], in db: StoreHandle) async throws {
        var start = records.startIndex
        while start < records.endIndex {
            let end = min(start + Self.rowsPerStatement, records.endIndex)
            if db.dialect.name == "sqlite" {
                try await db.execute(sql: SQLiteAuditInsert(records: records[start..<end])) { _ in }
                start = end
                continue
            }
            var insert = db.insert(into: "audit_records").columns(Self.columns)
            for r in records[start..<end] {
                insert = insert.values(Self.values(r).map { SQLBind($0.encodable) as any SQLExpression })
            }
            try await insert.run()
            start = end
        }
    }

    static let rowsPerStatement = 400

    /// A record's values, in the order of `columns`.
    static func values(_ r: AuditRecord) -> [SQLiteDirectConnection.Value] {
        [
            .integer(r.seq), .text(r.id), .integer(r.at), .text(r.actor), .init(r.tenant), .init(r.app), .init(r.version), .text(r.kind),
            .text(r.name),
            .text(r.decision), .text(r.status), .integer(r.durationMs), .init(r.requestId), .text(r.summary), .integer(r.costMicros),
            .text(r.prevHash), .text(r.hash),
        ]
    }

    /// `last(in:)` on the store's direct SQLite connection (the audit log's writes through `Store.submitDirect`).
    public func last(in db: SQLiteDirectConnection) throws -> (seq: Int64, hash: String)? {
        var found: (Int64, String)?
        try db.query("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1", []) { row in found = (row.integer(0), row.text(1) ?? "") }
        return found
    }

    /// `append(_:in:)` on the store's direct SQLite connection.
    public func append(_ records: [AuditRecord], in db: SQLiteDirectConnection) throws {
        var start = records.startIndex
        while start < records.endIndex {
            let end = min(start + Self.rowsPerStatement, records.endIndex)
            var values: [SQLiteDirectConnection.Value] = []
            values.reserveCapacity((end - start) * Self.columns.count)
            for r in records[start..<end] { values += Self.values(r) }
            try db.execute(Self.sqliteInsert(rows: end - start), values)
            start = end
        }
    }

    /// `INSERT … VALUES (?, …), …` for `rows` rows, in SQLite's placeholder spelling.
    static func sqliteInsertText(rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        return "INSERT INTO audit_records (\(columns.joined(separator: ", "))) VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
    }

    /// The text for `rows` rows; the two common counts (one record alone, a full statement) are built once.
    static func sqliteInsert(rows: Int) -> String {
        switch rows {
        case 1: sqliteSingleInsert
        case rowsPerStatement: sqliteFullInsert
        default: sqliteInsertText(rows: rows)
        }
    }

    static let sqliteSingleInsert = sqliteInsertText(rows: 1)
    static let sqliteFullInsert = sqliteInsertText(rows: rowsPerStatement)

    /// Records matching `filter`: newest first, or oldest first with `ascending`.
    public func records(_ filter: AuditFilter, limit: Int, ascending: Bool = false, in db: StoreHandle) async throws -> [AuditRecord] {
        var query = db.select().column("*").from("audit_records")
        if let v = filter.tenant { query = query.where("tenant", .equal, v) }
        if let v = filter.app { query = query.where("app", .equal, v) }
        if let v = filter.kind { query = query.where("kind", .equal, v) }
        if let v = filter.name { query = query.where("name", .equal, v) }
        if let v = filter.status { query = query.where("status", .equal, v) }
        if let v = filter.decision { query = query.where("decision", .equal, v) }
        if let v = filter.since { query = query.where("at", .greaterThanOrEqual, v) }
        if let v = filter.until { query = query.where("at", .lessThan, v) }
        if let v = filter.before { query = query.where("seq", .lessThan, v) }
        if let v = filter.after { query = query.where("seq", .greaterThan, v) }
        return try await query.orderBy("seq", ascending ? .ascending : .descending).limit(limit).all(decoding: AuditRecord.self)
    }
}

extension AuditRepository {
    static let textColumns = [
        "id", "actor", "tenant", "app", "version", "kind", "name", "decision", "status", "request_id", "summary", "prev_hash", "hash",
    ]

    /// SQLite only: record `seq` with its text columns read byte for byte. SQLite stores text
    /// with a NUL whole but hands it back cut at the NUL; records written before the audit log
    /// escaped control characters (`AuditText`) may hold one, and only their exact bytes match
    /// their hash.
    public func exactRecord(seq: Int64, in db: StoreHandle) async throws -> AuditRecord? {
        // PostgreSQL keeps text as sent (it refuses NUL), so what it returns is what was stored.
        guard !db.isPostgres else { return nil }
        let texts = Self.textColumns.map { "CASE WHEN \($0) IS NULL THEN NULL ELSE hex(CAST(\($0) AS BLOB)) END AS \($0)" }.joined(separator: ", ")
        struct Row: Decodable {
            var seq: Int64, at: Int64, duration_ms: Int64, cost_micros: Int64
            var id: String, actor: String, tenant: String?, app: String?, version: String?, kind: String, name: String
            var decision: String, status: String, request_id: String?, summary: String, prev_hash: String, hash: String
        }
        guard
            let r = try await db.raw(
                SQLQueryString("SELECT seq, at, duration_ms, cost_micros, \(unsafeRaw: texts) FROM audit_records WHERE seq = \(bind: seq)")
            )
            .first(decoding: Row.self)
        else { return nil }
        func text(_ hex: String) -> String {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(hex.utf8.count / 2)
            var high: UInt8?
            for c in hex.utf8 {
                let v = c <= UInt8(ascii: "9") ? c &- UInt8(ascii: "0") : c &- UInt8(ascii: "A") &+ 10
                if let h = high { bytes.append(h << 4 | v); high = nil } else { high = v }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return AuditRecord(
            seq: r.seq, id: text(r.id), at: r.at, actor: text(r.actor), tenant: r.tenant.map(text), app: r.app.map(text),
            version: r.version.map(text),
            kind: text(r.kind), name: text(r.name), decision: text(r.decision), status: text(r.status), durationMs: r.duration_ms,
            requestId: r.request_id.map(text), summary: text(r.summary), costMicros: r.cost_micros, prevHash: text(r.prev_hash), hash: text(r.hash))
    }
}

/// The group commit's insert on SQLite: its text is written once per row count and its values
/// appended as they are. Through SQLKit's builder every commit rebuilt 17 placeholders a row,
/// the largest serial cost left in the audit log's profile.
struct SQLiteAuditInsert: SQLExpression {
    let records: ArraySlice<AuditRecord>

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write(AuditRepository.sqliteInsert(rows: records.count))
        serializer.binds.reserveCapacity(records.count * AuditRepository.columns.count)
        for r in records { serializer.binds += AuditRepository.values(r).map(\.encodable) }
    }
}
