import Foundation
import Logging
import MarinaEventLoops
import MarinaSandbox
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs instances as local processes: inside a bubblewrap sandbox (own user, pid, ipc, uts,
/// mount and network namespaces; an unprivileged user with no capabilities; the bundle read-only,
/// a private data directory, a private /tmp; only the environment it is given; limited by cgroups
/// or rlimits; killed when the platform dies) — or, only when the operator says `--unsandboxed`,
/// as plain child processes.
public struct LocalDriver: RuntimeDriver {
    public let sandboxed: Bool
    public let marinaBinary: URL
    /// What runs the two steps of a start that are processes of their own (`sandbox-exec`, and
    /// `relay` inside the sandbox): the `marina-sandbox` helper beside the marina binary when it
    /// is there — it starts in about 7 ms instead of 15 — else the marina binary itself.
    public let helperBinary: URL
    public let runRoot: URL
    public let cgroups: Cgroups
    /// Instances run under `SeccompFilter` (false only where no filter is known for the machine).
    public let seccomp: Bool
    /// True when serve is not root: bubblewrap then cannot give instances users of their own,
    /// and every instance runs as serve's own user (allowed only when the operator says so).
    public let sharedUser: Bool
    /// A file system of its own per instance `/data`, of this size (nil: `/data` shares serve's disk).
    public let dataQuota: DataQuota?
    let bwrap: String
    let logger: Logger
    /// The port of the platform's API on this host's loopback: sandboxed instances reach it as
    /// `MARINA_URL` through their io directory (nil: they do not).
    let platformPort: PlatformPort?
    /// The proxy sandboxed instances reach the internet through (nil: they reach nothing).
    let egress: EgressProxy?
    /// Where the platform's API and the egress proxy appear inside a sandbox.
    static let sandboxPlatformPort = 7070
    static let sandboxProxyPort = 3128

    /// `runRoot` holds one small directory per instance with its sockets.
    /// Cgroups are named after `runRoot`, so that two platforms on one machine never touch each
    /// other's instances.
    /// `allowSharedUser`: a serve that is not root may still sandbox instances, all as its own
    /// user (no uid of their own each); without it such a serve refuses to start sandboxed.
    public init(
        sandboxed: Bool, marinaBinary: URL, runRoot: URL, cgroups: Cgroups? = nil, platformPort: PlatformPort? = nil,
        egress: EgressProxy? = nil, allowSharedUser: Bool = false, dataQuota: DataQuota? = nil, logger: Logger = Logger(label: "marina.runtime")
    ) throws {
        self.sandboxed = sandboxed
        self.dataQuota = sandboxed ? dataQuota : nil
        self.seccomp = SeccompFilter.program() != nil
        self.sharedUser = sandboxed && getuid() != 0
        if sharedUser && !allowSharedUser {
            throw RuntimeError(
                .sandboxUnavailable,
                "serve is not running as root, so it cannot give each app instance a user of its own: run it as root, or pass --allow-shared-uid to run every instance as serve's own user (sandboxed, but not separated from each other or from serve's files by user)"
            )
        }
        self.platformPort = platformPort
        self.egress = egress
        self.marinaBinary = marinaBinary
        let helper = marinaBinary.deletingLastPathComponent().appendingPathComponent("marina-sandbox")
        self.helperBinary = access(helper.path, X_OK) == 0 ? helper : marinaBinary
        self.runRoot = runRoot
        let namespace =
            "p"
            + String(
                runRoot.standardizedFileURL.path.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }, radix: 36
            )
        self.cgroups = cgroups ?? Cgroups(namespace: namespace)
        self.logger = logger
        if sandboxed {
            guard let bwrap = LocalDriver.findBubblewrap() else {
                throw RuntimeError(
                    .sandboxUnavailable,
                    "bubblewrap (bwrap) is not installed: install Debian's bubblewrap package, or run serve with --unsandboxed (no isolation)")
            }
            self.bwrap = bwrap
        } else {
            self.bwrap = ""
        }
        try FileManager.default.createDirectory(at: runRoot, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
        try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: runRoot.path)
    }

    /// What `marina instances` says of the sandbox.
    var sandboxDescription: String {
        var parts = ["bubblewrap"]
        parts.append(seccomp ? "seccomp" : "no seccomp filter for this architecture")
        if sharedUser { parts.append("shared uid (serve is not root)") }
        return parts.joined(separator: ", ")
    }

    public static func findBubblewrap() -> String? {
        ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"].first { access($0, X_OK) == 0 }
    }

    /// The directory holding this process's Swift runtime libraries, bound into the sandbox for
    /// Swift apps and for the relay when it runs as `marina relay`.
    static let swiftRuntimeDirectory: String? = {
        guard let maps = ProcFile.read("/proc/self/maps") else { return nil }
        for line in maps.split(separator: "\n") where line.hasSuffix("libswiftCore.so") {
            if let path = line.split(separator: " ").last { return (String(path) as NSString).deletingLastPathComponent }
        }
        return nil
    }()

    public func start(_ spec: InstanceSpec, log: InstanceLog) throws -> RunningInstance {
        var spec = spec
        if sharedUser { spec.uid = getuid() }
        let io = runRoot.appendingPathComponent(spec.id)
        try? FileManager.default.removeItem(at: io)
        // Root's own until the platform's sockets are in it: they are handed over by path, which
        // is safe only while the instance's user cannot write the directory.
        try FileManager.default.createDirectory(at: io, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createDirectory(at: spec.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let hostRelay = io.appendingPathComponent("relay.sock").path
        let hostAppSocket = io.appendingPathComponent("app.sock").path
        guard hostRelay.utf8.count < 100 else {
            throw RuntimeError(.startFailed, "the socket path \(hostRelay) is too long for a Unix socket; use a shorter --data directory")
        }
        guard !spec.command.isEmpty else { throw RuntimeError(.noCommand, "the version has no start command") }

        let command: [String]
        var environment: [String: String] = [:]
        var directory: String?
        var group: Cgroups.Group?
        let limits: LimitsInForce
        var listeners: [UnixListener] = []
        var secretArguments: Int32?
        var mountedData = false
        func undo() {
            if let group { self.cgroups.remove(group) }
            listeners.forEach { $0.stop() }
            if mountedData { try? dataQuota?.unmount(spec.dataDirectory) }
        }
        if sandboxed {
            var forwards: [String] = []
            do {
                if let platformPort {
                    listeners.append(
                        try UnixListener.forwarding(path: io.appendingPathComponent("platform.sock").path, uid: spec.uid, to: { platformPort.value }))
                    forwards += ["--forward", "\(Self.platformPortInside(spec))=/run/marina/io/platform.sock"]
                }
                if let egress {
                    listeners.append(try egress.serve(path: io.appendingPathComponent("egress.sock").path, spec: spec, allowed: spec.egressHosts))
                    forwards += ["--forward", "\(Self.proxyPortInside(spec))=/run/marina/io/egress.sock"]
                }
                if let token = spec.environment["MARINA_APP_TOKEN"] { try writeAppToken(token, for: spec) }
                if let dataQuota {
                    try dataQuota.mount(spec.dataDirectory, uid: spec.uid)
                    mountedData = true
                }
                guard lchown(io.path, spec.uid, spec.uid) == 0, lchown(spec.dataDirectory.path, spec.uid, spec.uid) == 0 else {
                    throw RuntimeError(.startFailed, "cannot hand the instance's directories to uid \(spec.uid): \(String(cString: strerror(errno)))")
                }
                // A fresh group per launch: the previous launch's cleanup must never remove this one's.
                group = try cgroups.create(
                    spec.id + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 36), memoryMB: spec.memoryMB, cpuCores: spec.cpuCores,
                    processes: spec.maxProcesses)
                // The environment (secrets, the app token) goes to bubblewrap through a descriptor,
                // never through a command line that every local user can read in /proc.
                let environment = sandboxEnvironment(spec)
                // A NUL would end an argument early and start another: a value could add bubblewrap options.
                if let bad = environment.first(where: {
                    $0.key.isEmpty || $0.key.utf8.contains(0) || $0.key.contains("=") || $0.value.utf8.contains(0)
                }) {
                    throw RuntimeError(
                        .startFailed,
                        "the environment variable \(bad.key.utf8.contains(0) ? "(a name with a NUL byte)" : bad.key) cannot be passed: names must not be empty or contain '=' or NUL, values must not contain NUL"
                    )
                }
                let fd = MemoryFile.make(
                    Self.nulSeparated(environment.sorted { $0.key < $1.key }.flatMap { ["--setenv", $0.key, $0.value] }), name: "instance-env",
                    closeOnExec: true)
                guard fd >= 0 else { throw RuntimeError(.startFailed, "cannot hold the instance's environment: \(String(cString: strerror(errno)))") }
                secretArguments = fd
            } catch {
                undo()
                throw error
            }
            var launcher = [
                "sandbox-exec", "--uid", String(spec.uid), "--gid", String(spec.uid), "--args-on-stdin", "yes",
                "--rlimit-nofile", String(Self.maxOpenFiles),
            ]
            if seccomp { launcher += ["--seccomp", "yes"] }
            for file in group!.procFiles { launcher += ["--cgroup-procs", file] }
            if cgroups.mode == .rlimit {
                launcher += [
                    "--rlimit-as", String(UInt64(spec.memoryMB) * 1024 * 1024 * 2), "--rlimit-nproc", String(spec.maxProcesses), "--nice", "10",
                ]
            }
            command =
                [helperBinary.path] + launcher + ["--", bwrap] + bubblewrapArguments(spec) + [
                    "--", "/run/marina/bin/marina", "relay", "--socket", "/run/marina/io/relay.sock", "--port", String(spec.port),
                ] + forwards + ["--"] + spec.command
            limits = LimitsInForce(
                mechanism: cgroups.mode.rawValue, memoryMB: spec.memoryMB, cpuCores: cgroups.mode == .rlimit ? nil : spec.cpuCores,
                maxProcesses: spec.maxProcesses, sandbox: sandboxDescription, diskMB: dataQuota?.megabytes)
        } else {
            // Without a network namespace every instance shares the host's loopback: each gets a
            // free port of its own instead of the manifest's.
            let port = Sockets.freePort() ?? spec.port
            environment = spec.environment
            environment["PORT"] = String(port)
            environment["MARINA_SOCKET"] = hostAppSocket
            environment["PATH"] = "/usr/local/bin:/usr/bin:/bin"
            environment["HOME"] = spec.dataDirectory.path
            if let token = spec.environment["MARINA_APP_TOKEN"] {
                try writeAppToken(token, for: spec)
                environment["MARINA_APP_TOKEN_FILE"] = io.appendingPathComponent(Self.appTokenFile).path
            }
            command = [helperBinary.path, "relay", "--socket", hostRelay, "--port", String(port), "--"] + spec.command
            directory = spec.bundleDirectory.path
            limits = LimitsInForce(
                mechanism: "none", memoryMB: spec.memoryMB, cpuCores: nil, maxProcesses: spec.maxProcesses, sandbox: "none (--unsandboxed)")
        }

        // Close-on-exec pipes, and a spawn that closes everything but the standard three in the
        // child: nothing of serve's — another instance's pipes or sockets above all — reaches a sandbox.
        guard let out = LinuxCalls.pipe(), let err = LinuxCalls.pipe() else {
            undo()
            if let secretArguments { close(secretArguments) }
            throw RuntimeError(.startFailed, "cannot make the instance's output pipes: \(String(cString: strerror(errno)))")
        }
        let null = secretArguments == nil ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1
        let child: ChildProcess
        do {
            child = try ChildProcess.start(
                command, environment: environment, directory: directory, input: secretArguments ?? null,
                output: out.write, error: err.write, ownGroup: true)
        } catch {
            [out.read, out.write, err.read, err.write, secretArguments ?? null].forEach { _ = close($0) }
            undo()
            throw RuntimeError(.startFailed, "cannot start the instance: \(error.reason)")
        }
        [out.write, err.write, secretArguments ?? null].forEach { _ = close($0) }
        let pid = child.pid
        let pump = OutputPump([(out.read, "stdout"), (err.read, "stderr")], log: log)
        let cgroups = self.cgroups
        let (openListeners, instanceGroup, quota, data) = (listeners, group, mountedData ? dataQuota : nil, spec.dataDirectory)
        let ended = RunningInstance.ExitFlag()
        let exit = Task<Int32, Never> {
            let status = await ProcessExits.shared.wait(for: pid)
            ended.value.store(true, ordering: .releasing)
            // What is left in the pipes, then the limits released.
            await pump.drain(grace: .seconds(2))
            openListeners.forEach { $0.stop() }
            if let group = instanceGroup {
                if cgroups.sawOutOfMemory(group) { log.note("the instance was killed for exceeding its memory limit") }
                cgroups.remove(group)
            }
            // Every process of the instance is gone with its cgroup: nothing holds /data now.
            if let quota {
                do { try await Offload.run { try quota.unmount(data) } } catch { log.note("\(error)") }
            }
            return status
        }
        return RunningInstance(pid: pid, socketPaths: [hostAppSocket, hostRelay], limits: limits, group: group, ended: ended, exit: exit)
    }

    /// The cgroup's count where there is one, else the process's resident set.
    public func memoryUsage(of instance: RunningInstance) -> Int? {
        instance.group.flatMap { cgroups.memoryUsage($0) } ?? Self.rss(instance.pid)
    }

    static func rss(_ pid: Int32) -> Int? {
        guard let text = ProcFile.read("/proc/\(pid)/status"),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kb * 1024
    }

    /// The instance's directory of sockets.
    public func forget(instanceId: String) {
        try? FileManager.default.removeItem(at: runRoot.appendingPathComponent(instanceId))
    }

    /// Stops an instance: SIGTERM, then SIGKILL after `grace`.
    public func stop(_ instance: RunningInstance, grace: Duration) async {
        guard instance.isRunning else {
            _ = await instance.waitForExit()
            return
        }
        if sandboxed {
            // The app gets SIGTERM (through its relay, which passes it on) and its grace to end;
            // bubblewrap itself is left alone: it would take the whole sandbox down at once.
            let inside = (instance.group?.directories.first).map { cgroups.pids(in: $0) } ?? Self.descendants(of: instance.pid)
            let targets = inside.filter { $0 != instance.pid }
            if targets.isEmpty { kill(instance.pid, SIGTERM) }
            for pid in targets { kill(pid, SIGTERM) }
        } else {
            // Unsandboxed, the relay leads a process group holding the app and its children.
            kill(-instance.pid, SIGTERM)
        }
        let sandboxed = self.sandboxed
        let killer = Task {
            try await Task.sleep(for: grace)
            if !sandboxed { kill(-instance.pid, SIGKILL) }
            kill(instance.pid, SIGKILL)
            if let group = instance.group { cgroups.remove(group) }
        }
        _ = await instance.waitForExit()
        killer.cancel()
    }

    /// Every process descended from `pid` (read from /proc).
    static func descendants(of pid: pid_t) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = pid_t(entry), let stat = ProcFile.read("/proc/\(entry)/stat"), let end = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { children[parent, default: []].append(child) }
        }
        var found: [pid_t] = [], todo = [pid]
        while let next = todo.popLast() {
            for child in children[next] ?? [] {
                found.append(child)
                todo.append(child)
            }
        }
        return found
    }

    /// The first directory on the way to `path` that users other than its owner may not traverse
    /// (no `o+x`), with its mode; nil when the whole way is open. Sandboxed instances run as
    /// unprivileged users and bubblewrap resolves their bind sources as them, so everything under
    /// such a directory (the data directory's bundles and instance data) is out of their reach.
    public static func untraversableAncestor(of path: URL) -> (path: String, mode: Int)? {
        var partial = ""
        for component in path.standardizedFileURL.resolvingSymlinksInPath().pathComponents.dropFirst() {
            partial += "/" + component
            var info = stat()
            guard stat(partial, &info) == 0 else { return nil }
            if info.st_mode & S_IFMT == S_IFDIR && info.st_mode & S_IXOTH == 0 { return (partial, Int(info.st_mode & 0o7777)) }
        }
        return nil
    }

    /// The most descriptors a process of an instance may hold (serve's own limit is far higher).
    static let maxOpenFiles = 4096

    /// 7070, unless the app itself listens there.
    static func platformPortInside(_ spec: InstanceSpec) -> Int { spec.port == sandboxPlatformPort ? sandboxPlatformPort + 1 : sandboxPlatformPort }
    static func proxyPortInside(_ spec: InstanceSpec) -> Int { spec.port == sandboxProxyPort ? sandboxProxyPort + 1 : sandboxProxyPort }

    /// Writes `token` as the instance's current app token: a new file (never following anything
    /// the app put in its io directory) renamed over the old one, so a reader sees one whole token.
    public func writeAppToken(_ token: String, for spec: InstanceSpec) throws {
        let io = runRoot.appendingPathComponent(spec.id).path
        let directory = open(io, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { throw RuntimeError(.startFailed, "cannot open \(io): \(String(cString: strerror(errno)))") }
        defer { close(directory) }
        let temporary = ".app-token-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let fd = openat(directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o400)
        guard fd >= 0 else { throw RuntimeError(.startFailed, "cannot write the app token in \(io): \(String(cString: strerror(errno)))") }
        let bytes = Array(token.utf8)
        // Readable by the instance's user only (serve's own umask must not decide it).
        let owned = fchmod(fd, 0o400) == 0 && (!sandboxed || sharedUser || fchown(fd, spec.uid, spec.uid) == 0)
        let written = owned && bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count
        close(fd)
        guard written, renameat(directory, temporary, directory, Self.appTokenFile) == 0 else {
            unlinkat(directory, temporary, 0)
            throw RuntimeError(.startFailed, "cannot write the app token in \(io): \(String(cString: strerror(errno)))")
        }
    }

    static func nulSeparated(_ words: [String]) -> [UInt8] {
        words.flatMap { Array($0.utf8) + [0] }
    }
}
