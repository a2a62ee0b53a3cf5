import AsyncKit
import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import SQLiteNIO

/// Opens SQLite connections with the settings sqlite-kit leaves out: write-ahead logging (readers
/// do not block the writer), a busy timeout (writers wait for each other instead of failing),
/// foreign keys, and (by default) an fsync on every commit so that an acknowledged write survives
/// a crash of the machine, not only of the process.
struct SQLiteTunedSource: ConnectionPoolSource {
    let path: String
    let threadPool: NIOThreadPool
    let synchronous: SQLiteSynchronous

    static func pragmas(_ synchronous: SQLiteSynchronous) -> [String] {
        [
            "PRAGMA journal_mode = WAL",
            "PRAGMA busy_timeout = 15000",
            "PRAGMA foreign_keys = ON",
            "PRAGMA synchronous = " + synchronous.pragmaValue,
            // Checkpoints run on their own thread (`WALCheckpointer`); SQLite's own, inside a
            // commit, only if that thread falls far behind.
            "PRAGMA wal_autocheckpoint = \(WALCheckpointer.backstopPages)",
            // 16 MB of page cache per connection (SQLite's default is 2 MB): the audit log's and
            // the event queue's indexes stay in memory under a steady write load.
            "PRAGMA cache_size = -16384",
        ]
    }

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        SQLiteConnection.open(storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoop).flatMap { connection in
            var future = eventLoop.makeSucceededVoidFuture()
            for pragma in Self.pragmas(synchronous) {
                future = future.flatMap { connection.query(pragma).map { _ in } }
            }
            return future.map { connection }.flatMapErrorThrowing { error in
                _ = connection.close()
                throw error
            }
        }
    }
}

/// When SQLite waits for the disk (`serve --sqlite-synchronous`). In WAL mode both survive a crash
/// of the process (`kill -9`): a committed transaction is in the log file. They differ when the
/// machine itself stops.
public enum SQLiteSynchronous: String, Sendable, CaseIterable {
    /// An fsync at every commit: nothing acknowledged is lost, even to a power cut. The default.
    case full
    /// An fsync only at checkpoints: the last transactions acknowledged before a power cut or a
    /// kernel crash may be lost (the database stays consistent). Each commit stops waiting for the
    /// disk, which on a slow disk is most of a tool call's time.
    case normal

    var pragmaValue: String { self == .full ? "FULL" : "NORMAL" }
}
