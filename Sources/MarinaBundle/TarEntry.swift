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
        // Byte-wise, not by Character: "/" followed by a combining mark is one Character, so
        // "/\u{301}etc" would not have the prefix "/" (nor split there) though it is absolute on disk.
        guard raw.utf8.first != slash else { throw BundleError(.unsafePath, "\"\(raw)\" is an absolute path") }
        var parts: [String] = []
        for part in components(raw) {
            if part == "." { continue }
            if part == ".." { throw BundleError(.unsafePath, "\"\(raw)\" climbs out of the bundle with ..") }
            // The file system's limit on one name (NAME_MAX): a longer one could not be unpacked.
            guard part.utf8.count <= 255 else { throw BundleError(.unsafePath, "a name in \"\(raw.prefix(300))…\" is longer than 255 bytes") }
            parts.append(part)
        }
        let path = parts.joined(separator: "/")
        // Under PATH_MAX with its terminating NUL: relative to the bundle's directory, any member
        // can be named in one system call (the extractor's cleanup does).
        guard path.utf8.count < 4096 else { throw BundleError(.unsafePath, "a path is 4096 bytes or longer") }
        return path
    }

    /// Checks that a link at `path` pointing to `target` resolves inside the bundle.
    static func checkLink(from path: String, to target: String, symbolic: Bool) throws(BundleError) -> String {
        guard !target.isEmpty, !target.contains("\0") else { throw BundleError(.unsafeLink, "the link \"\(path)\" has an empty target") }
        // symlink(2) takes at most PATH_MAX - 1 bytes.
        guard target.utf8.count < 4096 else { throw BundleError(.unsafeLink, "the link \"\(path)\" has a target longer than 4095 bytes") }
        guard target.utf8.first != slash else { throw BundleError(.unsafeLink, "the link \"\(path)\" points to the absolute path \"\(target)\"") }
        var parts: [String] = symbolic ? Array(components(path).dropLast()) : []
        var descended = false
        for part in components(target) {
            if part == "." { continue }
            if part == ".." {
                // "x/.." is only the lexical no-op it looks like if x is not itself a link (x -> ..
                // makes "x/../.." climb out); such targets are refused rather than resolved.
                guard !descended else { throw BundleError(.unsafeLink, "the link \"\(path)\" climbs back with .. after descending (\"\(target)\")") }
                guard !parts.isEmpty else { throw BundleError(.unsafeLink, "the link \"\(path)\" points out of the bundle (\"\(target)\")") }
                parts.removeLast()
            } else {
                descended = true
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    private static let slash = UInt8(ascii: "/")

    /// The non-empty `/`-separated components of `s`, split on the byte `/`.
    static func components(_ s: String) -> [String] {
        s.utf8.split(separator: slash, omittingEmptySubsequences: true).map { String(decoding: $0, as: UTF8.self) }
    }
}
