import AsyncKit
import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import SQLiteNIO

/// Opens SQLite connections with the settings sqlite-kit leaves out: write-ahead logging (readers
/// do not block the writer), a busy timeout (writers wait for each other instead of failing),
/// foreign keys, and full fsync on commit so that an acknowledged write survives a crash.
struct SQLiteTunedSource: ConnectionPoolSource {
    let path: String
    let threadPool: NIOThreadPool

    static let pragmas = [
        "PRAGMA journal_mode = WAL",
        "PRAGMA busy_timeout = 15000",
        "PRAGMA foreign_keys = ON",
        "PRAGMA synchronous = FULL",
        // 16 MB of page cache per connection (SQLite's default is 2 MB): the audit log's and
        // the event queue's indexes stay in memory under a steady write load.
        "PRAGMA cache_size = -16384",
    ]

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        SQLiteConnection.open(storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoop).flatMap { connection in
            var future = eventLoop.makeSucceededVoidFuture()
            for pragma in Self.pragmas {
                future = future.flatMap { connection.query(pragma).map { _ in } }
            }
            return future.map { connection }.flatMapErrorThrowing { error in
                _ = connection.close()
                throw error
            }
        }
    }
}
