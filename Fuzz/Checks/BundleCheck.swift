import Foundation
import MarinaBundle
import MarinaCore

/// What the bundle reader and extractor must do with any input, checked on each fuzz input:
/// - no crash, and memory bounded by `BundleLimits` (the sanitizers and libFuzzer's limits see
///   to those);
/// - `BundleReader.inspect` (what publish runs) accepts exactly the bundles whose gzip stream and
///   tar archive read whole are fine, and reports the same members and manifest bytes;
/// - the tar parser gives the same members, contents and verdict however its input is chunked;
/// - a bundle that inspect accepts unpacks (`BundleExtractor`, what an instance's first call
///   runs) into exactly its members, with the contents and modes promised, links that stay
///   inside it, and nothing left beside it.
///
/// A fuzz input is one selector byte and a body. The selector modulo 3 says what the body is:
/// 0 the gzip file as uploaded; 1 a tar archive, gzipped here; 2 a tar archive in which every
/// non-zero 512-byte block gets a correct header checksum, gzipped here (mutated compressed data
/// or checksums rarely get past the first checks). The selector divided by 3 picks the chunk size
/// of the chunking comparison.
public struct BundleCheck: Sendable {
    /// Around the 512-byte block, and the 16 KiB BundleReader reads (each a gzip feed).
    static let chunkSizes = [5, 100, 511, 512, 513, 4096, 16384, 65536]

    /// Scratch space: the bundle file and the directory it is unpacked into live here.
    let workDirectory: URL

    public init(workDirectory: URL) {
        self.workDirectory = workDirectory
    }

    public func run(_ input: [UInt8]) throws(FuzzFinding) {
        guard let selector = input.first else { return }
        let body = Array(input.dropFirst())
        let gzipped: [UInt8]
        let plain: [UInt8]?
        switch selector % 3 {
        case 0: (gzipped, plain) = (body, Self.gunzip(body))
        case 1: (gzipped, plain) = (Self.gzip(body), body)
        default:
            let tar = Self.withHeaderChecksums(body)
            (gzipped, plain) = (Self.gzip(tar), tar)
        }

        var reference: TarReading?
        if let plain {
            let whole = TarReading(plain, chunkSize: plain.count + 1)
            // At least 1/256 of the input per chunk, so that a large archive stays quick.
            let chunkSize = max(Self.chunkSizes[Int(selector / 3) % Self.chunkSizes.count], plain.count / 256)
            let chunked = TarReading(plain, chunkSize: chunkSize)
            guard whole == chunked else {
                throw FuzzFinding("the tar parser reads the archive differently in chunks of \(chunkSize) bytes: whole \(whole), chunked \(chunked)")
            }
            guard whole.error != nil || (!whole.unbalanced && whole.members.allSatisfy(\.ended)) else {
                throw FuzzFinding("the tar parser accepts an archive without a balanced begin, data, end for every member: \(whole)")
            }
            reference = whole
        }

        let file = workDirectory.appendingPathComponent("input.tar.gz")
        do { try Data(gzipped).write(to: file) } catch { fatalError("cannot write \(file.path): \(error)") }
        let wanted = Set(ManifestFormat.fileNames)
        let inspected = Result { () throws(BundleError) in
            try BundleReader.inspect(file, files: wanted, maxFileBytes: DocumentLimits.default.maxBytes + 1)
        }
        let accepted = reference.map { $0.error == nil } ?? false
        let summary: BundleReader.Summary
        switch inspected {
        case .failure(let error):
            // Too large: a limit inspect has and a whole reading has not (the size of a manifest).
            guard !accepted || error.code == .tooLarge else {
                throw FuzzFinding("inspect refuses a bundle whose gzip and tar read whole are fine: \(error)")
            }
            return
        case .success(let s):
            summary = s
        }
        guard let reference, accepted else {
            throw FuzzFinding("inspect accepts a bundle that read whole is refused: \(reference?.error.map { "\($0)" } ?? "not gzip")")
        }
        guard summary.entries == reference.members.map(\.entry) else {
            throw FuzzFinding("inspect lists \(summary.entries), the whole reading \(reference.members.map(\.entry))")
        }
        guard summary.unpackedBytes == reference.members.reduce(0, { $0 + $1.entry.size }) else {
            throw FuzzFinding("inspect counts \(summary.unpackedBytes) unpacked bytes")
        }
        for member in reference.members where member.entry.kind == .file && wanted.contains(member.entry.path) {
            guard summary.files[member.entry.path] == member.content else {
                throw FuzzFinding("inspect returns other bytes for \(member.entry.path) than the archive holds")
            }
        }
        try ExtractionCheck(root: workDirectory.appendingPathComponent("root")).run(file, members: reference.members)
    }

    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        do { return try GzipCompressor(level: 1).feed(bytes, finish: true) } catch { fatalError("zlib: \(error)") }
    }

    /// The whole stream inflated (within the unpacked limit), or nil if it is not one whole gzip member.
    static func gunzip(_ bytes: [UInt8]) -> [UInt8]? {
        guard let decompressor = try? GzipDecompressor(maxOutput: BundleLimits().maxUnpackedBytes),
            let plain = try? decompressor.feed(bytes), decompressor.finished
        else { return nil }
        return plain
    }

    /// Gives each 512-byte block that is not all zeros a valid tar header checksum (the byte sum
    /// with the checksum field taken as spaces, as six octal digits, NUL, space).
    static func withHeaderChecksums(_ tar: [UInt8]) -> [UInt8] {
        var tar = tar
        for start in stride(from: 0, to: tar.count - 511, by: 512) where tar[start..<start + 512].contains(where: { $0 != 0 }) {
            for i in start + 148..<start + 156 { tar[i] = 0x20 }
            let sum = tar[start..<start + 512].reduce(0) { $0 + Int($1) }
            let digits = Array(String(sum, radix: 8).utf8)
            let field = [UInt8](repeating: UInt8(ascii: "0"), count: 6 - digits.count) + digits + [0, 0x20]
            tar.replaceSubrange(start + 148..<start + 156, with: field)
        }
        return tar
    }
}

/// One reading of a tar archive by `TarParser`, fed in chunks of a given size: the members with
/// their contents, and the error that ended it (if any).
struct TarReading: Equatable, CustomStringConvertible {
    struct Member: Equatable {
        var entry: TarEntry
        var content: [UInt8]
        var ended = false
    }

    var members: [Member] = []
    var error: BundleError?
    var unbalanced = false

    init(_ tar: [UInt8], chunkSize: Int) {
        var parser = TarParser()
        var members: [Member] = []
        var unbalanced = false
        do throws(BundleError) {
            var offset = 0
            while offset < tar.count {
                let end = min(tar.count, offset + chunkSize)
                try parser.feed(Array(tar[offset..<end])) { event in
                    switch event {
                    case .begin(let entry):
                        if let last = members.last, !last.ended { unbalanced = true }
                        members.append(Member(entry: entry, content: []))
                    case .data(let bytes):
                        if members.isEmpty || members[members.count - 1].ended {
                            unbalanced = true
                        } else {
                            members[members.count - 1].content += bytes
                        }
                    case .end:
                        if members.isEmpty || members[members.count - 1].ended { unbalanced = true } else { members[members.count - 1].ended = true }
                    }
                }
                offset = end
            }
            try parser.finish()
        } catch {
            self.error = error
        }
        self.members = members
        self.unbalanced = unbalanced
    }

    static func == (a: TarReading, b: TarReading) -> Bool {
        a.members == b.members && a.error?.code == b.error?.code && a.error?.message == b.error?.message && a.unbalanced == b.unbalanced
    }

    var description: String {
        "\(members.count) members (\(members.map(\.entry.path).joined(separator: ", ")))\(unbalanced ? ", unbalanced events" : ""), \(error.map { "\($0)" } ?? "no error")"
    }
}
