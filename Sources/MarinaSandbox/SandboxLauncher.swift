#if canImport(Glibc)
import Glibc
#endif

/// The first step of starting an instance, run as `marina-sandbox sandbox-exec` (or `marina
/// sandbox-exec` where the helper is not installed): it moves itself into the
/// instance's cgroups (so everything it starts is limited from its first instruction), applies
/// rlimits where cgroups are not available, drops from root to the instance's own unprivileged
/// user with no supplementary groups, and then replaces itself with bubblewrap — handing it the
/// arguments that must not appear in any process's command line (the instance's environment,
/// read from standard input) and the seccomp program through descriptors (`--args FD`,
/// `--seccomp FD`). It closes every other descriptor it was handed first.
public enum SandboxLauncher {
    public struct Options: Sendable {
        public var cgroupProcFiles: [String] = []
        public var uid: UInt32
        public var gid: UInt32
        public var addressSpaceBytes: UInt64?
        public var processes: UInt64?
        /// The most files (and sockets) a process of the instance may hold open.
        public var openFiles: UInt64?
        /// Standard input holds NUL-separated bubblewrap arguments (given to it as `--args FD`).
        public var bubblewrapArgumentsOnStandardInput = false
        /// Give bubblewrap the seccomp filter (`SeccompFilter`).
        public var seccomp = false
        /// A scheduling priority to run at (rlimit mode, where no cgroup shares the CPU fairly).
        public var nice: Int32?
        public var argv: [String]

        public init(uid: UInt32, gid: UInt32, argv: [String]) {
            self.uid = uid
            self.gid = gid
            self.argv = argv
        }
    }

    public static func exec(_ options: Options) -> Never {
        // Nothing but standard input, output and error goes on into the sandbox, whatever the
        // process that started this one let slip (serve closes the rest too, where its C library can).
        LinuxCalls.closeAll(from: 3)
        let pid = String(getpid())
        for file in options.cgroupProcFiles {
            guard write(pid, to: file) else { fail("cannot join the cgroup \(file): \(String(cString: strerror(errno)))") }
        }
        if let bytes = options.addressSpaceBytes {
            var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
            if setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) != 0 { fail("cannot limit memory") }
        }
        if let processes = options.processes {
            var limit = rlimit(rlim_cur: rlim_t(processes), rlim_max: rlim_t(processes))
            if setrlimit(__rlimit_resource_t(6) /* RLIMIT_NPROC */, &limit) != 0 { fail("cannot limit processes") }
        }
        if let openFiles = options.openFiles {
            var limit = rlimit(rlim_cur: rlim_t(openFiles), rlim_max: rlim_t(openFiles))
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) != 0 { fail("cannot limit open files") }
        }
        if let nice = options.nice, setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) != 0 { fail("cannot lower the priority") }
        var argv = options.argv
        var descriptors: [String] = []
        if options.bubblewrapArgumentsOnStandardInput {
            let fd = dup(0)
            let null = open("/dev/null", O_RDONLY)
            guard fd >= 0, null >= 0, dup2(null, 0) == 0 else { fail("cannot take the arguments from standard input") }
            close(null)
            descriptors += ["--args", String(fd)]
        }
        if options.seccomp {
            guard let program = SeccompFilter.program() else { fail("no seccomp filter is known for this architecture") }
            let fd = MemoryFile.make(program, name: "seccomp", closeOnExec: false)
            guard fd >= 0 else { fail("cannot hold the seccomp filter: \(String(cString: strerror(errno)))") }
            descriptors += ["--seccomp", String(fd)]
        }
        // At the end of bubblewrap's options (before its `--`): options act in order, and the
        // environment set through `--args` must come after `--clearenv`.
        if !descriptors.isEmpty, !argv.isEmpty { argv.insert(contentsOf: descriptors, at: argv.dropFirst().firstIndex(of: "--") ?? argv.count) }
        if getuid() == 0 {
            guard setgroups(0, nil) == 0, setgid(options.gid) == 0, setuid(options.uid) == 0 else {
                fail("cannot drop to uid \(options.uid): \(String(cString: strerror(errno)))")
            }
            guard setuid(0) != 0 else { fail("could regain root after dropping privileges") }
        }
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        execv(argv[0], &cArguments)
        fail("cannot run \(argv[0]): \(String(cString: strerror(errno)))")
    }

    static func fail(_ message: String) -> Never {
        writeStandardError("marina sandbox-exec: \(message)")
        exit(126)
    }

    /// Writes `text` to the existing file `path` in one `write` (a cgroup file takes one pid per write).
    static func write(_ text: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var text = text
        return text.withUTF8 { Glibc.write(fd, $0.baseAddress, $0.count) == $0.count }
    }
}
