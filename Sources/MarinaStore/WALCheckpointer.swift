import Dispatch
import Foundation
import Logging
import Synchronization

/// Copies the SQLite write-ahead log back into the database file on a thread and connection of its
/// own, every `interval`. Left to SQLite, that checkpoint runs inside whichever commit makes the
/// log pass 1,000 pages, and that caller waits for its fsyncs: with `--sqlite-synchronous normal`
/// such commits took 13–308 ms where the others took a tenth of one. Here no commit waits for it
/// (a passive checkpoint takes no writer lock), and with `normal` the interval also bounds what a
/// power cut can lose, because the checkpoint fsyncs the log first.
///
/// The connections keep SQLite's own checkpoint as a backstop at `backstopPages`, far above what
/// one interval writes, in case this thread falls behind or fails.
final class WALCheckpointer: Sendable {
    static let backstopPages = 10_000

    let path: String
    let interval: Duration
    let logger: Logger
    private let stop = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let closed = Atomic(false)

    /// Starts the thread; its connection opens at the first checkpoint. `interval` is at least a
    /// millisecond.
    init(path: String, interval: Duration, logger: Logger) {
        self.path = path
        self.interval = max(interval, .milliseconds(1))
        self.logger = logger
        let thread = Thread { [self] in loop() }
        thread.name = "marina.sqlite-checkpoint"
        thread.start()
    }

    /// Stops the thread (the last connection to close checkpoints what is left). Later calls do nothing.
    func close() async {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        stop.signal()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.exited.wait()
                continuation.resume()
            }
        }
    }

    private func loop() {
        var db: SQLiteDirectConnection?
        var lastFailure: String?
        let nanoseconds = UInt64(interval.components.seconds) * 1_000_000_000 + UInt64(interval.components.attoseconds / 1_000_000_000)
        while stop.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .timedOut {
            do {
                if db == nil { db = try SQLiteDirectConnection(path: path, synchronous: .full) }
                try db!.execute("PRAGMA wal_checkpoint(PASSIVE)")
                lastFailure = nil
            } catch {
                // Said once per distinct failure, not four times a second.
                let failure = "\(error)"
                if failure != lastFailure {
                    logger.warning("WAL checkpoint failed; SQLite's own checkpoint remains", metadata: ["error": "\(failure)"])
                }
                lastFailure = failure
                db?.close()
                db = nil
            }
        }
        db?.close()
        exited.signal()
    }
}
