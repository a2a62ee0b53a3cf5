/// One member of a bundle's tar archive, after its path has been checked.
public struct TarEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink(target: String)
        case hardlink(target: String)
    }

    /// Relative, normalised path (no leading `./`, no `..`, no trailing `/`).
    public var path: String
    public var kind: Kind
    public var size: Int
    public var mode: UInt32

    public var isExecutable: Bool { mode & 0o111 != 0 }
}

/// Path rules for archive members: relative, inside the bundle, no `..`.
enum TarPath {
    static func normalize(_ raw: String) throws(BundleError) -> String {
        guard !raw.contains("\0") else { throw BundleError(.unsafePath, "a path holds a NUL byte") }
        guard !raw.hasPrefix("/") else { throw BundleError(.unsafePath, "\"\(raw)\" is an absolute path") }
        var parts: [Substring] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { throw BundleError(.unsafePath, "\"\(raw)\" climbs out of the bundle with ..") }
            parts.append(part)
        }
        let path = parts.joined(separator: "/")
        guard path.utf8.count <= 4096 else { throw BundleError(.unsafePath, "a path is longer than 4096 bytes") }
        return path
    }

    /// Checks that a link at `path` pointing to `target` resolves inside the bundle.
    static func checkLink(from path: String, to target: String, symbolic: Bool) throws(BundleError) -> String {
        guard !target.isEmpty, !target.contains("\0") else { throw BundleError(.unsafeLink, "the link \"\(path)\" has an empty target") }
        guard !target.hasPrefix("/") else { throw BundleError(.unsafeLink, "the link \"\(path)\" points to the absolute path \"\(target)\"") }
        var parts: [Substring] = symbolic ? Array(path.split(separator: "/").dropLast()) : []
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { throw BundleError(.unsafeLink, "the link \"\(path)\" points out of the bundle (\"\(target)\")") }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }
}
