#if canImport(Glibc)
import Glibc
#endif

/// A Unix socket held by descriptor, so that connecting to it cannot be redirected: opened with
/// `O_PATH | O_NOFOLLOW` (a symlink in its place is refused, not followed), checked to be a
/// socket, and reached through `/proc/self/fd/N`, which resolves to that inode and no other.
struct PinnedSocket: Sendable {
    let descriptor: Int32
    /// What to connect to while the descriptor is open.
    var path: String { "/proc/self/fd/\(descriptor)" }

    /// Linux's `O_PATH` (the same on x86-64 and arm64), which Swift's Glibc module does not export.
    static let openPath: Int32 = 0o10000000

    init(_ socket: String) throws(InstanceClient.Failure) {
        let fd = open(socket, Self.openPath | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .unreachable("\(socket): \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK else {
            Glibc.close(fd)
            throw .unreachable("\(socket) is not a socket (a symlink or another file in its place is never followed)")
        }
        descriptor = fd
    }

    func close() { Glibc.close(descriptor) }
}
