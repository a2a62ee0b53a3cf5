import Foundation
import Testing

@testable import MarinaBundle

/// Runs `body` and checks that it throws a `BundleError` with `code`.
func expectRefusal(
    _ code: BundleErrorCode,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected \(code.rawValue), but nothing was thrown \(comment.map { "(\($0))" } ?? "")", sourceLocation: sourceLocation)
    } catch let error as BundleError {
        #expect(error.code == code, "\(error) \(comment.map { "(\($0))" } ?? "")", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
}

/// A fresh directory under the system temporary directory, removed by `cleanUp()`.
struct TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("marina-bundle-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }

    func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    @discardableResult
    func write(_ relative: String, _ bytes: [UInt8], executable: Bool = false) throws -> URL {
        let file = path(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: file.path)
        return file
    }

    @discardableResult
    func write(_ relative: String, _ text: String, executable: Bool = false) throws -> URL {
        try write(relative, Array(text.utf8), executable: executable)
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(at: path(relative), withIntermediateDirectories: true)
    }

    func symlink(_ relative: String, to target: String) throws {
        let link = path(relative)
        try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target)
    }
}

/// Builds tar archives header by header, including hostile ones the writer would never make.
struct TarBuilder {
    enum Magic { case posix, gnu, none }

    private(set) var bytes: [UInt8] = []

    /// A raw 512-byte header with a correct checksum (unless `checksumDelta` is non-zero).
    static func header(
        name: String,
        type: UInt8 = UInt8(ascii: "0"),
        size: Int = 0,
        mode: Int = 0o644,
        link: String = "",
        magic: Magic = .posix,
        prefix: String = "",
        checksumDelta: Int = 0,
        extra: [(offset: Int, bytes: [UInt8])] = []
    ) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: [UInt8], _ at: Int, _ len: Int) {
            for (i, b) in s.prefix(len).enumerated() { h[at + i] = b }
        }
        func octal(_ v: Int, _ at: Int, _ len: Int) {
            let s = String(v, radix: 8)
            put(Array((String(repeating: "0", count: max(0, len - 1 - s.count)) + s).utf8), at, len - 1)
        }
        put(Array(name.utf8), 0, 100)
        octal(mode, 100, 8)
        octal(1000, 108, 8)
        octal(1000, 116, 8)
        octal(size, 124, 12)
        octal(1_700_000_000, 136, 12)
        h[156] = type
        put(Array(link.utf8), 157, 100)
        switch magic {
        case .posix:
            put(Array("ustar\0".utf8), 257, 6)
            put(Array("00".utf8), 263, 2)
        case .gnu:
            put(Array("ustar  \0".utf8), 257, 8)
        case .none:
            break
        }
        put(Array("user".utf8), 265, 32)
        put(Array("group".utf8), 297, 32)
        put(Array(prefix.utf8), 345, 155)
        for (offset, extraBytes) in extra { put(extraBytes, offset, extraBytes.count) }
        // The checksum is the byte sum with the checksum field itself taken as eight spaces.
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) } + checksumDelta
        let digits = String(sum, radix: 8)
        put(Array((String(repeating: "0", count: 6 - digits.count) + digits).utf8), 148, 6)
        h[154] = 0
        h[155] = 0x20
        return h
    }

    static func pad(_ count: Int) -> [UInt8] { [UInt8](repeating: 0, count: (512 - count % 512) % 512) }

    mutating func raw(_ b: [UInt8]) { bytes += b }

    mutating func file(_ name: String, _ content: [UInt8] = [], mode: Int = 0o644, type: UInt8 = UInt8(ascii: "0"), magic: Magic = .posix) {
        bytes += Self.header(name: name, type: type, size: content.count, mode: mode, magic: magic)
        bytes += content + Self.pad(content.count)
    }

    mutating func file(_ name: String, _ text: String, mode: Int = 0o644, magic: Magic = .posix) {
        file(name, Array(text.utf8), mode: mode, magic: magic)
    }

    mutating func directory(_ name: String) {
        bytes += Self.header(name: name, type: UInt8(ascii: "5"), mode: 0o755)
    }

    mutating func symlink(_ name: String, to target: String) {
        bytes += Self.header(name: name, type: UInt8(ascii: "2"), mode: 0o777, link: target)
    }

    mutating func hardlink(_ name: String, to target: String) {
        bytes += Self.header(name: name, type: UInt8(ascii: "1"), link: target)
    }

    mutating func special(_ name: String, type: Character) {
        bytes += Self.header(name: name, type: type.asciiValue!)
    }

    /// A pax extended header ('x') for the next member, with raw records.
    mutating func paxRaw(_ records: [UInt8], type: UInt8 = UInt8(ascii: "x")) {
        bytes += Self.header(name: "././@PaxHeader", type: type, size: records.count)
        bytes += records + Self.pad(records.count)
    }

    mutating func pax(_ pairs: KeyValuePairs<String, String>) {
        var records: [UInt8] = []
        for (key, value) in pairs {
            let body = " \(key)=\(value)\n"
            var length = body.utf8.count + 1
            while String(length).utf8.count + body.utf8.count != length { length = String(length).utf8.count + body.utf8.count }
            records += Array((String(length) + body).utf8)
        }
        paxRaw(records)
    }

    /// A GNU long name ('L') or long link ('K') header for the next member.
    mutating func gnuLong(_ value: String, type: Character = "L") {
        let data = Array(value.utf8) + [0]
        bytes += Self.header(name: "././@LongLink", type: type.asciiValue!, size: data.count, magic: .gnu)
        bytes += data + Self.pad(data.count)
    }

    /// The two zero blocks that end an archive.
    mutating func end() { bytes += [UInt8](repeating: 0, count: 1024) }

    func gzipped() throws -> [UInt8] { try gzip(bytes) }
}

func gzip(_ bytes: [UInt8], level: Int32 = 6) throws -> [UInt8] {
    let compressor = try GzipCompressor(level: level)
    return compressor.feed(bytes, finish: true)
}

func gunzip(_ bytes: [UInt8], maxOutput: Int = 1 << 30) throws -> [UInt8] {
    let decompressor = try GzipDecompressor(maxOutput: maxOutput)
    let out = try decompressor.feed(bytes)
    #expect(decompressor.finished)
    return out
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
func pseudoRandomBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    var out = [UInt8]()
    out.reserveCapacity(count)
    for _ in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        out.append(UInt8(truncatingIfNeeded: state >> 24))
    }
    return out
}

/// Writes `bytes` as a bundle file and inspects it.
@discardableResult
func inspectBytes(
    _ bytes: [UInt8],
    limits: BundleLimits = .init(),
    files: Set<String> = []
) throws -> BundleReader.Summary {
    let dir = try TempDir()
    defer { dir.cleanUp() }
    let url = try dir.write("bundle.tar.gz", bytes)
    return try BundleReader.inspect(url, limits: limits, files: files)
}

/// Inspects a gzipped tar made by `build`.
@discardableResult
func inspectTar(limits: BundleLimits = .init(), files: Set<String> = [], _ build: (inout TarBuilder) -> Void) throws -> BundleReader.Summary {
    var tar = TarBuilder()
    build(&tar)
    return try inspectBytes(try tar.gzipped(), limits: limits, files: files)
}

/// Every event of a parse of `tar`, fed in chunks of `chunk` bytes, flattened for comparison.
enum FlatEvent: Equatable {
    case begin(TarEntry)
    case data([UInt8])
    case end
}

func parseAll(_ tar: [UInt8], chunk: Int, maxEntries: Int = 100_000) throws -> [FlatEvent] {
    var parser = TarParser()
    parser.maxEntries = maxEntries
    var events: [FlatEvent] = []
    var start = 0
    repeat {
        let piece = Array(tar[start..<min(tar.count, start + chunk)])
        try parser.feed(piece) { event in
            switch event {
            case .begin(let entry): events.append(.begin(entry))
            case .data(let bytes):
                // Merge data so that the chunking does not show.
                if case .data(let previous) = events.last {
                    events[events.count - 1] = .data(previous + Array(bytes))
                } else {
                    events.append(.data(Array(bytes)))
                }
            case .end: events.append(.end)
            }
        }
        start += chunk
    } while start < tar.count
    try parser.finish()
    return events
}

/// Runs an executable and returns its exit status and standard error.
@discardableResult
func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let errPipe = Pipe()
    process.standardError = errPipe
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let err = errPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: err, as: UTF8.self))
}
