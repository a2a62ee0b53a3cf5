#if canImport(Glibc)
import Glibc
#endif

/// An anonymous file in memory (`memfd_create`), or an unlinked temporary file where the C
/// library has no `memfd_create`: how bytes that must not appear in a process's arguments (the
/// environment of an instance, its seccomp program) reach bubblewrap (`--args FD`, `--seccomp FD`).
public enum MemoryFile {
    private typealias MemfdCreate = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32
    private static let memfdCreate: MemfdCreate? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "memfd_create").map {
        unsafeBitCast($0, to: MemfdCreate.self)
    }

    /// A descriptor holding `bytes`, read from the start; -1 when none could be made.
    /// `closeOnExec` false: the descriptor is meant for the program exec'd next.
    public static func make(_ bytes: [UInt8], name: String, closeOnExec: Bool) -> Int32 {
        var fd: Int32 = -1
        if let memfdCreate { fd = memfdCreate(name, closeOnExec ? 1 : 0) }
        if fd < 0 {
            var template = Array("/tmp/marina-\(name)-XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if fd >= 0 {
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                if closeOnExec { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            }
        }
        guard fd >= 0 else { return -1 }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { close(fd); return -1 }
            offset += n
        }
        guard lseek(fd, 0, SEEK_SET) == 0 else { close(fd); return -1 }
        return fd
    }
}
