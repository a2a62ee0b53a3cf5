import Foundation
import VaporCSQLite

/// One SQLite connection driven synchronously through SQLite's C interface, for the paths where
/// SQLKit's per-statement hops cost more than the work: the audit log's group commit
/// (`Store.submitDirect`) and the WAL checkpoints. Through SQLiteNIO each statement goes to a pool
/// thread, back to an event loop and back to a task; a commit of four statements made a dozen
/// thread wake-ups, which was most of an audited call's latency. Here the whole transaction runs
/// on one thread.
///
/// Not safe to share: each is owned by one thread (`DirectWriter`, `WALCheckpointer`).
public final class SQLiteDirectConnection: @unchecked Sendable {
    /// A bound value (also what `AuditRepository` hands SQLKit on the other paths).
    enum Value: Sendable {
        case integer(Int64)
        case text(String)
        case null

        init(_ text: String?) { self = text.map(Value.text) ?? .null }

        var encodable: any Encodable & Sendable {
            switch self {
            case .integer(let n): n
            case .text(let s): s
            case .null: String?.none
            }
        }
    }

    private var handle: OpaquePointer?
    /// Prepared statements by text, reused across commits (the insert of n rows has one text per n).
    private var statements: [String: OpaquePointer] = [:]
    private static let statementCapacity = 32
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Opens `path` with the pool's settings (`SQLiteTunedSource.pragmas`: WAL, the fsync policy, …).
    init(path: String, synchronous: SQLiteSynchronous) throws {
        var db: OpaquePointer?
        let status = sqlite_nio_sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "error \(status)"
            sqlite_nio_sqlite3_close(db)
            throw StoreError.unavailable("cannot open \(path): \(message)")
        }
        handle = db
        do {
            for pragma in SQLiteTunedSource.pragmas(synchronous) { try execute(pragma) }
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Whether a transaction is open: after a batch it means a ROLLBACK failed, and the
    /// connection, which would keep SQLite's write lock, must be closed (closing rolls back).
    var inTransaction: Bool { handle.map { sqlite_nio_sqlite3_get_autocommit($0) == 0 } ?? false }

    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        if let handle { sqlite_nio_sqlite3_close(handle) }
        handle = nil
    }

    /// Runs one statement, discarding any rows.
    func execute(_ sql: String, _ values: [Value] = []) throws {
        try query(sql, values) { _ in }
    }

    /// Runs one statement and hands each row to `row` (read it there: it is only valid then).
    func query(_ sql: String, _ values: [Value], row: (Row) throws -> Void) throws {
        let statement = try prepared(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let status: Int32
            switch value {
            case .integer(let n): status = sqlite_nio_sqlite3_bind_int64(statement, index, n)
            case .text(let s): status = sqlite_nio_sqlite3_bind_text64(statement, index, s, UInt64(s.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
            case .null: status = sqlite_nio_sqlite3_bind_null(statement, index)
            }
            try check(status, sql)
        }
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { try check(status, sql); return }
            try row(Row(statement: statement))
        }
    }

    /// A row being read; columns by index.
    struct Row {
        let statement: OpaquePointer
        func integer(_ column: Int32) -> Int64 { sqlite_nio_sqlite3_column_int64(statement, column) }
        func text(_ column: Int32) -> String? {
            guard let bytes = sqlite_nio_sqlite3_column_text(statement, column) else { return nil }
            return String(cString: bytes)
        }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        guard let handle else { throw StoreError.unavailable("the connection is closed") }
        var statement: OpaquePointer?
        try check(sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil), sql)
        guard let statement else { throw StoreError.unavailable("empty statement: \(sql.prefix(80))") }
        if statements.count >= Self.statementCapacity {
            for old in statements.values { sqlite_nio_sqlite3_finalize(old) }
            statements = [:]
        }
        statements[sql] = statement
        return statement
    }

    private func check(_ status: Int32, _ sql: String) throws {
        guard status != SQLITE_OK else { return }
        let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "error \(status)"
        throw StoreError.unavailable("\(message) (SQLite \(status)) in \(sql.prefix(80))")
    }
}
