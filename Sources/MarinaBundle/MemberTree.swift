/// The paths of a bundle's members so far, as a tree of path components, so that the parser
/// refuses what could not be unpacked as listed or would be written through a link: a path twice,
/// a member beneath a file or a symbolic link, a file or link where a directory already is
/// (because a member beneath it came first). Inspect (at publish) and extraction (at an
/// instance's first call) then agree: a bundle that is accepted can be unpacked.
///
/// Names are compared byte for byte, as the file system compares them: Swift's `String ==` would
/// take "é" and "e\u{301}" for one name, and a hard link to the one would be copied from the other.
struct MemberTree {
    enum Kind: Equatable {
        /// A directory no member names, only the paths beneath it.
        case impliedDirectory
        case directory
        case file
        case symlink
        case hardlink
    }

    private struct Edge: Hashable {
        var parent: Int
        var name: [UInt8]
    }

    private var children: [Edge: Int] = [:]
    /// Node 0 is the bundle's root.
    private var kinds: [Kind] = [.directory]
    /// About what the tree keeps: each node's name and 64 bytes for the node itself.
    private(set) var treeBytes = 0

    /// Adds the member at `path` (normalised, not empty), or throws why it cannot be.
    mutating func add(_ path: String, _ kind: Kind) throws(BundleError) {
        let components = TarPath.components(path)
        var node = 0
        for (depth, component) in components.dropLast().enumerated() {
            let edge = Edge(parent: node, name: Array(component.utf8))
            guard let next = children[edge] else {
                node = append(edge, .impliedDirectory)
                continue
            }
            switch kinds[next] {
            case .symlink:
                throw BundleError(.unsafeLink, "\"\(path)\" lies beneath a symbolic link of the bundle")
            case .file, .hardlink:
                let file = components[...depth].joined(separator: "/")
                throw BundleError(.unsafePath, "\"\(path)\" lies beneath \"\(file)\", which is a file")
            case .directory, .impliedDirectory:
                node = next
            }
        }
        let edge = Edge(parent: node, name: Array((components.last ?? "").utf8))
        guard let existing = children[edge] else {
            _ = append(edge, kind)
            return
        }
        guard kinds[existing] == .impliedDirectory else { throw BundleError(.unsafePath, "\"\(path)\" appears twice in the bundle") }
        guard kind == .directory else {
            throw BundleError(.unsafePath, "\"\(path)\" is a directory of the bundle (a member beneath it comes first), not a file or link")
        }
        kinds[existing] = .directory
    }

    /// Whether `path` is a regular file added so far (what a hard link may point to).
    func isFile(_ path: String) -> Bool {
        var node = 0
        for component in TarPath.components(path) {
            guard let next = children[Edge(parent: node, name: Array(component.utf8))] else { return false }
            node = next
        }
        return node != 0 && kinds[node] == .file
    }

    private mutating func append(_ edge: Edge, _ kind: Kind) -> Int {
        treeBytes += edge.name.count + 64
        kinds.append(kind)
        children[edge] = kinds.count - 1
        return kinds.count - 1
    }
}
