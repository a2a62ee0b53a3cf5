import Foundation
import Logging
import MarinaSandbox
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What bubblewrap is told for an instance: its arguments and the environment inside.
extension LocalDriver {
    /// bubblewrap's arguments for `spec`, without the environment (`sandboxEnvironment`).
    func bubblewrapArguments(_ spec: InstanceSpec) -> [String] {
        let tmpfsBytes = UInt64(max(spec.memoryMB, 16)) * 1024 * 1024
        var args = [
            "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--unshare-cgroup-try",
            "--uid", String(spec.uid), "--gid", String(spec.uid),
            "--die-with-parent", "--new-session", "--hostname", "marina-app",
            "--cap-drop", "ALL", "--disable-userns",
            "--ro-bind", "/usr", "/usr",
        ]
        for link in ["bin", "sbin", "lib", "lib64", "lib32"] {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/" + link))
            if let target {
                args += ["--symlink", target, "/" + link]
            } else if FileManager.default.fileExists(atPath: "/" + link) {
                args += ["--ro-bind", "/" + link, "/" + link]
            }
        }
        for etc in [
            "/etc/ld.so.cache", "/etc/alternatives", "/etc/ssl", "/etc/ca-certificates", "/etc/localtime", "/etc/mime.types", "/etc/nsswitch.conf",
        ] {
            args += ["--ro-bind-try", etc, etc]
        }
        // Swift apps (MarinaKit) are dynamically linked against the host's runtime, as is the
        // marina fallback for the relay (marina-sandbox carries its own).
        if let runtime = Self.swiftRuntimeDirectory { args += ["--ro-bind", runtime, runtime] }
        args += [
            "--ro-bind", helperBinary.path, "/run/marina/bin/marina",
            "--ro-bind", spec.bundleDirectory.path, "/app",
            "--bind", spec.dataDirectory.path, "/data",
            "--bind", runRoot.appendingPathComponent(spec.id).path, "/run/marina/io",
            // /tmp and /dev/shm hold at most the instance's memory limit (in cgroup modes their
            // pages are charged to the instance's memory as well).
            "--size", String(tmpfsBytes), "--tmpfs", "/tmp",
            "--proc", "/proc",
            "--dev", "/dev",
            "--size", String(tmpfsBytes), "--tmpfs", "/dev/shm",
            "--chdir", "/app",
            // Everything else in the sandbox's root is read-only; /data and /tmp are their own mounts.
            "--remount-ro", "/",
            "--clearenv",
        ]
        return args
    }

    /// The environment inside the sandbox: the spec's, and where the platform and the egress
    /// proxy are reached from inside.
    func sandboxEnvironment(_ spec: InstanceSpec) -> [String: String] {
        var environment = spec.environment
        if platformPort != nil {
            environment["MARINA_URL"] = "http://127.0.0.1:\(Self.platformPortInside(spec))"
            environment["NO_PROXY"] = "127.0.0.1,localhost"
        }
        if egress != nil {
            let proxy = "http://127.0.0.1:\(Self.proxyPortInside(spec))"
            for name in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] { environment[name] = proxy }
            environment["no_proxy"] = "127.0.0.1,localhost"
        }
        environment["MARINA_SOCKET"] = "/run/marina/io/app.sock"
        if environment["MARINA_APP_TOKEN"] != nil { environment["MARINA_APP_TOKEN_FILE"] = "/run/marina/io/" + Self.appTokenFile }
        environment["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        environment["HOME"] = "/data"
        environment["TMPDIR"] = "/tmp"
        environment["LANG"] = "C.UTF-8"
        return environment
    }

    /// The file in the io directory holding the instance's current app token (`MARINA_APP_TOKEN_FILE`).
    static let appTokenFile = "app-token"
}
