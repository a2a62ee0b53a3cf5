import Crypto
import Foundation

/// Packs an app directory into a deterministic `.tar.gz` bundle, honouring `.marinaignore`.
public enum BundlePacker {
    public struct Result: Sendable {
        public var url: URL
        public var sha256: String
        public var size: Int
        public var files: Int
    }

    /// Writes the bundle of `directory` to `output`. `progress` is called with the bytes packed so
    /// far and the total to pack. `replacing` gives the content of some files instead of the disk's
    /// (`marina dev` packs the manifest with a development version this way).
    public static func pack(
        _ directory: URL, to output: URL, replacing: [String: [UInt8]] = [:], progress: (Int, Int) -> Void = { _, _ in }
    ) throws(BundleError) -> Result {
        let root = directory.standardizedFileURL
        let ignoreText = (try? String(contentsOf: root.appendingPathComponent(".marinaignore"), encoding: .utf8)) ?? ""
        let rules = IgnoreRules(ignoreText)
        let members = try collect(root, rules: rules).map { member in
            guard member.kind == .file, let bytes = replacing[member.path] else { return member }
            return Member(path: member.path, kind: .file, size: bytes.count, executable: member.executable)
        }
        let total = members.reduce(0) { $0 + $1.size }

        guard FileManager.default.createFile(atPath: output.path, contents: nil),
            let out = FileHandle(forWritingAtPath: output.path)
        else {
            throw BundleError(.io, "cannot write \(output.path)")
        }
        defer { try? out.close() }
        var gzip = try GzipCompressor()
        var hasher = SHA256()
        var written = 0
        var packed = 0
        func emit(_ bytes: [UInt8], finish: Bool = false) throws(BundleError) {
            let compressed = gzip.feed(bytes, finish: finish)
            guard !compressed.isEmpty else { return }
            hasher.update(data: compressed)
            written += compressed.count
            do { try out.write(contentsOf: compressed) } catch { throw BundleError(.io, "cannot write the bundle: \(error)") }
        }
        for member in members {
            try emit(TarWriter.header(path: member.path, kind: member.kind, size: member.size, executable: member.executable))
            guard member.kind == .file else { continue }
            if let bytes = replacing[member.path] {
                try emit(bytes)
                packed += bytes.count
                try emit(TarWriter.padding(forSize: member.size))
                continue
            }
            guard let input = FileHandle(forReadingAtPath: root.appendingPathComponent(member.path).path) else {
                throw BundleError(.io, "cannot read \(member.path)")
            }
            var remaining = member.size
            while remaining > 0 {
                let chunk: Data
                do { chunk = try input.read(upToCount: min(remaining, 1 << 20)) ?? Data() } catch {
                    throw BundleError(.io, "cannot read \(member.path)")
                }
                guard !chunk.isEmpty else { throw BundleError(.io, "\(member.path) changed while it was packed") }
                try emit(Array(chunk))
                remaining -= chunk.count
                packed += chunk.count
                progress(packed, total)
            }
            try? input.close()
            try emit(TarWriter.padding(forSize: member.size))
        }
        try emit(TarWriter.end, finish: true)
        progress(total, total)
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return Result(url: output, sha256: "sha256:" + hex, size: written, files: members.filter { $0.kind == .file }.count)
    }

    struct Member {
        var path: String
        var kind: TarEntry.Kind
        var size: Int
        var executable: Bool
    }

    /// Every member below `root` in a stable order, ignored ones left out.
    static func collect(_ root: URL, rules: IgnoreRules) throws(BundleError) -> [Member] {
        var members: [Member] = []
        func walk(_ relative: String) throws(BundleError) {
            let dir = relative.isEmpty ? root : root.appendingPathComponent(relative)
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() } catch {
                throw BundleError(.io, "cannot list \(dir.path)")
            }
            for name in names {
                let path = relative.isEmpty ? name : relative + "/" + name
                let full = root.appendingPathComponent(path).path
                var info = stat()
                guard lstat(full, &info) == 0 else { throw BundleError(.io, "cannot read \(path)") }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    guard !rules.isIgnored(path, isDirectory: true) else { continue }
                    members.append(Member(path: path, kind: .directory, size: 0, executable: false))
                    try walk(path)
                case S_IFREG:
                    guard !rules.isIgnored(path, isDirectory: false) else { continue }
                    members.append(Member(path: path, kind: .file, size: Int(info.st_size), executable: info.st_mode & 0o111 != 0))
                case S_IFLNK:
                    guard !rules.isIgnored(path, isDirectory: false) else { continue }
                    let target: String
                    do { target = try FileManager.default.destinationOfSymbolicLink(atPath: full) } catch {
                        throw BundleError(.io, "cannot read the link \(path)")
                    }
                    _ = try TarPath.checkLink(from: path, to: target, symbolic: true)
                    members.append(Member(path: path, kind: .symlink(target: target), size: 0, executable: false))
                default:
                    guard !rules.isIgnored(path, isDirectory: false) else { continue }
                    throw BundleError(.unsupportedEntry, "\(path) is not a file, directory or link; remove it or list it in .marinaignore")
                }
            }
        }
        try walk("")
        return members
    }
}
