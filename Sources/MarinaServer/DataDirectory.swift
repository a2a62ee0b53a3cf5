import Foundation
import MarinaCore

#if canImport(Glibc)
import Glibc
#endif

/// The embedded default's data directory (`./.marina`): the SQLite database, the bundle store,
/// the admin key, the lock that keeps a second `serve` off the same SQLite files, and
/// `serve.json`, which tells the CLI where the server listens.
public struct DataDirectory: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    public static let defaultPath = ".marina"

    public var database: URL { url.appendingPathComponent("marina.sqlite") }
    public var bundles: URL { url.appendingPathComponent("bundles") }
    public var adminKey: URL { url.appendingPathComponent("admin.key") }
    public var lockFile: URL { url.appendingPathComponent("serve.lock") }
    public var serveInfo: URL { url.appendingPathComponent("serve.json") }
    public var masterKey: URL { url.appendingPathComponent("master.key") }
    /// Where instances' sockets live: DATA/run, unless that path is too long for Unix sockets
    /// (108 bytes, and a socket sits two levels below it), as under a deep app directory with
    /// `marina dev`; then a short directory in /tmp named after DATA's path, refused when it is
    /// not this user's alone.
    public func runDirectory() throws(ServerError) -> URL {
        let preferred = url.appendingPathComponent("run")
        if preferred.path.utf8.count <= 64 { return preferred }
        let digest = CanonicalJSON.hexSHA256(Array(url.standardizedFileURL.path.utf8))
        let short = URL(fileURLWithPath: "/tmp/marina-run-" + digest.prefix(16))
        var info = stat()
        if lstat(short.path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid(), info.st_mode & 0o022 == 0 else {
                throw ServerError("\(short.path) exists and is not a directory of this user's alone; remove it (it holds only sockets)")
            }
        }
        return short
    }

    /// A master key being rotated in; present only between the two steps of a rotation.
    public var nextMasterKey: URL { url.appendingPathComponent("master.key.next") }

    /// Creates the directory. It is traversable but not listable by others (0711) because each
    /// app instance runs as its own unprivileged user and must reach its bundle and data below it;
    /// everything secret inside is 0600.
    public func create() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
        try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: url.path)
    }

    /// Holds an exclusive `flock` on the lock file for the life of the process (released by the
    /// kernel when the process dies, however it dies). Returns false when another process holds it.
    public func lock() -> Bool {
        let fd = open(lockFile.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return false
        }
        return true  // the descriptor stays open on purpose
    }

    /// Writes a secret file with mode 0600 atomically (temporary file, then rename).
    public static func writeSecret(_ text: String, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".tmp")
        let fd = open(temporary.path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ServerError("cannot write \(url.path): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == bytes.count, rename(temporary.path, url.path) == 0 else {
            throw ServerError("cannot write \(url.path)")
        }
    }
}
