import Foundation
import MarinaTestSupport
import SQLKit
import Testing

@testable import MarinaStore

/// The store's SQLite writer thread (`Store.submitDirect`) and its WAL checkpoints.
@Suite struct DirectWriterTests {
    /// Inserts `value` into `t`, or fails after inserting it; reports how it finished.
    final class Insert: DirectWork, @unchecked Sendable {
        let value: Int64
        let failAfterInsert: Bool
        let finished: AsyncStream<String>.Continuation
        /// Called on the writer thread once inserted (an audit flush submits the next batch there).
        let afterInsert: @Sendable () -> Void

        init(
            _ value: Int64, failAfterInsert: Bool = false, finished: AsyncStream<String>.Continuation,
            afterInsert: @escaping @Sendable () -> Void = {}
        ) {
            (self.value, self.failAfterInsert, self.finished, self.afterInsert) = (value, failAfterInsert, finished, afterInsert)
        }

        struct Refused: Error {}

        func run(_ db: SQLiteDirectConnection) throws {
            try db.execute("INSERT INTO t (x) VALUES (?)", [.integer(value)])
            afterInsert()
            if failAfterInsert { throw Refused() }
        }

        func finish(_ error: (any Error)?) {
            finished.yield("\(value):" + (error == nil ? "ok" : error is Refused ? "refused" : "\(error!)"))
        }
    }

    func rows(_ store: Store) async throws -> [Int64] {
        try await store.directTransaction { db in
            var xs: [Int64] = []
            try db.query("SELECT x FROM t ORDER BY x", []) { xs.append($0.integer(0)) }
            return xs
        }
    }

    /// Holds the writer lock in a pooled transaction (which runs `body` first) until `release` is
    /// called; returns once the lock is held.
    func holdWriterLock(
        _ store: Store, _ body: @escaping @Sendable (StoreHandle) async throws -> Void = { _ in }
    ) async -> (release: @Sendable () -> Void, holder: Task<Void, any Error>) {
        let (holding, holdingNow) = AsyncStream<Void>.makeStream()
        let (release, releaseNow) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await store.transaction { db in
                try await body(db)
                holdingNow.yield()
                for await _ in release { break }
            }
        }
        for await _ in holding { break }
        return ({ releaseNow.yield() }, holder)
    }

    /// The first `count` reports, in the order they came.
    func outcomes(_ finished: AsyncStream<String>, count: Int) async -> [String] {
        var outcomes: [String] = []
        for await report in finished {
            outcomes.append(report)
            if outcomes.count == count { break }
        }
        return outcomes
    }

    /// Work queued while another writer holds the lock shares one transaction; the item that fails
    /// loses only its own writes, and the others commit.
    @Test func oneFailingItemOfABatchUndoesOnlyItsOwnWrites() async throws {
        let (store, drop) = try await TestDatabase.sqlite.make()
        defer { Task { await drop() } }
        try await store.directTransaction { db in try db.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)") }
        let (finished, reports) = AsyncStream<String>.makeStream()
        let (release, holder) = await holdWriterLock(store) { db in try await db.raw("INSERT INTO t (x) VALUES (0)").run() }
        // The writer thread takes what is queued and then waits for the lock: whatever the split,
        // the failing item shares a transaction with at least one other.
        store.submitDirect(Insert(1, finished: reports))
        store.submitDirect(Insert(2, failAfterInsert: true, finished: reports))
        store.submitDirect(Insert(3, finished: reports))
        release()
        try await holder.value
        // A failing item is told at once, the others after the commit.
        #expect(await outcomes(finished, count: 3).sorted() == ["1:ok", "2:refused", "3:ok"])
        #expect(try await rows(store) == [0, 1, 3])
    }

    /// Closing the store commits what was already queued, then refuses new work.
    @Test func closingCommitsWhatWasQueuedAndRefusesTheRest() async throws {
        let configuration = try await TestDatabase.sqlite.freshConfiguration()
        guard case .sqlite(let path) = configuration else { return }
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try Store(configuration)
        try await store.migrate()
        try await store.directTransaction { db in try db.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)") }
        let (finished, reports) = AsyncStream<String>.makeStream()
        for value in 1...50 { store.submitDirect(Insert(Int64(value), finished: reports)) }
        await store.close()
        store.submitDirect(Insert(51, finished: reports))
        let outcomes = await outcomes(finished, count: 51)
        #expect(outcomes.prefix(50) == ArraySlice((1...50).map { "\($0):ok" }))
        #expect(outcomes.last?.hasPrefix("51:") == true && outcomes.last != "51:ok")
        let reopened = try Store(configuration)
        defer { Task { await reopened.close() } }
        #expect(try await rows(reopened) == (1...50).map(Int64.init))
    }

    /// Work that running work submits while the store closes (as an audit flush submits the next
    /// batch) is committed before the thread stops, not refused.
    @Test func workSubmittedWhileTheStoreClosesIsCommitted() async throws {
        let (store, drop) = try await TestDatabase.sqlite.make()
        defer { Task { await drop() } }
        try await store.directTransaction { db in try db.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)") }
        let (finished, reports) = AsyncStream<String>.makeStream()
        // The writer thread takes the first item and waits for the lock, which is held until
        // `close` has begun; the item then runs and submits the second.
        let (release, holder) = await holdWriterLock(store)
        store.submitDirect(Insert(1, finished: reports) { store.submitDirect(Insert(2, finished: reports)) })
        let closing = Task { await store.close() }
        // Lets `close` mark the writer as stopping first; on a slow machine the test may pass
        // without reaching that order, never fail for it.
        try await Task.sleep(for: .milliseconds(200))
        release()
        try await holder.value
        await closing.value
        #expect(await outcomes(finished, count: 2) == ["1:ok", "2:ok"])
    }

    /// The log is copied back into the database file while the store is open, without a commit
    /// having to do it: SQLite's own checkpoint is only a backstop at 10,000 pages (40 MB).
    @Test func theWriteAheadLogIsCheckpointedInTheBackground() async throws {
        let configuration = try await TestDatabase.sqlite.freshConfiguration()
        guard case .sqlite(let path) = configuration else { return }
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try Store(configuration, checkpointInterval: .milliseconds(100))
        defer { Task { await store.close() } }
        try await store.migrate()
        try await store.directTransaction { db in try db.execute("CREATE TABLE t (x INTEGER PRIMARY KEY, filler TEXT)") }
        func fileSize() -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
        let before = fileSize()
        let filler = String(repeating: "x", count: 1000)
        for batch in 0..<4 {
            try await store.directTransaction { db in
                for i in 0..<500 { try db.execute("INSERT INTO t (x, filler) VALUES (?, ?)", [.integer(Int64(batch * 500 + i)), .text(filler)]) }
            }
        }
        // About 2 MB went to the log; poll (not a timing assertion: up to a minute on a loaded machine).
        var after = fileSize()
        for _ in 0..<600 where after < before + 1_500_000 {
            try await Task.sleep(for: .milliseconds(100))
            after = fileSize()
        }
        #expect(after >= before + 1_500_000, "the database file grew from \(before) to \(after) bytes")
        struct Setting: Decodable { var wal_autocheckpoint: Int }
        let setting = try await store.read { db in try await db.raw("PRAGMA wal_autocheckpoint").first(decoding: Setting.self) }
        #expect(setting?.wal_autocheckpoint == WALCheckpointer.backstopPages)
    }
}
