import Foundation

/// Reads a `.tar.gz` bundle from disk as a stream of checked tar events, never holding more
/// than a chunk in memory.
public enum BundleReader {
    public static func scan(_ url: URL, limits: BundleLimits = .init(), _ handle: (TarParser.Event) throws(BundleError) -> Void) throws(BundleError) {
        guard let file = FileHandle(forReadingAtPath: url.path) else { throw BundleError(.io, "cannot open the bundle") }
        defer { try? file.close() }
        let gunzip = try GzipDecompressor(maxOutput: limits.maxUnpackedBytes)
        var tar = TarParser()
        tar.maxEntries = limits.maxEntries
        tar.maxPathBytes = limits.maxPathBytes
        var sawInput = false
        var compressed = 0
        while true {
            // Deflate expands up to ~1032:1, so a chunk of compressed input is held as up to a
            // thousand times its size once inflated: keep it small (16 KiB -> at most ~16 MiB).
            let chunk: Data
            do { chunk = try file.read(upToCount: 16 * 1024) ?? Data() } catch { throw BundleError(.io, "cannot read the bundle: \(error)") }
            if chunk.isEmpty { break }
            sawInput = true
            compressed += chunk.count
            guard compressed <= limits.maxCompressedBytes else {
                throw BundleError(.tooLarge, "the bundle is larger than \(limits.maxCompressedBytes) bytes")
            }
            let plain = try gunzip.feed(Array(chunk))
            if !plain.isEmpty { try tar.feed(plain, handle) }
        }
        guard sawInput else { throw BundleError(.truncated, "the bundle is empty") }
        guard gunzip.finished else { throw BundleError(.truncated, "the bundle's gzip stream ends early") }
        try tar.finish()
    }

    /// What a scan found: member count, unpacked size, and the content of the small files asked for.
    public struct Summary: Sendable {
        public var entries: [TarEntry] = []
        public var unpackedBytes = 0
        public var files: [String: [UInt8]] = [:]
    }

    /// Checks a whole bundle and returns the contents of `files` (each at most `maxFileBytes`).
    public static func inspect(
        _ url: URL, limits: BundleLimits = .init(), files wanted: Set<String>, maxFileBytes: Int = 2 * 1024 * 1024
    ) throws(BundleError) -> Summary {
        var summary = Summary()
        var current: String?
        var content: [UInt8] = []
        try scan(url, limits: limits) { (event) throws(BundleError) in
            switch event {
            case .begin(let entry):
                summary.entries.append(entry)
                summary.unpackedBytes += entry.size
                current = wanted.contains(entry.path) && entry.kind == .file ? entry.path : nil
                content = []
                if current != nil, entry.size > maxFileBytes { throw BundleError(.tooLarge, "\(entry.path) is larger than \(maxFileBytes) bytes") }
            case .data(let bytes):
                if current != nil { content.append(contentsOf: bytes) }
            case .end:
                if let path = current { summary.files[path] = content }
                current = nil
            }
        }
        return summary
    }
}
