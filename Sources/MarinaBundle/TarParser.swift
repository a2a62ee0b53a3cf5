/// A streaming tar parser (ustar, pax and GNU long names) that checks every member as it goes:
/// header checksums, paths and links inside the bundle, only files, directories and links, no
/// path twice, nothing beneath a file or a link, bounded entry count. Feed it decompressed bytes
/// in any chunking.
public struct TarParser {
    public enum Event {
        case begin(TarEntry)
        case data(ArraySlice<UInt8>)
        case end
    }

    public var maxEntries = 100_000
    /// Bound on what the members' paths cost to keep: each path's bytes and its link target's
    /// (as the listed entries keep them), and each name first seen in a directory, 64 bytes more
    /// for its place in the tree of paths. Counting only bytes would let paths of one-letter names
    /// ("x/a/a/a/…") take a node per two bytes.
    public var maxPathBytes = 64 * 1024 * 1024
    public private(set) var entries = 0
    private var pathBytes = 0
    public private(set) var finished = false

    private var buffer: [UInt8] = []
    private var remainingData = 0
    private var padding = 0
    private var pendingLongName: String?
    private var pendingLongLink: String?
    private var pendingPax: [String: String] = [:]
    private var collecting: (kind: UInt8, bytes: [UInt8], size: Int)?
    /// Every member so far. No member may lie beneath a link (extracting `d -> ..` and then
    /// `d/e -> ..` writes `e` through `d`, and `e` then points out of the bundle) or a file.
    private var members = MemberTree()
    private var zeroBlocks = 0

    public init() {}

    public mutating func feed(_ chunk: [UInt8], _ handle: (Event) throws(BundleError) -> Void) throws(BundleError) {
        buffer.append(contentsOf: chunk)
        var offset = 0
        defer { buffer.removeFirst(offset) }
        while true {
            if remainingData > 0 {
                let n = min(remainingData, buffer.count - offset)
                if n == 0 { return }
                let slice = buffer[offset..<offset + n]
                if collecting != nil {
                    collecting!.bytes.append(contentsOf: slice)
                } else {
                    try handle(.data(slice))
                }
                offset += n
                remainingData -= n
                if remainingData == 0 {
                    if let c = collecting {
                        collecting = nil
                        try finishMeta(c.kind, c.bytes)
                    } else {
                        try handle(.end)
                    }
                }
                continue
            }
            if padding > 0 {
                let n = min(padding, buffer.count - offset)
                if n == 0 { return }
                offset += n
                padding -= n
                continue
            }
            guard buffer.count - offset >= 512 else { return }
            let header = Array(buffer[offset..<offset + 512])
            offset += 512
            if finished {
                guard header.allSatisfy({ $0 == 0 }) else { throw BundleError(.corrupt, "data after the end of the tar archive") }
                continue
            }
            if header.allSatisfy({ $0 == 0 }) {
                zeroBlocks += 1
                if zeroBlocks == 2 { finished = true }
                continue
            }
            guard zeroBlocks == 0 else { throw BundleError(.corrupt, "a tar header follows an end-of-archive block") }
            try parseHeader(header, handle)
        }
    }

    /// Call when the input is exhausted: a tar archive must end with its two zero blocks.
    public func finish() throws(BundleError) {
        guard finished else { throw BundleError(.truncated, "the tar archive ends early (\(entries) entries read)") }
        // Whole blocks after the end are checked as they come; a last partial one only here.
        guard buffer.allSatisfy({ $0 == 0 }) else { throw BundleError(.corrupt, "data after the end of the tar archive") }
    }

    private static func octal(_ field: ArraySlice<UInt8>) throws(BundleError) -> Int {
        if let first = field.first, first & 0x80 != 0 {
            // GNU base-256 for large sizes.
            var v = Int(first & 0x7F)
            for b in field.dropFirst() {
                guard v < Int.max >> 8 else { throw BundleError(.corrupt, "a tar size field overflows") }
                v = v << 8 | Int(b)
            }
            return v
        }
        var v = 0
        for b in field {
            if b == 0 || b == 0x20 { continue }
            guard b >= 0x30 && b <= 0x37 else { throw BundleError(.corrupt, "a tar header has a malformed number") }
            guard v < Int.max >> 3 else { throw BundleError(.corrupt, "a tar number overflows") }
            v = v * 8 + Int(b - 0x30)
        }
        return v
    }

    private static func string(_ field: ArraySlice<UInt8>) -> String {
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[field.startIndex..<end], as: UTF8.self)
    }

    private mutating func parseHeader(_ h: [UInt8], _ handle: (Event) throws(BundleError) -> Void) throws(BundleError) {
        let stored = try Self.octal(h[148..<156])
        var sum = 0
        for (i, b) in h.enumerated() { sum += (148..<156).contains(i) ? 0x20 : Int(b) }
        guard stored == sum else { throw BundleError(.corrupt, "a tar header checksum does not match (is this a tar.gz?)") }

        let size = try Self.octal(h[124..<136])
        let type = h[156]
        let mode = UInt32(truncatingIfNeeded: try Self.octal(h[100..<108]))
        var name = Self.string(h[0..<100])
        // Only POSIX ustar ("ustar\0") has a name prefix at 345; GNU ("ustar  \0") keeps its atime,
        // ctime and sparse data there.
        let isPosixUstar = h[257..<263].elementsEqual("ustar\0".utf8)
        if isPosixUstar {
            let prefix = Self.string(h[345..<500])
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        let linkName = Self.string(h[157..<257])

        switch type {
        case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
            guard size <= 1 << 20 else { throw BundleError(.corrupt, "a tar extended header is larger than 1 MiB") }
            collecting = (type, [], size)
            remainingData = size
            padding = (512 - size % 512) % 512
            if size == 0 { collecting = nil; try finishMeta(type, []) }
            return
        default:
            break
        }

        entries += 1
        guard entries <= maxEntries else { throw BundleError(.tooLarge, "the bundle has more than \(maxEntries) entries") }
        let rawPath = pendingPax["path"] ?? pendingLongName ?? name
        let rawLink = pendingPax["linkpath"] ?? pendingLongLink ?? linkName
        var actualSize = size
        if let paxSize = pendingPax["size"] {
            guard let value = Int(paxSize), value >= 0, paxSize.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw BundleError(.corrupt, "a pax header has the malformed size \"\(paxSize)\"")
            }
            actualSize = value
        }
        pendingPax = [:]
        pendingLongName = nil
        pendingLongLink = nil

        let path = try TarPath.normalize(rawPath)
        let kind: TarEntry.Kind
        switch type {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
            kind = .file
        case UInt8(ascii: "5"):
            kind = .directory
        case UInt8(ascii: "2"):
            kind = .symlink(target: rawLink)
            _ = try TarPath.checkLink(from: path, to: rawLink, symbolic: true)
        case UInt8(ascii: "1"):
            let target = try TarPath.checkLink(from: path, to: rawLink, symbolic: false)
            guard members.isFile(target) else {
                throw BundleError(.unsafeLink, "the hard link \"\(path)\" does not point to an earlier file of the bundle")
            }
            kind = .hardlink(target: target)
        case UInt8(ascii: "3"), UInt8(ascii: "4"):
            throw BundleError(.unsupportedEntry, "\"\(path)\" is a device file; bundles hold files, directories and links only")
        case UInt8(ascii: "6"):
            throw BundleError(.unsupportedEntry, "\"\(path)\" is a FIFO; bundles hold files, directories and links only")
        default:
            throw BundleError(.unsupportedEntry, "\"\(path)\" has the unsupported tar type '\(Character(Unicode.Scalar(type)))'")
        }
        guard !path.isEmpty || kind == .directory else { throw BundleError(.unsafePath, "an entry has an empty path") }
        if path.isEmpty { return }
        switch kind {
        case .file: try members.add(path, .file)
        case .directory: try members.add(path, .directory)
        case .symlink(let target): try members.add(path, .symlink); pathBytes += target.utf8.count
        case .hardlink(let target): try members.add(path, .hardlink); pathBytes += target.utf8.count
        }
        pathBytes += path.utf8.count
        guard pathBytes + members.treeBytes <= maxPathBytes else {
            throw BundleError(.tooLarge, "the bundle's member paths take more than \(maxPathBytes / (1024 * 1024)) MiB to check")
        }

        let dataSize = kind == .file ? actualSize : 0
        try handle(.begin(TarEntry(path: path, kind: kind, size: dataSize, mode: mode & 0o7777)))
        remainingData = dataSize
        padding = (512 - dataSize % 512) % 512
        if dataSize == 0 { try handle(.end) }
    }

    private mutating func finishMeta(_ type: UInt8, _ bytes: [UInt8]) throws(BundleError) {
        switch type {
        case UInt8(ascii: "L"): pendingLongName = Self.string(bytes[...])
        case UInt8(ascii: "K"): pendingLongLink = Self.string(bytes[...])
        case UInt8(ascii: "x"): pendingPax = try Self.parsePax(bytes)
        default: break  // global pax headers carry nothing Marina uses
        }
    }

    /// Records are `<length> <key>=<value>\n`.
    private static func parsePax(_ bytes: [UInt8]) throws(BundleError) -> [String: String] {
        var result: [String: String] = [:]
        var i = 0
        while i < bytes.count {
            // The space must fall inside the record, which must end with a newline: "1 x" or a
            // length shorter than its own digits would otherwise make an inverted range and trap.
            // `length <= count - i`, not `i + length <= count`: a length near Int.max would overflow.
            guard let space = bytes[i...].firstIndex(of: 0x20), let length = Int(String(decoding: bytes[i..<space], as: UTF8.self)),
                length > 0, length <= bytes.count - i, space < i + length - 1, bytes[i + length - 1] == 0x0A
            else {
                throw BundleError(.corrupt, "a pax header is malformed")
            }
            let record = bytes[(space + 1)..<(i + length - 1)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                result[String(decoding: record[record.startIndex..<eq], as: UTF8.self)] = String(decoding: record[(eq + 1)...], as: UTF8.self)
            }
            i += length
        }
        return result
    }
}
