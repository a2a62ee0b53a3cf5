import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Unpacks a checked bundle into a directory that instances mount read-only. Files get modes
/// 0644 or 0755 (never setuid/setgid/sticky), directories 0755, links are recreated only after
/// their checks, and the directory appears atomically: it is unpacked beside its final name and
/// renamed into place.
///
/// Every member is created relative to the staging directory, one path component at a time
/// (`openat`, `mkdirat`, `symlinkat`, each with `O_NOFOLLOW`): nothing is ever reached through a
/// link, and a member's path may be as long as the parser allows (4096 bytes) wherever the data
/// directory lies, where a whole path would pass the kernel's PATH_MAX.
public enum BundleExtractor {
    public static func extract(_ bundle: URL, to destination: URL, limits: BundleLimits = .init()) throws(BundleError) {
        if FileManager.default.fileExists(atPath: destination.path) { return }
        let staging = destination.deletingLastPathComponent().appendingPathComponent("." + destination.lastPathComponent + "." + UUID().uuidString)
        do { try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true) } catch {
            throw BundleError(.io, "cannot create \(staging.path)")
        }
        let root = open(staging.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard root >= 0 else {
            removeTree(staging)
            throw BundleError(.io, "cannot open \(staging.path): \(String(cString: strerror(errno)))")
        }
        defer { close(root) }
        var current: Int32 = -1
        var links: [(String, TarEntry.Kind)] = []
        do throws(BundleError) {
            try BundleReader.scan(bundle, limits: limits) { (event) throws(BundleError) in
                switch event {
                case .begin(let entry):
                    let components = TarPath.components(entry.path)
                    switch entry.kind {
                    case .directory:
                        close(try openDirectory(root, components, for: entry.path))
                    case .file:
                        let parent = try openDirectory(root, components.dropLast(), for: entry.path)
                        defer { close(parent) }
                        let mode: mode_t = entry.isExecutable ? 0o755 : 0o644
                        current = openat(parent, components.last!, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode)
                        guard current >= 0 else { throw BundleError(.io, "cannot create \(entry.path): \(String(cString: strerror(errno)))") }
                        fchmod(current, mode)
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
                let components = TarPath.components(path)
                let parent = try openDirectory(root, components.dropLast(), for: path)
                defer { close(parent) }
                switch kind {
                case .symlink(let target):
                    guard symlinkat(target, parent, components.last!) == 0 else {
                        throw BundleError(.io, "cannot create the link \(path): \(String(cString: strerror(errno)))")
                    }
                case .hardlink(let target):
                    try copyFile(root, TarPath.components(target), to: parent, components.last!, for: path)
                default: break
                }
            }
            fchmod(root, 0o755)
            guard rename(staging.path, destination.path) == 0 || FileManager.default.fileExists(atPath: destination.path) else {
                throw BundleError(.io, "cannot move the unpacked bundle into place")
            }
            removeTree(staging)  // left only if another extraction put the same bundle in place first
        } catch {
            if current >= 0 { close(current) }
            removeTree(staging)
            throw error
        }
    }

    /// Removes `directory` and everything below it without following links, naming each entry
    /// relative to `directory` (member paths are under PATH_MAX there, however deep):
    /// `FileManager.removeItem` fails with ENAMETOOLONG once a whole path passes PATH_MAX.
    static func removeTree(_ directory: URL) {
        let top = open(directory.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard top >= 0 else { return }
        removeContents(top, "")
        close(top)
        rmdir(directory.path)
    }

    /// Removes what lies below `relative` ("" for `top` itself), depth first; no descriptor is
    /// held across the recursion.
    private static func removeContents(_ top: Int32, _ relative: String) {
        let directory = relative.isEmpty ? dup(top) : openat(top, relative, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { return }
        guard let listing = fdopendir(directory) else { close(directory); return }
        var names: [String] = []
        while let entry = readdir(listing) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(listing)
        for name in names {
            let path = relative.isEmpty ? name : relative + "/" + name
            if unlinkat(top, path, 0) != 0 && errno == EISDIR {
                removeContents(top, path)
                unlinkat(top, path, AT_REMOVEDIR)
            }
        }
    }

    /// Opens the directory at `components` below `root`, creating (0755) the ones missing, one
    /// component at a time and never through a link. The caller closes the descriptor.
    static func openDirectory(_ root: Int32, _ components: some Collection<String>, for member: String) throws(BundleError) -> Int32 {
        var directory = dup(root)
        for component in components {
            var next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && mkdirat(directory, component, 0o755) == 0 {
                next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if next >= 0 { fchmod(next, 0o755) }  // mkdirat's mode passes through the umask
            }
            let failure = errno
            close(directory)
            guard next >= 0 else { throw BundleError(.io, "cannot create the directories of \(member): \(String(cString: strerror(failure)))") }
            directory = next
        }
        return directory
    }

    /// Copies the bundle's file at `source` (a hard link's target, an earlier regular file) to
    /// `name` in `directory`, with its mode.
    static func copyFile(_ root: Int32, _ source: [String], to directory: Int32, _ name: String, for member: String) throws(BundleError) {
        let sourceDirectory = try openDirectory(root, source.dropLast(), for: member)
        let input = openat(sourceDirectory, source.last ?? ".", O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        close(sourceDirectory)
        guard input >= 0 else { throw BundleError(.io, "cannot open \(source.joined(separator: "/")) to copy it to \(member)") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw BundleError(.io, "\(member) does not point to a file") }
        let mode = info.st_mode & 0o755
        let output = openat(directory, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode)
        guard output >= 0 else { throw BundleError(.io, "cannot create \(member): \(String(cString: strerror(errno)))") }
        defer { close(output) }
        fchmod(output, mode)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw BundleError(.io, "cannot read \(source.joined(separator: "/"))") }
            if count == 0 { return }
            let written = buffer.withUnsafeBytes { write(output, $0.baseAddress, count) }
            guard written == count else { throw BundleError(.io, "cannot write \(member)") }
        }
    }
}
