import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A hard limit on an instance's `/data`: the directory is a mount of a file system of its own,
/// an ext4 image (`DATA/instances/data/<id>.img`, sparse: it takes only what is written) mounted
/// through a loop device while the instance is awake. A full `/data` is `ENOSPC` for that app
/// alone; the database's disk and other instances' data are out of its reach.
///
/// Opt-in (`serve --instance-disk-mb`): mounting and unmounting add to every wake and sleep (see
/// docs/runtime.md), and they need root, loop devices and `mkfs.ext4`.
public struct DataQuota: Sendable {
    public let megabytes: Int

    public init(megabytes: Int) throws {
        guard megabytes >= 8 else { throw RuntimeError(.sandboxUnavailable, "--instance-disk-mb must be at least 8") }
        guard getuid() == 0 else {
            throw RuntimeError(.sandboxUnavailable, "--instance-disk-mb needs serve to run as root (it mounts a file system per instance)")
        }
        guard Self.tool("mkfs.ext4") != nil, Self.tool("mount") != nil, Self.tool("umount") != nil else {
            throw RuntimeError(.sandboxUnavailable, "--instance-disk-mb needs mkfs.ext4, mount and umount (Debian's e2fsprogs and mount packages)")
        }
        self.megabytes = megabytes
    }

    static func tool(_ name: String) -> String? {
        ["/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"].map { $0 + name }.first { access($0, X_OK) == 0 }
    }

    /// Mounts the instance's image on `directory` (creating the image, owned by `uid`, at its first
    /// use, with whatever the directory already held copied in). Blocks: call it off event loops.
    public func mount(_ directory: URL, uid: UInt32) throws {
        let image = directory.path + ".img"
        if Self.isMountPoint(directory.path) { try unmount(directory) }  // left by a serve that was killed
        if access(image, F_OK) != 0 {
            try create(image, uid: uid)
            try moveExisting(from: directory, into: image)
        }
        try Self.run(
            Self.tool("mount")!, ["-o", "loop,nosuid,nodev", image, directory.path], "cannot mount the data of \(directory.lastPathComponent)")
        // The app's /data shows what it wrote, not ext4's (empty) lost+found.
        rmdir(directory.path + "/lost+found")
        guard lchown(directory.path, uid, uid) == 0, chmod(directory.path, 0o700) == 0 else {
            try? unmount(directory)
            throw RuntimeError(
                .startFailed, "cannot hand the data of \(directory.lastPathComponent) to its user: \(String(cString: strerror(errno)))")
        }
    }

    /// Unmounts `directory` (the loop device goes with it). Retries while it is busy, then detaches it lazily.
    public func unmount(_ directory: URL) throws {
        for attempt in 0..<20 {
            guard Self.isMountPoint(directory.path) else { return }
            if (try? Self.run(Self.tool("umount")!, [directory.path], "")) != nil { return }
            if attempt < 19 { usleep(50_000) }
        }
        try Self.run(Self.tool("umount")!, ["-l", directory.path], "cannot unmount the data of \(directory.lastPathComponent)")
    }

    private func create(_ image: String, uid: UInt32) throws {
        let partial = image + ".new"
        unlink(partial)
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0, ftruncate(fd, off_t(megabytes) * 1024 * 1024) == 0 else {
            if fd >= 0 { close(fd) }
            throw RuntimeError(.startFailed, "cannot create \(partial): \(String(cString: strerror(errno)))")
        }
        close(fd)
        try Self.run(
            Self.tool("mkfs.ext4")!, ["-q", "-F", "-m", "0", "-E", "root_owner=\(uid):\(uid),lazy_itable_init=1", partial],
            "cannot make the data file system")
        guard rename(partial, image) == 0 else { throw RuntimeError(.startFailed, "cannot create \(image): \(String(cString: strerror(errno)))") }
    }

    /// Data written before the quota was turned on moves into the new image.
    private func moveExisting(from directory: URL, into image: String) throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        guard !entries.isEmpty else { return }
        let staging = directory.path + ".mnt"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Self.run(Self.tool("mount")!, ["-o", "loop,nosuid,nodev", image, staging], "cannot mount the new data file system")
        defer {
            _ = try? Self.run(Self.tool("umount")!, [staging], "")
            rmdir(staging)
        }
        try Self.run("/bin/cp", ["-a", "--no-dereference", directory.path + "/.", staging + "/"], "cannot move the existing data into its quota")
        for entry in entries { try FileManager.default.removeItem(at: directory.appendingPathComponent(entry)) }
    }

    /// Unmounts every instance data directory under `root` that is still mounted (a serve that was
    /// killed leaves them): at start, before any instance runs.
    public static func unmountAll(in root: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for name in names where name.hasSuffix(".img") {
            let directory = root.appendingPathComponent(String(name.dropLast(4)))
            if isMountPoint(directory.path), let umount = tool("umount") { _ = try? run(umount, ["-l", directory.path], "") }
        }
    }

    static func isMountPoint(_ path: String) -> Bool {
        var own = stat(), parent = stat()
        guard lstat(path, &own) == 0, lstat(path + "/..", &parent) == 0 else { return false }
        return own.st_dev != parent.st_dev
    }

    static func run(_ program: String, _ arguments: [String], _ what: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RuntimeError(.startFailed, "\(what): \(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
