import MarinaSandbox
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Tells when child processes end: one thread for all of them, waiting in `poll` on a pidfd per
/// child (or, where the kernel has no pidfds, checking them every 50 ms), which reaps each child
/// as it ends.
///
/// Why not Foundation's `Process`: it learns that a child ended when a socket the child inherits
/// reaches its end — and a sandbox started by another thread at the same moment could inherit
/// that socket too (Foundation closes descriptors only up to the highest open when it starts), so
/// one instance's end went unnoticed until an unrelated one ended: stops hung, and calls waiting
/// for them with them.
public final class ProcessExits: Sendable {
    public static let shared = ProcessExits()

    private struct Watched {
        var pidfd: Int32
        var waiters: [CheckedContinuation<Int32, Never>]
    }

    private struct State {
        var watched: [pid_t: Watched] = [:]
        var started = false
    }

    private let state = Mutex(State())
    /// Written to wake the thread when a child is added.
    private let wake: (read: Int32, write: Int32)?
    private let usePidfds: Bool

    /// `usePidfds` false: check every child every 50 ms, as on kernels without pidfds (tests).
    public init(usePidfds: Bool = true) {
        wake = LinuxCalls.pipe(nonBlocking: true)
        self.usePidfds = usePidfds
    }

    /// Waits for the child `pid` of this process to end, reaps it, and returns its exit status
    /// (128 + the signal when one ended it; -1 when it is not this process's child).
    public func wait(for pid: pid_t) async -> Int32 {
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid { return ChildProcess.exitCode(status) }
        // Not a child: a pidfd would never tell.
        if reaped < 0 && errno == ECHILD { return -1 }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let startThread = state.withLock { s -> Bool in
                if s.watched[pid] != nil {
                    s.watched[pid]!.waiters.append(continuation)
                } else {
                    s.watched[pid] = Watched(pidfd: usePidfds ? LinuxCalls.pidfdOpen?(pid, 0) ?? -1 : -1, waiters: [continuation])
                }
                defer { s.started = true }
                return !s.started
            }
            if startThread { Threads.detach { self.run() } }
            notify()
        }
    }

    private func notify() {
        guard let wake else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(wake.write, &byte, 1)
    }

    private func run() {
        while true {
            let watched = state.withLock { s in s.watched.map { (pid: $0.key, pidfd: $0.value.pidfd) } }
            var fds = [pollfd(fd: wake?.read ?? -1, events: Int16(POLLIN), revents: 0)]
            fds += watched.map { pollfd(fd: $0.pidfd, events: Int16(POLLIN), revents: 0) }
            // Without a wake pipe a new child is noticed within the same 50 ms.
            let polling = wake == nil || watched.contains { $0.pidfd < 0 }
            let ready = poll(&fds, nfds_t(fds.count), polling ? 50 : -1)
            if ready < 0 && errno != EINTR { usleep(50_000) }
            if let wake, fds[0].revents != 0 {
                var sink = [UInt8](repeating: 0, count: 64)
                while Glibc.read(wake.read, &sink, sink.count) > 0 {}
            }
            for (index, child) in watched.enumerated() where child.pidfd < 0 || fds[index + 1].revents != 0 {
                var status: Int32 = 0
                let reaped = waitpid(child.pid, &status, WNOHANG)
                if reaped == child.pid {
                    finish(child.pid, ChildProcess.exitCode(status))
                } else if reaped < 0 && errno == ECHILD {
                    finish(child.pid, -1)
                }
            }
        }
    }

    private func finish(_ pid: pid_t, _ status: Int32) {
        guard let ended = state.withLock({ s in s.watched.removeValue(forKey: pid) }) else { return }
        if ended.pidfd >= 0 { close(ended.pidfd) }
        ended.waiters.forEach { $0.resume(returning: status) }
    }
}
