import Crypto
import Foundation
import MarinaCore

/// Content-addressed storage of bundles on disk: `bundles/sha256/ab/cdef….tar.gz`. A bundle is
/// written once (identical uploads share a file), renamed into place only after it has been
/// fully written and synced, and its hash is verified on every read.
public struct BundleStore: Sendable {
    public let root: URL
    public let maxBytes: Int

    public init(root: URL, maxBytes: Int = 100 * 1024 * 1024) throws {
        self.root = root
        self.maxBytes = maxBytes
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sha256"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
    }

    var incoming: URL { root.appendingPathComponent("incoming") }

    public enum Failure: Error, Equatable, Sendable {
        case tooLarge(limit: Int)
        case missing(String)
        case corrupt(String)
        case io(String)
    }

    /// An upload being written to a temporary file, hashed as it arrives.
    public final class Upload: @unchecked Sendable {
        public let url: URL
        private let handle: FileHandle
        private var hasher = SHA256()
        public private(set) var size = 0
        private let limit: Int

        init(url: URL, limit: Int) throws {
            guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]),
                let handle = FileHandle(forWritingAtPath: url.path)
            else { throw Failure.io("cannot create \(url.path)") }
            self.url = url
            self.handle = handle
            self.limit = limit
        }

        public func write(_ bytes: some Collection<UInt8>) throws {
            size += bytes.count
            guard size <= limit else { throw Failure.tooLarge(limit: limit) }
            let data = Data(bytes)
            hasher.update(data: data)
            do { try handle.write(contentsOf: data) } catch { throw Failure.io("cannot write the upload: \(error)") }
        }

        /// Syncs and closes the file; returns `sha256:<hex>`.
        public func finish() throws -> String {
            do {
                try handle.synchronize()
                try handle.close()
            } catch { throw Failure.io("cannot write the upload: \(error)") }
            return "sha256:" + Hex.string(hasher.finalize())
        }

        public func discard() {
            try? handle.close()
            try? FileManager.default.removeItem(at: url)
        }
    }

    public func beginUpload() throws -> Upload {
        try Upload(url: incoming.appendingPathComponent(UUID().uuidString + ".part"), limit: maxBytes)
    }

    public func path(for hash: String) -> URL {
        let hex = String(hash.dropFirst("sha256:".count))
        return root.appendingPathComponent("sha256").appendingPathComponent(String(hex.prefix(2))).appendingPathComponent(hex + ".tar.gz")
    }

    /// Moves a finished upload into the store under its hash (or drops it when that bundle is
    /// already stored).
    public func commit(_ upload: Upload, hash: String) throws {
        let target = path(for: hash)
        if FileManager.default.fileExists(atPath: target.path) {
            upload.discard()
            return
        }
        do {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard rename(upload.url.path, target.path) == 0 else { throw Failure.io("cannot store the bundle: \(String(cString: strerror(errno)))") }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.io("cannot store the bundle: \(error)")
        }
    }

    /// Checks the stored bundle against its hash and returns its path.
    public func verified(_ hash: String) throws -> URL {
        let url = path(for: hash)
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw Failure.missing(hash) }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch { throw Failure.io("cannot read \(url.path)") }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        let actual = "sha256:" + Hex.string(hasher.finalize())
        guard actual == hash else { throw Failure.corrupt("the stored bundle \(hash) hashes to \(actual)") }
        return url
    }

    /// Every stored bundle hash (for garbage collection).
    public func allHashes() -> [String] {
        let base = root.appendingPathComponent("sha256")
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
        return dirs.flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent(dir).path)) ?? [])
                .filter { $0.hasSuffix(".tar.gz") }
                .map { "sha256:" + $0.dropLast(".tar.gz".count) }
        }
    }

    public func remove(_ hash: String) {
        try? FileManager.default.removeItem(at: path(for: hash))
    }

    /// Age of a stored bundle's file.
    public func age(of hash: String, now: Date) -> TimeInterval? {
        guard let date = (try? FileManager.default.attributesOfItem(atPath: path(for: hash).path))?[.modificationDate] as? Date else { return nil }
        return now.timeIntervalSince(date)
    }

    /// Deletes uploads left half-written (by a crash) more than `olderThan` seconds ago.
    public func removeStaleUploads(olderThan: TimeInterval, now: Date) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: incoming.path)) ?? [] {
            let url = incoming.appendingPathComponent(name)
            if let date = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date,
                now.timeIntervalSince(date) > olderThan
            {
                try? FileManager.default.removeItem(at: url)
            }
        }
    }
}
