/// A FIFO async lock. SQLite admits one writer at a time, and a connection that waits for the
/// write lock blocks one of the pool's threads; queueing writers here, before they reach SQLite,
/// keeps those threads free for the writer that holds the lock.
actor WriterLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    func withLock<R: Sendable>(_ body: @Sendable () async throws -> R) async rethrows -> R {
        await acquire()
        do {
            let result = try await body()
            release()
            return result
        } catch {
            release()
            throw error
        }
    }
}
