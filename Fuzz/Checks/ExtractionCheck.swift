import Foundation
import MarinaBundle

#if canImport(Glibc)
import Glibc
#endif

/// Unpacks a bundle that inspect accepted and compares the tree on disk with the archive's
/// members: every member and the directories above them, nothing else; file contents as in the
/// archive; files 0644 or 0755 as their mode's execute bits say, nothing setuid, setgid or sticky;
/// every link resolving inside the bundle; no staging directory left beside it. The tree is read
/// and removed relative to directory descriptors (`openat`, `fstatat`), since a member's path may
/// be close to PATH_MAX on its own.
struct ExtractionCheck {
    /// Emptied first; the bundle is unpacked at `root/bundle` and `root` removed afterwards.
    let root: URL

    private enum Node: Equatable, CustomStringConvertible {
        case file(content: [UInt8], mode: UInt32)
        case directory(mode: UInt32)
        case symlink(target: [UInt8])
        case other(mode: UInt32)

        var description: String {
            switch self {
            case .file(let content, let mode): return "file (\(content.count) bytes, mode \(String(mode, radix: 8)))"
            case .directory: return "directory"
            case .symlink(let target): return "link to \(String(decoding: target, as: UTF8.self).debugDescription)"
            case .other(let mode): return "special file (mode \(String(mode, radix: 8)))"
            }
        }
    }

    private enum Expected {
        /// `mode` nil: a hard link's copy, whose mode is only checked to be safe.
        case file(content: [UInt8], mode: UInt32?)
        case directory
        case symlink(target: [UInt8])
    }

    func run(_ bundle: URL, members: [TarReading.Member]) throws(FuzzFinding) {
        Self.remove(root.path)
        guard mkdir(root.path, 0o755) == 0 else { fatalError("cannot create \(root.path)") }
        defer { Self.remove(root.path) }
        let destination = root.appendingPathComponent("bundle")
        do { try BundleExtractor.extract(bundle, to: destination) } catch {
            throw FuzzFinding("inspect accepts the bundle but unpacking it fails: \(error)")
        }
        let rootDirectory = open(root.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard rootDirectory >= 0 else { fatalError("cannot open \(root.path)") }
        defer { close(rootDirectory) }
        let beside = Self.names(rootDirectory).map { String(decoding: $0, as: UTF8.self) }
        guard beside == ["bundle"] else { throw FuzzFinding("unpacking leaves \(beside) in its parent directory, not only the bundle") }

        var actual: [[UInt8]: Node] = [:]
        let bundleDirectory = openat(rootDirectory, "bundle", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard bundleDirectory >= 0 else { throw FuzzFinding("the unpacked bundle is not a directory") }
        Self.walk(bundleDirectory, relative: [], into: &actual)
        close(bundleDirectory)
        let expected = Self.expected(members)
        for (path, node) in actual where expected[path] == nil {
            throw FuzzFinding("unpacking creates \(Self.show(path)) (\(node)), which is no member of the bundle")
        }
        for (path, want) in expected {
            guard let node = actual[path] else { throw FuzzFinding("unpacking does not create \(Self.show(path))") }
            switch (want, node) {
            case (.directory, .directory(let mode)):
                guard mode & 0o7000 == 0 else { throw FuzzFinding("the directory \(Self.show(path)) has mode \(String(mode, radix: 8))") }
            case (.file(let content, let wantMode), .file(let actualContent, let mode)):
                guard content == actualContent else {
                    throw FuzzFinding("\(Self.show(path)) holds other bytes than the archive (\(actualContent.count), not \(content.count))")
                }
                if let wantMode {
                    guard mode == wantMode else {
                        throw FuzzFinding("\(Self.show(path)) has mode \(String(mode, radix: 8)), not \(String(wantMode, radix: 8))")
                    }
                } else {
                    guard mode & 0o7022 == 0 else { throw FuzzFinding("the copy \(Self.show(path)) has mode \(String(mode, radix: 8))") }
                }
            case (.symlink(let target), .symlink(let actualTarget)):
                guard target == actualTarget else {
                    throw FuzzFinding("the link \(Self.show(path)) points to \(Self.show(actualTarget)), not \(Self.show(target))")
                }
                guard Self.resolvesInside(link: path, target: target, in: actual) else {
                    throw FuzzFinding("the link \(Self.show(path)) -> \(Self.show(target)) resolves outside the bundle")
                }
            default:
                throw FuzzFinding("\(Self.show(path)) is a \(node), not what the archive holds")
            }
        }
    }

    /// Each member and each directory above one, keyed by relative path bytes (not `String`:
    /// Swift's `==` would merge "é" and "e\u{301}", which are two names on disk).
    private static func expected(_ members: [TarReading.Member]) -> [[UInt8]: Expected] {
        var result: [[UInt8]: Expected] = [:]
        var contents: [[UInt8]: [UInt8]] = [:]
        for member in members {
            let path = Array(member.entry.path.utf8)
            let components = path.split(separator: UInt8(ascii: "/"))
            for depth in components.indices.dropLast() {
                let ancestor = Array(components[...depth].joined(separator: [UInt8(ascii: "/")]))
                if result[ancestor] == nil { result[ancestor] = .directory }
            }
            switch member.entry.kind {
            case .file:
                result[path] = .file(content: member.content, mode: member.entry.isExecutable ? 0o755 : 0o644)
                contents[path] = member.content
            case .directory:
                if result[path] == nil { result[path] = .directory }
            case .symlink(let target):
                result[path] = .symlink(target: Array(target.utf8))
            case .hardlink(let target):
                result[path] = .file(content: contents[Array(target.utf8)] ?? [], mode: nil)
            }
        }
        return result
    }

    /// Lists the tree below the directory `directory` without following links.
    private static func walk(_ directory: Int32, relative: [UInt8], into nodes: inout [[UInt8]: Node]) {
        for name in names(directory) {
            let path = relative.isEmpty ? name : relative + [UInt8(ascii: "/")] + name
            let cName = String(decoding: name, as: UTF8.self)
            var info = stat()
            guard fstatat(directory, cName, &info, AT_SYMLINK_NOFOLLOW) == 0 else { fatalError("cannot stat \(show(path))") }
            let mode = UInt32(info.st_mode) & 0o7777
            switch UInt32(info.st_mode) & UInt32(S_IFMT) {
            case UInt32(S_IFDIR):
                nodes[path] = .directory(mode: mode)
                let sub = openat(directory, cName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard sub >= 0 else { fatalError("cannot open \(show(path))") }
                walk(sub, relative: path, into: &nodes)
                close(sub)
            case UInt32(S_IFREG):
                let file = openat(directory, cName, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                guard file >= 0 else { fatalError("cannot open \(show(path))") }
                var content: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65536)
                while case let count = buffer.withUnsafeMutableBytes({ read(file, $0.baseAddress, $0.count) }), count > 0 {
                    content += buffer[0..<count]
                }
                close(file)
                nodes[path] = .file(content: content, mode: mode)
            case UInt32(S_IFLNK):
                var buffer = [UInt8](repeating: 0, count: 8192)
                let count = buffer.withUnsafeMutableBufferPointer {
                    readlinkat(directory, cName, UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count)
                }
                nodes[path] = .symlink(target: count >= 0 ? Array(buffer[0..<count]) : [])
            default:
                nodes[path] = .other(mode: mode)
            }
        }
    }

    /// The names in the directory `directory` as bytes, without "." and "..".
    private static func names(_ directory: Int32) -> [[UInt8]] {
        guard let handle = fdopendir(dup(directory)) else { fatalError("cannot list a directory") }
        defer { closedir(handle) }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if name != [UInt8(ascii: ".")] && name != [UInt8(ascii: "."), UInt8(ascii: ".")] { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Whether the link at `link` (relative to the bundle) resolves inside the bundle, resolved
    /// as the kernel would in the tree as unpacked: component by component, following the links
    /// met on the way (`..` after a link applies to where the link led).
    private static func resolvesInside(link: [UInt8], target: [UInt8], in nodes: [[UInt8]: Node]) -> Bool {
        let slash = UInt8(ascii: "/")
        func components(_ path: [UInt8]) -> [[UInt8]] { path.split(separator: slash).map(Array.init) }
        guard target.first != slash else { return false }
        var resolved = Array(components(link).dropLast())
        var pending = components(target)
        var hops = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == [UInt8(ascii: ".")] { continue }
            if component == [UInt8(ascii: "."), UInt8(ascii: ".")] {
                guard !resolved.isEmpty else { return false }
                resolved.removeLast()
                continue
            }
            resolved.append(component)
            if case .symlink(let next)? = nodes[Array(resolved.joined(separator: [slash]))] {
                hops += 1
                guard hops <= 40 else { return true }  // the kernel stops with ELOOP: nothing is reached
                guard next.first != slash else { return false }
                resolved.removeLast()
                pending = components(next) + pending
            }
        }
        return true
    }

    /// Removes the tree at `path`, relative to directory descriptors and without following links.
    static func remove(_ path: String) {
        let parent = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parent >= 0 else { return }
        defer { close(parent) }
        removeEntry(parent, (path as NSString).lastPathComponent)
    }

    private static func removeEntry(_ directory: Int32, _ name: String) {
        if unlinkat(directory, name, 0) == 0 || errno == ENOENT { return }
        let sub = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard sub >= 0 else { return }
        for child in names(sub) { removeEntry(sub, String(decoding: child, as: UTF8.self)) }
        close(sub)
        unlinkat(directory, name, AT_REMOVEDIR)
    }

    private static func show(_ path: [UInt8]) -> String { String(decoding: path, as: UTF8.self).debugDescription }
}
