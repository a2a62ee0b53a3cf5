import Foundation
import Testing

@testable import MarinaBundle

/// Hostile archives, crafted byte by byte, must be refused with the right code.
@Suite("Bundle reader refusals")
struct BundleReaderTests {
    @Test("a well-formed crafted bundle is accepted (the refusals below are not the helper's fault)")
    func baseline() throws {
        let summary = try inspectTar(files: ["a/b.txt"]) { tar in
            tar.directory("a/")
            tar.file("a/b.txt", "hello")
            tar.symlink("a/link", to: "b.txt")
            tar.symlink("a/up", to: "../a/b.txt")
            tar.hardlink("a/hard", to: "a/b.txt")
            tar.end()
        }
        #expect(summary.entries.map(\.path) == ["a", "a/b.txt", "a/link", "a/up", "a/hard"])
        #expect(summary.files == ["a/b.txt": Array("hello".utf8)])
        #expect(summary.unpackedBytes == 5)
    }

    // MARK: Paths

    @Test(
        "paths that leave the bundle are refused",
        arguments: [
            "../evil", "/etc/passwd", "a/../../x", "a/../b", "./../x", "..", "a/b/../../../x", "//etc/passwd",
            // "/" + U+0301 is a single Character: the check must be on bytes, not Characters.
            "/\u{301}etc/passwd",
        ])
    func unsafePath(path: String) throws {
        expectRefusal(.unsafePath, "\(path.debugDescription)") {
            try inspectTar { tar in
                tar.file(path, "pwned")
                tar.end()
            }
        }
    }

    @Test("unsafe paths are refused in pax and GNU long names too")
    func unsafeLongPaths() throws {
        expectRefusal(.unsafePath) {
            try inspectTar { tar in
                tar.pax(["path": "ok/../../etc/cron.d/x"])
                tar.file("harmless", "x")
                tar.end()
            }
        }
        expectRefusal(.unsafePath) {
            try inspectTar { tar in
                tar.gnuLong("/root/.ssh/authorized_keys")
                tar.file("harmless", "x", magic: .gnu)
                tar.end()
            }
        }
        expectRefusal(.unsafePath) {
            try inspectTar { tar in
                tar.raw(TarBuilder.header(name: "passwd", prefix: "/etc"))
                tar.end()
            }
        }
    }

    @Test(
        "an entry listed twice is refused, however its path is spelled",
        arguments: [
            ("app.js", "app.js"), ("app.js", "./app.js"), ("a/b", "a//b"), ("dir/", "dir"),
        ])
    func duplicate(first: String, second: String) throws {
        expectRefusal(.unsafePath, "\(first) then \(second)") {
            try inspectTar { tar in
                if first.hasSuffix("/") { tar.directory(first) } else { tar.file(first, "one") }
                tar.file(second, "two")
                tar.end()
            }
        }
    }

    @Test("a file whose name is empty is refused")
    func emptyName() throws {
        expectRefusal(.unsafePath) {
            try inspectTar { tar in
                tar.file("./", "x")
                tar.end()
            }
        }
    }

    // MARK: Links

    @Test(
        "symlinks pointing out of the bundle are refused",
        arguments: [
            ("etc", "/etc"), ("link", "../.."), ("link", ".."), ("a/b/link", "../../../x"), ("link", "//etc"),
            ("link", "/\u{301}etc"),
            // "x/.." is not a no-op when x is itself a link; such targets are refused.
            ("link", "sub/../.."), ("link", "sub/d/../.."),
        ])
    func symlinkOut(path: String, target: String) throws {
        expectRefusal(.unsafeLink, "\(path) -> \(target)") {
            try inspectTar { tar in
                tar.symlink(path, to: target)
                tar.end()
            }
        }
    }

    @Test("a symlink with an empty target is refused")
    func emptySymlink() throws {
        expectRefusal(.unsafeLink) {
            try inspectTar { tar in
                tar.symlink("link", to: "")
                tar.end()
            }
        }
    }

    @Test("a long symlink target out of the bundle (pax linkpath, GNU 'K') is refused")
    func longSymlinkOut() throws {
        expectRefusal(.unsafeLink) {
            try inspectTar { tar in
                tar.pax(["linkpath": String(repeating: "../", count: 40) + "etc"])
                tar.symlink("link", to: "fine")
                tar.end()
            }
        }
        expectRefusal(.unsafeLink) {
            try inspectTar { tar in
                tar.gnuLong("/" + String(repeating: "x", count: 120), type: "K")
                tar.symlink("link", to: "fine")
                tar.end()
            }
        }
    }

    @Test("a chain of links that climbs out is refused: nothing may be written through a symlink")
    func symlinkChain() throws {
        // sub/d -> .. is the bundle root, so sub/d/e is root/e and e -> .. is the root's parent.
        expectRefusal(.unsafeLink) {
            try inspectTar { tar in
                tar.directory("sub/")
                tar.symlink("sub/d", to: "..")
                tar.symlink("sub/d/e", to: "..")
                tar.end()
            }
        }
        // Writing a file through a symlink that points elsewhere inside the bundle is refused too.
        expectRefusal(.unsafeLink) {
            try inspectTar { tar in
                tar.directory("real/")
                tar.symlink("alias", to: "real")
                tar.file("alias/x", "x")
                tar.end()
            }
        }
    }

    @Test("a hardlink to a path out of the bundle is refused", arguments: ["/etc/shadow", "../etc/shadow", "a/../../etc/shadow"])
    func hardlinkOut(target: String) throws {
        expectRefusal(.unsafeLink, "\(target)") {
            try inspectTar { tar in
                tar.file("a", "a")
                tar.hardlink("shadow", to: target)
                tar.end()
            }
        }
    }

    @Test("a hardlink to a file not earlier in the archive is refused")
    func hardlinkForward() throws {
        expectRefusal(.unsafeLink, "target comes later") {
            try inspectTar { tar in
                tar.hardlink("early", to: "late")
                tar.file("late", "x")
                tar.end()
            }
        }
        expectRefusal(.unsafeLink, "target is missing") {
            try inspectTar { tar in
                tar.hardlink("dangling", to: "nothing")
                tar.end()
            }
        }
        expectRefusal(.unsafeLink, "target is a directory") {
            try inspectTar { tar in
                tar.directory("d/")
                tar.hardlink("h", to: "d")
                tar.end()
            }
        }
        expectRefusal(.unsafeLink, "target is a symlink") {
            try inspectTar { tar in
                tar.file("f", "x")
                tar.symlink("s", to: "f")
                tar.hardlink("h", to: "s")
                tar.end()
            }
        }
    }

    // MARK: Entry kinds

    @Test("device files, FIFOs and other special members are refused", arguments: ["3", "4", "6", "S", "D", "V", "M", "N", "Z"] as [Character])
    func specialEntries(type: Character) throws {
        expectRefusal(.unsupportedEntry, "type \(type)") {
            try inspectTar { tar in
                tar.file("ok", "x")
                tar.special("dev/thing", type: type)
                tar.end()
            }
        }
    }

    // MARK: Corruption and truncation

    @Test("a header with a wrong checksum is refused")
    func wrongChecksum() throws {
        expectRefusal(.corrupt) {
            try inspectTar { tar in
                tar.raw(TarBuilder.header(name: "a", size: 1, checksumDelta: 1))
                tar.raw(Array("x".utf8) + TarBuilder.pad(1))
                tar.end()
            }
        }
        // A flipped byte anywhere in a good header breaks the checksum.
        var tar = TarBuilder()
        tar.file("innocent.txt", "x")
        tar.end()
        var bytes = tar.bytes
        bytes[3] ^= 0x20
        expectRefusal(.corrupt) { try inspectBytes(try gzip(bytes)) }
    }

    @Test("random bytes (not gzip) are refused as corrupt")
    func notGzip() throws {
        var bytes = pseudoRandomBytes(100_000, seed: 42)
        bytes[0] = 0x42  // make sure it does not start with the gzip magic by chance
        expectRefusal(.corrupt) { try inspectBytes(bytes) }
    }

    @Test("a valid gzip of random bytes (not tar) is refused as corrupt")
    func gzipNotTar() throws {
        expectRefusal(.corrupt) { try inspectBytes(try gzip(pseudoRandomBytes(100_000, seed: 7))) }
        // Text is not tar either.
        expectRefusal(.corrupt) { try inspectBytes(try gzip(Array(String(repeating: "name: app\n", count: 200).utf8))) }
    }

    @Test("a tarball cut in the middle of a file's data is truncated")
    func cutInData() throws {
        var tar = TarBuilder()
        tar.file("a.txt", "a")
        tar.file("big.bin", pseudoRandomBytes(10_000))
        tar.end()
        let cut = Array(tar.bytes.prefix(512 + 512 + 512 + 4000))
        expectRefusal(.truncated) { try inspectBytes(try gzip(cut)) }
    }

    @Test("a tarball cut in the middle of a header is truncated")
    func cutInHeader() throws {
        var tar = TarBuilder()
        tar.file("a.txt", "a")
        tar.file("b.txt", "b")
        let cut = Array(tar.bytes.prefix(1024 + 200))
        expectRefusal(.truncated) { try inspectBytes(try gzip(cut)) }
    }

    @Test("a tarball missing its end-of-archive blocks is truncated")
    func missingEnd() throws {
        var tar = TarBuilder()
        tar.file("a.txt", "a")
        expectRefusal(.truncated, "no zero block") { try inspectBytes(try gzip(tar.bytes)) }
        tar.raw([UInt8](repeating: 0, count: 512))
        expectRefusal(.truncated, "one zero block") { try inspectBytes(try gzip(tar.bytes)) }
    }

    @Test("a gzip stream cut short is truncated")
    func gzipCut() throws {
        var tar = TarBuilder()
        tar.file("a.bin", pseudoRandomBytes(50_000))
        tar.end()
        let compressed = try tar.gzipped()
        expectRefusal(.truncated, "cut in the deflate data") { try inspectBytes(Array(compressed.prefix(compressed.count / 2))) }
        expectRefusal(.truncated, "trailer missing") { try inspectBytes(Array(compressed.dropLast(8))) }
    }

    @Test("an empty file is refused")
    func emptyFile() throws {
        expectRefusal(.truncated) { try inspectBytes([]) }
    }

    @Test("data after the gzip stream is refused")
    func dataAfterGzip() throws {
        var tar = TarBuilder()
        tar.file("a.txt", "a")
        tar.end()
        let good = try tar.gzipped()
        #expect(try inspectBytes(good).entries.count == 1)
        expectRefusal(.corrupt, "junk") { try inspectBytes(good + Array("junk".utf8)) }
        expectRefusal(.corrupt, "zeros") { try inspectBytes(good + [0, 0, 0, 0]) }
        expectRefusal(.corrupt, "a second gzip member") { try inspectBytes(good + good) }

        // Past the reader's first read, so the junk arrives in a later chunk.
        var big = TarBuilder()
        big.file("noise.bin", pseudoRandomBytes(400_000, seed: 3))
        big.end()
        expectRefusal(.corrupt, "junk in a later chunk") { try inspectBytes(try big.gzipped() + Array("junk".utf8)) }
    }

    // MARK: Bombs

    @Test("a small gzip that expands past maxUnpackedBytes is refused")
    func zipBomb() throws {
        var tar = TarBuilder()
        tar.file("zeros", [UInt8](repeating: 0, count: 10 * 1024 * 1024))
        tar.end()
        let compressed = try gzip(tar.bytes, level: 9)
        #expect(compressed.count < 20_000)
        let limits = BundleLimits(maxUnpackedBytes: 1024 * 1024)
        expectRefusal(.tooLarge) { try inspectBytes(compressed, limits: limits) }
        // The same bundle is fine under the default limits.
        #expect(try inspectBytes(compressed).unpackedBytes == 10 * 1024 * 1024)
    }

    @Test("a bomb made of zero blocks after the end of the archive is refused too")
    func trailingZeroBomb() throws {
        var tar = TarBuilder()
        tar.file("a", "a")
        tar.end()
        tar.raw([UInt8](repeating: 0, count: 4 * 1024 * 1024))
        expectRefusal(.tooLarge) { try inspectBytes(try gzip(tar.bytes, level: 9), limits: BundleLimits(maxUnpackedBytes: 1024 * 1024)) }
    }

    @Test("more members than maxEntries is refused")
    func tooManyEntries() throws {
        let limits = BundleLimits(maxEntries: 50)
        expectRefusal(.tooLarge) {
            try inspectTar(limits: limits) { tar in
                for i in 0..<51 { tar.file("f\(i)", "") }
                tar.end()
            }
        }
        let summary = try inspectTar(limits: limits) { tar in
            for i in 0..<50 { tar.file("f\(i)", "") }
            tar.end()
        }
        #expect(summary.entries.count == 50)
    }

    @Test("a bundle larger than maxCompressedBytes is refused")
    func compressedLimit() throws {
        var tar = TarBuilder()
        tar.file("noise.bin", pseudoRandomBytes(100_000, seed: 9))
        tar.end()
        let compressed = try tar.gzipped()
        expectRefusal(.tooLarge) { try inspectBytes(compressed, limits: BundleLimits(maxCompressedBytes: 50_000)) }
        #expect(try inspectBytes(compressed, limits: BundleLimits(maxCompressedBytes: compressed.count)).entries.count == 1)
    }

    @Test("a requested file larger than maxFileBytes is refused")
    func requestedFileTooLarge() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        var tar = TarBuilder()
        tar.file("manifest.yaml", [UInt8](repeating: 0x61, count: 5000))
        tar.end()
        let url = try dir.write("b.tar.gz", try tar.gzipped())
        expectRefusal(.tooLarge) { _ = try BundleReader.inspect(url, files: ["manifest.yaml"], maxFileBytes: 4096) }
        // Not asking for it is fine.
        #expect(try BundleReader.inspect(url, files: [], maxFileBytes: 4096).entries.count == 1)
    }

    @Test("the reader hands out inflated data in bounded pieces")
    func boundedChunks() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        // 48 MB of zeros deflates ~1000:1, so one 256 KiB read would inflate to all of it at once.
        var tar = TarBuilder()
        tar.raw(TarBuilder.header(name: "zeros", size: 48 << 20))
        let compressor = try GzipCompressor(level: 9)
        var compressed = compressor.feed(tar.bytes)
        let block = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<48 { compressed += compressor.feed(block) }
        compressed += compressor.feed([UInt8](repeating: 0, count: 1024), finish: true)
        let url = try dir.write("b.tar.gz", compressed)
        var largest = 0
        var total = 0
        try BundleReader.scan(url) { event in
            if case .data(let bytes) = event {
                largest = max(largest, bytes.count)
                total += bytes.count
            }
        }
        #expect(total == 48 << 20)
        #expect(largest <= 20 << 20, "one piece of \(largest) bytes")
    }
}
