@preconcurrency import AsyncKit
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// The database behind Marina: a pool of connections, transactions, and the schema migrations.
/// Repositories (`TenantRepository`, `RegistryRepository`, …) take a `Store` and speak SQLKit, so
/// SQLite and PostgreSQL share one code path; dialect corners are marked where they occur.
public final class Store: Sendable {
    public let configuration: StoreConfiguration
    public var dialect: StoreConfiguration.Dialect { configuration.dialect }
    private let backend: any StoreBackend
    private let writerLock: WriterLock?
    private let direct: DirectWriter?
    private let checkpointer: WALCheckpointer?
    let logger: Logger

    /// Opens the pool (connections are made lazily) — call `migrate()` before use. `sqliteSynchronous`
    /// and `checkpointInterval` (how often the WAL is copied back into the database file, see
    /// `WALCheckpointer`) apply to SQLite only.
    public init(
        _ configuration: StoreConfiguration, sqliteSynchronous: SQLiteSynchronous = .full, checkpointInterval: Duration = .milliseconds(250),
        logger: Logger = Logger(label: "marina.store"), eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.logger = logger
        switch configuration {
        case .sqlite(let path):
            let threads = NIOThreadPool(numberOfThreads: 4)
            threads.start()
            let source = SQLiteTunedSource(path: path, threadPool: threads, synchronous: sqliteSynchronous)
            let pool = EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: 2, requestTimeout: .seconds(30), logger: logger, on: eventLoopGroup)
            backend = PooledBackend(pool: pool, logger: logger, threadPool: threads) { $0.sql() }
            let lock = WriterLock()
            writerLock = lock
            direct = DirectWriter(path: path, synchronous: sqliteSynchronous, writerLock: lock)
            checkpointer = WALCheckpointer(path: path, interval: checkpointInterval, logger: logger)
        case .postgres(let url):
            let source = PostgresConnectionSource(sqlConfiguration: try SQLPostgresConfiguration(url: url))
            let pool = EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: 4, requestTimeout: .seconds(30), logger: logger, on: eventLoopGroup)
            backend = PooledBackend(pool: pool, logger: logger, threadPool: nil) { $0.sql() }
            writerLock = nil
            direct = nil
            checkpointer = nil
        }
    }

    /// Runs `body` on one connection, outside any transaction (reads).
    public func read<R: Sendable>(_ body: @escaping @Sendable (StoreHandle) async throws -> R) async throws -> R {
        try await backend.withDatabase { try await body(StoreHandle($0)) }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws. On
    /// SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`) so that two writers
    /// queue instead of failing when one upgrades from reading to writing.
    public func transaction<R: Sendable>(_ body: @escaping @Sendable (StoreHandle) async throws -> R) async throws -> R {
        let begin = dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        guard let writerLock else { return try await run(begin, body) }
        return try await writerLock.withLock { try await self.run(begin, body) }
    }

    private func run<R: Sendable>(_ begin: String, _ body: @escaping @Sendable (StoreHandle) async throws -> R) async throws -> R {
        try await backend.withDatabase { db in
            try await db.execute(sql: SQLRaw(begin)) { _ in }
            do {
                let result = try await body(StoreHandle(db))
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Whether `submitDirect` and `directTransaction` are available (SQLite).
    public var hasDirectTransactions: Bool { direct != nil }

    /// SQLite only: queues `work` for the store's writer thread, which runs it on a connection of
    /// its own, in one `BEGIN IMMEDIATE` transaction with whatever else was queued meanwhile (group
    /// commit), under the same writer lock as `transaction`. For a hot write path that SQLKit's
    /// per-statement hops would slow (the audit log). On PostgreSQL `work` finishes at once with
    /// `StoreError.unavailable`.
    public func submitDirect(_ work: any DirectWork) {
        guard let direct else { return work.finish(StoreError.unavailable("direct transactions exist only on SQLite")) }
        direct.submit(work)
    }

    /// `submitDirect` for one body, awaiting its commit.
    public func directTransaction<R: Sendable>(_ body: @escaping @Sendable (SQLiteDirectConnection) throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            submitDirect(DirectTransaction(body, continuation: continuation))
        }
    }

    /// Answers whether the database can be reached (for `/readyz`).
    public func ping() async -> Bool {
        do {
            try await read { db in try await db.raw("SELECT 1").run() }
            return true
        } catch {
            return false
        }
    }

    public func close() async {
        await direct?.close()
        await checkpointer?.close()
        await backend.shutdown()
    }
}

protocol StoreBackend: Sendable {
    func withDatabase<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    func shutdown() async
}

/// AsyncKit's pool is safe to use from any thread (it hops to its event loops itself) but is not
/// marked `Sendable`.
final class PooledBackend<Source: ConnectionPoolSource>: StoreBackend, @unchecked Sendable {
    let pool: EventLoopGroupConnectionPool<Source>
    let logger: Logger
    let threadPool: NIOThreadPool?
    let sql: @Sendable (Source.Connection) -> any SQLDatabase

    init(
        pool: EventLoopGroupConnectionPool<Source>, logger: Logger, threadPool: NIOThreadPool?,
        sql: @escaping @Sendable (Source.Connection) -> any SQLDatabase
    ) {
        self.pool = pool
        self.logger = logger
        self.threadPool = threadPool
        self.sql = sql
    }

    func withDatabase<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let sql = self.sql
        return try await pool.withConnection(logger: logger) { connection in
            connection.eventLoop.makeFutureWithTask { try await body(sql(connection)) }
        }.get()
    }

    func shutdown() async {
        try? await pool.shutdownAsync()
        try? await threadPool?.shutdownGracefully()
    }
}
