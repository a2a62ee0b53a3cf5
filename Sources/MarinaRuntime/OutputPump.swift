import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Copies an instance's stdout and stderr into its log on one thread of its own, with blocking
/// `poll`/`read` on the pipes' descriptors.
///
/// Why not `FileHandle.readabilityHandler` and `readToEnd`: a blocking `readToEnd` in a task
/// holds one of Swift concurrency's few threads (two on this machine) for as long as any
/// process in the sandbox keeps the pipe open, which starved serve; and reading the same
/// descriptor from a dispatch source and a task at once crashed libdispatch's event loop.
final class OutputPump: Sendable {
    private struct State {
        var deadline: ContinuousClock.Instant?
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    /// The pipes stay referenced until the copy ends: their file handles own the descriptors.
    private let pipes: [(Pipe, String)]

    init(_ pipes: [(Pipe, String)], log: InstanceLog) {
        self.pipes = pipes
        let descriptors = pipes.map { ($0.0.fileHandleForReading.fileDescriptor, $0.1) }
        Thread.detachNewThread { [self] in
            copy(descriptors, into: log)
            let waiters = state.withLock { s in
                s.finished = true
                defer { s.waiters = [] }
                return s.waiters
            }
            waiters.forEach { $0.resume() }
        }
    }

    /// Waits until every pipe has reached its end, or `grace` has passed (a process the app
    /// left behind may hold a pipe open; its later output is not kept).
    func drain(grace: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                if s.finished { return true }
                s.deadline = ContinuousClock.now + grace
                s.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func copy(_ descriptors: [(Int32, String)], into log: InstanceLog) {
        var open = descriptors
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while !open.isEmpty {
            if let deadline = state.withLock({ $0.deadline }), ContinuousClock.now >= deadline { return }
            var fds = open.map { pollfd(fd: $0.0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready < 0 && errno != EINTR { return }
            guard ready > 0 else { continue }
            var ended: [Int32] = []
            for (i, p) in fds.enumerated() where p.revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    log.append(Array(buffer[..<n]), stream: open[i].1)
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    ended.append(p.fd)
                }
            }
            open.removeAll { ended.contains($0.0) }
        }
    }
}
