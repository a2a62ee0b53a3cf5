#if canImport(Glibc)
import Glibc
#endif

/// The first step of starting an instance, run as `marina-sandbox sandbox-exec` (or `marina
/// sandbox-exec` where the helper is not installed): it moves itself into the
/// instance's cgroups (so everything it starts is limited from its first instruction), applies
/// rlimits where cgroups are not available, drops from root to the instance's own unprivileged
/// user with no supplementary groups, and then replaces itself with bubblewrap.
public enum SandboxLauncher {
    public struct Options: Sendable {
        public var cgroupProcFiles: [String] = []
        public var uid: UInt32
        public var gid: UInt32
        public var addressSpaceBytes: UInt64?
        public var processes: UInt64?
        public var argv: [String]

        public init(uid: UInt32, gid: UInt32, argv: [String]) {
            self.uid = uid
            self.gid = gid
            self.argv = argv
        }
    }

    public static func exec(_ options: Options) -> Never {
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
        if getuid() == 0 {
            guard setgroups(0, nil) == 0, setgid(options.gid) == 0, setuid(options.uid) == 0 else {
                fail("cannot drop to uid \(options.uid): \(String(cString: strerror(errno)))")
            }
            guard setuid(0) != 0 else { fail("could regain root after dropping privileges") }
        }
        var argv: [UnsafeMutablePointer<CChar>?] = options.argv.map { strdup($0) } + [nil]
        execv(options.argv[0], &argv)
        fail("cannot run \(options.argv[0]): \(String(cString: strerror(errno)))")
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
