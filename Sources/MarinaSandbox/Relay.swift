#if canImport(Glibc)
import Glibc
#endif

/// The bridge inside a sandbox between the platform's Unix socket and the app's TCP port: the
/// app listens on `$PORT` in its own network namespace (which the platform cannot enter), the
/// relay accepts on a socket in a directory shared with the platform and copies bytes both ways.
/// It starts the app as its child and exits with it. Run as `marina-sandbox relay` (or
/// `marina relay` where the helper is not installed).
public enum Relay {
    /// Runs `command` and relays `socketPath` ↔ `127.0.0.1:port` until the command exits;
    /// returns the command's exit status (128 + signal when killed). Each of `forwards` is the
    /// other direction: connections the app makes to `127.0.0.1:port` inside the sandbox go to a
    /// Unix socket the platform serves (how the app reaches `MARINA_URL` without a network).
    public static func run(socketPath: String, port: Int, forwards: [(port: Int, path: String)] = [], command: [String]) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        unlink(socketPath)
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0, Sockets.bindUnix(listener, socketPath), listen(listener, 128) == 0 else {
            writeStandardError("marina relay: cannot listen on \(socketPath): \(String(cString: strerror(errno)))")
            return 70
        }
        // The relay leads a process group with the app in it, so that the platform can end both
        // (and whatever the app started) at once; and the app starts with no signals blocked or
        // ignored, whatever the platform's threads had.
        setpgid(0, 0)
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        let child: ChildProcess
        do { child = try ChildProcess.start(command) } catch {
            writeStandardError("marina relay: \(error)")
            return 127
        }
        let pid = child.pid
        // Pass termination requests on to the app (kill is safe in a signal handler).
        relayedChild = pid
        for sig in [SIGINT, SIGHUP] { signal(sig, SIG_IGN) }
        signal(SIGTERM) { _ in kill(relayedChild, SIGTERM) }

        Sockets.acceptEach(listener) { serve($0, port: port) }
        for forward in forwards {
            let fd = Sockets.listenTCP(port: forward.port)
            guard fd >= 0 else {
                writeStandardError("marina relay: cannot listen on 127.0.0.1:\(forward.port): \(String(cString: strerror(errno)))")
                continue
            }
            Sockets.acceptEach(fd) { client in
                let upstream = Sockets.connectUnix(forward.path)
                guard upstream >= 0 else { close(client); return }
                Sockets.join(client, upstream)
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        unlink(socketPath)
        return ChildProcess.exitCode(status)
    }

    /// Connects to the app (retrying while it is still starting) and copies bytes both ways.
    static func serve(_ client: Int32, port: Int) {
        let upstream = connectWhileStarting(port: port)
        guard upstream >= 0 else { close(client); return }
        var one: Int32 = 1
        setsockopt(upstream, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        Sockets.join(client, upstream)
    }
}

extension Relay {
    /// The app's socket, or -1 when it does not listen within 3 s (or serves `MARINA_SOCKET`
    /// instead). The first connection of a wake arrives while the app is still starting; a refused
    /// connect on loopback costs microseconds, so the relay retries every 0.5 ms for the first
    /// 100 ms (a coarser step would add up to the step to every cold start), then every 20 ms.
    static func connectWhileStarting(port: Int) -> Int32 {
        let start = ContinuousClock.now
        while true {
            let fd = Sockets.connectTCP(port: port)
            if fd >= 0 { return fd }
            if let appSocket, access(appSocket, F_OK) == 0 { return -1 }
            let elapsed = ContinuousClock.now - start
            if elapsed >= .seconds(3) { return -1 }
            usleep(elapsed < .milliseconds(100) ? 500 : 20_000)
        }
    }
}

/// The app's own socket (`MARINA_SOCKET`): once the app has bound it, it serves there and not on
/// its port, so a connection through the relay is closed at once instead of retried for 3 s (the
/// platform probes both sockets while an instance starts, and uses the app's own).
nonisolated(unsafe) private let appSocket: String? = getenv("MARINA_SOCKET").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }

/// The app a relay started, for its SIGTERM handler (which cannot capture anything).
nonisolated(unsafe) private var relayedChild: pid_t = 0
