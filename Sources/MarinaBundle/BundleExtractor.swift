import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Unpacks a checked bundle into a directory that instances mount read-only. Files get modes
/// 0644 or 0755 (never setuid/setgid/sticky), links are recreated only after their checks, and
/// the directory appears atomically: it is unpacked beside its final name and renamed into place.
public enum BundleExtractor {
    public static func extract(_ bundle: URL, to destination: URL, limits: BundleLimits = .init()) throws(BundleError) {
        if FileManager.default.fileExists(atPath: destination.path) { return }
        let staging = destination.deletingLastPathComponent().appendingPathComponent("." + destination.lastPathComponent + "." + UUID().uuidString)
        do { try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true) } catch {
            throw BundleError(.io, "cannot create \(staging.path)")
        }
        var current: Int32 = -1
        var links: [(String, TarEntry.Kind)] = []
        do throws(BundleError) {
            try BundleReader.scan(bundle, limits: limits) { (event) throws(BundleError) in
                switch event {
                case .begin(let entry):
                    let path = staging.appendingPathComponent(entry.path).path
                    switch entry.kind {
                    case .directory:
                        try makeDirectory(path)
                    case .file:
                        try makeDirectory((path as NSString).deletingLastPathComponent)
                        current = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, entry.isExecutable ? 0o755 : 0o644)
                        guard current >= 0 else { throw BundleError(.io, "cannot create \(entry.path): \(String(cString: strerror(errno)))") }
                        fchmod(current, entry.isExecutable ? 0o755 : 0o644)
                    case .symlink, .hardlink:
                        links.append((entry.path, entry.kind))
                    }
                case .data(let bytes):
                    guard current >= 0 else { return }
                    let written = bytes.withUnsafeBytes { write(current, $0.baseAddress, $0.count) }
                    guard written == bytes.count else { throw BundleError(.io, "cannot write the bundle's files") }
                case .end:
                    if current >= 0 { close(current); current = -1 }
                }
            }
            // Links last, so that no file is ever written through one.
            for (path, kind) in links {
                let full = staging.appendingPathComponent(path).path
                try makeDirectory((full as NSString).deletingLastPathComponent)
                switch kind {
                case .symlink(let target):
                    guard symlink(target, full) == 0 else { throw BundleError(.io, "cannot create the link \(path)") }
                case .hardlink(let target):
                    do { try FileManager.default.copyItem(atPath: staging.appendingPathComponent(target).path, toPath: full) } catch {
                        throw BundleError(.io, "cannot copy \(target) to \(path)")
                    }
                default: break
                }
            }
            chmod(staging.path, 0o755)
            guard rename(staging.path, destination.path) == 0 || FileManager.default.fileExists(atPath: destination.path) else {
                throw BundleError(.io, "cannot move the unpacked bundle into place")
            }
            try? FileManager.default.removeItem(at: staging)
        } catch {
            if current >= 0 { close(current) }
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    static func makeDirectory(_ path: String) throws(BundleError) {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755]) } catch {
            throw BundleError(.io, "cannot create \(path)")
        }
    }
}
