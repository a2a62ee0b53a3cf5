#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, with no signals blocked or ignored whatever the
/// calling thread had (Foundation's `Process` passes on the blocked mask of the thread that
/// starts it, so such a child would ignore SIGTERM), optionally in its own process group, and
/// holding no descriptor but its standard three (where the C library can close the rest in the
/// child: glibc 2.34 and later), whatever other threads open meanwhile.
public struct ChildProcess: Sendable {
    public let pid: pid_t
    /// True when the child leads its own process group (so `terminate` reaches its children too).
    public let ownGroup: Bool

    public struct SpawnError: Error, CustomStringConvertible {
        public let command: String
        public let reason: String
        public var description: String { "cannot start \(command): \(reason)" }
    }

    /// Starts `command` (looked up on PATH) in `directory` with `environment` (nil: this process's),
    /// reading the descriptor `input`, its standard output written to `output` and its standard
    /// error to `error` (each nil: inherited).
    public static func start(
        _ command: [String], environment: [String: String]? = nil, directory: String? = nil,
        input: Int32? = nil, output: Int32? = nil, error: Int32? = nil, ownGroup: Bool = false
    ) throws(SpawnError) -> ChildProcess {
        guard let program = command.first else { throw SpawnError(command: "", reason: "no command") }
        var everything = sigset_t()
        sigfillset(&everything)
        var none = sigset_t()
        sigemptyset(&none)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &everything)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let directory {
            guard let addchdir = addChdir else { throw SpawnError(command: program, reason: "this C library cannot set a child's directory") }
            _ = addchdir(&actions, directory)
        }
        for (fd, target) in [(input, Int32(0)), (output, 1), (error, 2)] {
            if let fd { posix_spawn_file_actions_adddup2(&actions, fd, target) }
        }
        // After the dup2s: what they made stays, everything else goes.
        if let addCloseFrom = LinuxCalls.addCloseFrom { _ = addCloseFrom(&actions, 3) }
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned: Int32
        if let environment {
            var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { envp.forEach { free($0) } }
            // posix_spawnp looks the program up on the caller's PATH, so look it up on the child's.
            spawned = posix_spawnp(&pid, resolve(program, path: environment["PATH"]), &actions, &attributes, &argv, &envp)
        } else {
            spawned = posix_spawnp(&pid, program, &actions, &attributes, &argv, environ)
        }
        guard spawned == 0 else { throw SpawnError(command: program, reason: String(cString: strerror(spawned))) }
        return ChildProcess(pid: pid, ownGroup: ownGroup)
    }

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which Swift's Glibc module does not export.
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addChdir: AddChdir? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np").map {
        unsafeBitCast($0, to: AddChdir.self)
    }

    static func resolve(_ program: String, path: String?) -> String {
        guard !program.contains("/"), let path else { return program }
        for dir in path.split(separator: ":") where access("\(dir)/\(program)", X_OK) == 0 { return "\(dir)/\(program)" }
        return program
    }

    /// The exit status (128 + signal when killed) once the child has ended; nil while it runs.
    public func poll() -> Int32? {
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        guard reaped == pid else { return reaped < 0 ? -1 : nil }
        return Self.exitCode(status)
    }

    /// Waits for the child to end; its exit status.
    public func wait() async -> Int32 {
        while true {
            if let code = poll() { return code }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// SIGTERM (to the group when the child leads one), then SIGKILL after `grace`; the exit status.
    @discardableResult
    public func terminate(grace: Duration = .seconds(10)) async -> Int32 {
        if let code = poll() { return code }
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if let code = poll() { return code }
            try? await Task.sleep(for: .milliseconds(20))
        }
        signal(SIGKILL)
        return await wait()
    }

    public func signal(_ sig: Int32) { kill(ownGroup ? -pid : pid, sig) }

    public static func exitCode(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
