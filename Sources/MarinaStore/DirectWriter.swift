import Dispatch
import Foundation
import Synchronization

/// Work for the store's SQLite writer thread (`Store.submitDirect`). `run` is called on that
/// thread inside a transaction, in a savepoint of its own; then `finish` is called exactly once:
/// with nil once the transaction has committed, or with the error (what `run` threw, its writes
/// undone, or why the transaction failed). `finish` runs on the writer thread, except for work
/// refused without running (the store closed, or PostgreSQL): then it runs at once, in
/// `submitDirect`'s caller.
public protocol DirectWork: AnyObject, Sendable {
    func run(_ db: SQLiteDirectConnection) throws
    func finish(_ error: (any Error)?)
}

/// The store's direct SQLite connection and the one thread that writes through it. Work submitted
/// while a transaction runs waits, and all of it then shares the next transaction (group commit:
/// one fsync for many callers). A submitter's task is resumed straight from this thread once its
/// work has committed: that is two thread wake-ups per call (this thread, then the caller), where
/// an actor, a drain task and a thread pool made four.
final class DirectWriter: Sendable {
    let path: String
    let synchronous: SQLiteSynchronous
    let writerLock: WriterLock
    /// Work items per transaction.
    let maxBatch: Int

    private struct State {
        var queue: [any DirectWork] = []
        var sleeping = false
        var stopping = false
        /// The queue was empty after `close`: the thread takes nothing more.
        var drained = false
        var exited = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    /// Starts the thread; the connection opens with the first work.
    init(path: String, synchronous: SQLiteSynchronous, writerLock: WriterLock, maxBatch: Int = 2000) {
        self.path = path
        self.synchronous = synchronous
        self.writerLock = writerLock
        self.maxBatch = maxBatch
        let thread = Thread { [self] in loop() }
        thread.name = "marina.sqlite-writer"
        thread.start()
    }

    /// Queues `work`. Once `close` has drained the queue, `work` finishes at once with
    /// `StoreError.unavailable`.
    func submit(_ work: any DirectWork) {
        enum Action { case none, wake, refuse }
        let action = state.withLock { s -> Action in
            guard !s.drained else { return .refuse }
            s.queue.append(work)
            guard s.sleeping else { return .none }
            s.sleeping = false
            return .wake
        }
        switch action {
        case .none: break
        case .wake: wake.signal()
        case .refuse: work.finish(StoreError.unavailable("the store is closed"))
        }
    }

    /// Commits what is queued, and what is submitted meanwhile (an audit flush may queue the next
    /// one), until the queue is empty; then stops the thread and closes the connection.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (resumeNow, signal) = state.withLock { s -> (Bool, Bool) in
                s.stopping = true
                if s.exited { return (true, false) }
                s.exitWaiters.append(continuation)
                let signal = s.sleeping
                s.sleeping = false
                return (false, signal)
            }
            if signal { wake.signal() }
            if resumeNow { continuation.resume() }
        }
    }

    private func loop() {
        var db: SQLiteDirectConnection?
        while true {
            let batch = state.withLock { s -> [any DirectWork]? in
                if s.queue.isEmpty {
                    if s.stopping {
                        s.drained = true
                        return nil
                    }
                    s.sleeping = true
                    return []
                }
                let batch = Array(s.queue.prefix(maxBatch))
                s.queue.removeFirst(batch.count)
                return batch
            }
            guard let batch else { break }
            if batch.isEmpty {
                wake.wait()
                continue
            }
            do {
                if db == nil { db = try SQLiteDirectConnection(path: path, synchronous: synchronous) }
                writerLock.withLockBlocking { Self.commit(batch, on: db!) }
                if db!.inTransaction {
                    db!.close()
                    db = nil
                }
            } catch {
                for work in batch { work.finish(error) }
            }
        }
        db?.close()
        let waiters = state.withLock { s in
            s.exited = true
            defer { s.exitWaiters = [] }
            return s.exitWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// One transaction for the batch; each item in a savepoint, so that one item's failure undoes
    /// only its own writes.
    static func commit(_ batch: [any DirectWork], on db: SQLiteDirectConnection) {
        do {
            try db.execute("BEGIN IMMEDIATE")
        } catch {
            for work in batch { work.finish(error) }
            return
        }
        var done: [any DirectWork] = []
        done.reserveCapacity(batch.count)
        for (index, work) in batch.enumerated() {
            do {
                try db.execute("SAVEPOINT work")
                do {
                    try work.run(db)
                } catch {
                    try db.execute("ROLLBACK TO work")
                    try db.execute("RELEASE work")
                    work.finish(error)
                    continue
                }
                try db.execute("RELEASE work")
                done.append(work)
            } catch {
                // The savepoint statements themselves failed: the transaction is in doubt.
                try? db.execute("ROLLBACK")
                for other in done + batch[index...] { other.finish(error) }
                return
            }
        }
        do {
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            for work in done { work.finish(error) }
            return
        }
        for work in done { work.finish(nil) }
    }
}

/// `Store.directTransaction`: one body, its result handed back to the waiting task.
final class DirectTransaction<R: Sendable>: DirectWork, @unchecked Sendable {
    private let body: @Sendable (SQLiteDirectConnection) throws -> R
    private let continuation: CheckedContinuation<R, any Error>
    /// Written and read only on the writer thread (`run`, then `finish`).
    private var result: R?

    init(_ body: @escaping @Sendable (SQLiteDirectConnection) throws -> R, continuation: CheckedContinuation<R, any Error>) {
        self.body = body
        self.continuation = continuation
    }

    func run(_ db: SQLiteDirectConnection) throws { result = try body(db) }

    func finish(_ error: (any Error)?) {
        if let error {
            continuation.resume(throwing: error)
        } else if let result {
            continuation.resume(returning: result)
        } else {
            continuation.resume(throwing: StoreError.unavailable("the transaction ended without a result"))
        }
    }
}
