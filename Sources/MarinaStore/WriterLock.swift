import Dispatch
import Synchronization

/// A FIFO lock for SQLite's one writer, taken by tasks (`withLock`) and by the store's writer
/// thread (`withLockBlocking`). A connection that waits inside SQLite for the write lock blocks
/// one of the pool's threads and sleeps in SQLite's busy handler; queueing writers here, before
/// they reach SQLite, keeps those threads free and hands the lock over without a sleep.
final class WriterLock: Sendable {
    private enum Waiter {
        case task(CheckedContinuation<Void, Never>)
        case thread(DispatchSemaphore)
    }

    private struct State {
        var held = false
        var waiters: [Waiter] = []
    }

    private let state = Mutex(State())

    func withLock<R: Sendable>(_ body: @Sendable () async throws -> R) async rethrows -> R {
        await acquire()
        defer { release() }
        return try await body()
    }

    /// For a thread of its own, never for a task: it blocks the calling thread until the lock is free.
    func withLockBlocking<R>(_ body: () throws -> R) rethrows -> R {
        let semaphore = DispatchSemaphore(value: 0)
        if !take(orQueue: .thread(semaphore)) { semaphore.wait() }
        defer { release() }
        return try body()
    }

    private func acquire() async {
        if take(orQueue: nil) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if take(orQueue: .task(continuation)) { continuation.resume() }
        }
    }

    /// Takes the lock if it is free; otherwise queues `waiter`, when there is one, to be handed
    /// the lock by `release`.
    private func take(orQueue waiter: Waiter?) -> Bool {
        state.withLock { s in
            if !s.held {
                s.held = true
                return true
            }
            if let waiter { s.waiters.append(waiter) }
            return false
        }
    }

    /// Hands the lock to the longest waiter, which then holds it, or frees it.
    private func release() {
        let next = state.withLock { s -> Waiter? in
            if s.waiters.isEmpty {
                s.held = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        switch next {
        case .task(let continuation): continuation.resume()
        case .thread(let semaphore): semaphore.signal()
        case nil: break
        }
    }
}
