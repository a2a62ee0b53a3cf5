#if canImport(Glibc)
import Glibc
#endif

/// C library calls Swift's Glibc module does not export, looked up at run time (nil where the C
/// library is older than the call).
public enum LinuxCalls {
    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: type) }
    }

    public typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    /// `pipe2` (glibc 2.9).
    public static let pipe2 = symbol("pipe2", as: Pipe2.self)

    public typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32
    /// `pidfd_open` (glibc 2.36, Linux 5.3): a descriptor that polls readable once the process ends.
    public static let pidfdOpen = symbol("pidfd_open", as: PidfdOpen.self)

    public typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34): the child closes every descriptor from a number on.
    public static let addCloseFrom = symbol("posix_spawn_file_actions_addclosefrom_np", as: AddCloseFrom.self)

    public typealias CloseRange = @convention(c) (UInt32, UInt32, Int32) -> Int32
    /// `close_range` (glibc 2.34, Linux 5.9).
    public static let closeRange = symbol("close_range", as: CloseRange.self)

    /// A pipe whose two ends are closed on exec (and non-blocking when asked): no process started
    /// meanwhile by another thread inherits them. [read, write]; nil when none could be made.
    public static func pipe(nonBlocking: Bool = false) -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        if let pipe2 {
            guard pipe2(&fds, O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0)) == 0 else { return nil }
        } else {
            guard Glibc.pipe(&fds) == 0 else { return nil }
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                if nonBlocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            }
        }
        return (fds[0], fds[1])
    }

    /// Closes every descriptor from `first` on (a process about to run code it does not trust
    /// keeps nothing it was handed by accident).
    public static func closeAll(from first: Int32) {
        if let closeRange, closeRange(UInt32(first), UInt32.max, 0) == 0 { return }
        guard let dir = opendir("/proc/self/fd") else { return }
        var open: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = Int32(name), fd >= first { open.append(fd) }
        }
        let own = dirfd(dir)
        closedir(dir)
        for fd in open where fd != own { close(fd) }
    }
}
