import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Gives each instance (tenant, app, version) an unprivileged host user of its own, unique among
/// the instances of this data directory and the same at every wake (its data directory's files
/// belong to it). A uid is claimed by creating `uid-N` exclusively (`O_EXCL`), which holds the
/// instance's id, then recorded under the instance's id; a claim interrupted by a crash is found
/// again by its content. Claims are never given back: the range holds a million.
///
/// The first uid tried is the caller's preference (the one earlier versions derived from a hash of
/// the instance's id, so that existing data keeps its owner), then the next free one: two instances can no longer share a
/// uid, as they did at about even odds by 170 instances.
public struct InstanceUIDs: Sendable {
    public let directory: URL
    public let base: UInt32
    public let count: UInt32
    /// Uids already read or claimed: a claim never changes, so every call after the first for an
    /// instance costs no file system access (it is asked at every tool call).
    private let known = Known()

    private final class Known: Sendable {
        let uids = Mutex<[String: UInt32]>([:])
    }

    public init(directory: URL, base: UInt32 = 70_000, count: UInt32 = 1_000_000) {
        (self.directory, self.base, self.count) = (directory, base, count)
    }

    /// The instance's uid when it has been read or claimed before through this value; nil
    /// otherwise (then `uid(for:preferred:)`, which blocks on the file system).
    public func known(_ instance: String) -> UInt32? {
        known.uids.withLock { $0[instance] }
    }

    /// The instance's uid, claiming one at its first call (`preferred` first, when it is in the
    /// range and free). Blocks on the file system.
    public func uid(for instance: String, preferred: UInt32) throws -> UInt32 {
        if let uid = known(instance) { return uid }
        let uid = try claim(for: instance, preferred: preferred)
        known.uids.withLock { $0[instance] = uid }
        return uid
    }

    private func claim(for instance: String, preferred: UInt32) throws -> UInt32 {
        let recorded = directory.appendingPathComponent("instance-" + instance)
        if let text = try? String(contentsOf: recorded, encoding: .utf8), let uid = UInt32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return uid
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let start = preferred >= base ? (preferred - base) % count : 0
        for step in 0..<count {
            let uid = base + (start + step) % count
            let claim = directory.appendingPathComponent("uid-\(uid)").path
            let fd = open(claim, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                let written = Array(instance.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == instance.utf8.count
                let synced = fsync(fd) == 0
                close(fd)
                guard written && synced else {
                    unlink(claim)
                    throw RuntimeError(.startFailed, "cannot claim a uid for \(instance) in \(directory.path): \(String(cString: strerror(errno)))")
                }
            } else if errno != EEXIST {
                throw RuntimeError(.startFailed, "cannot claim a uid for \(instance) in \(directory.path): \(String(cString: strerror(errno)))")
            } else if (try? String(contentsOfFile: claim, encoding: .utf8)) != instance {
                continue
            }
            try Data("\(uid)\n".utf8).write(to: recorded, options: .atomic)
            return uid
        }
        throw RuntimeError(.startFailed, "all \(count) instance uids from \(base) are taken")
    }
}
