import Foundation
import Testing

@testable import MarinaBundle

@Suite("Tar parser")
struct TarParserTests {
    /// A small archive with every accepted kind of member.
    static func sampleTar() -> [UInt8] {
        var tar = TarBuilder()
        tar.directory("app/")
        tar.file("app/main.sh", "#!/bin/sh\necho hi\n", mode: 0o755)
        tar.file("app/empty", [])
        tar.file("app/blob", pseudoRandomBytes(1500))
        tar.symlink("app/current", to: "main.sh")
        tar.hardlink("app/again", to: "app/main.sh")
        tar.file("./app//dotted/./x", "x")
        tar.end()
        return tar.bytes
    }

    @Test("members, kinds, sizes, modes and data come out as written")
    func readsMembers() throws {
        let events = try parseAll(Self.sampleTar(), chunk: 1 << 20)
        #expect(
            events == [
                .begin(TarEntry(path: "app", kind: .directory, size: 0, mode: 0o755)), .end,
                .begin(TarEntry(path: "app/main.sh", kind: .file, size: 18, mode: 0o755)), .data(Array("#!/bin/sh\necho hi\n".utf8)), .end,
                .begin(TarEntry(path: "app/empty", kind: .file, size: 0, mode: 0o644)), .end,
                .begin(TarEntry(path: "app/blob", kind: .file, size: 1500, mode: 0o644)), .data(pseudoRandomBytes(1500)), .end,
                .begin(TarEntry(path: "app/current", kind: .symlink(target: "main.sh"), size: 0, mode: 0o777)), .end,
                .begin(TarEntry(path: "app/again", kind: .hardlink(target: "app/main.sh"), size: 0, mode: 0o644)), .end,
                .begin(TarEntry(path: "app/dotted/x", kind: .file, size: 1, mode: 0o644)), .data([UInt8(ascii: "x")]), .end,
            ])
    }

    @Test("the chunking of the input does not change the events", arguments: [1, 3, 100, 511, 512, 513, 4096])
    func chunkingDoesNotMatter(chunk: Int) throws {
        let tar = Self.sampleTar()
        #expect(try parseAll(tar, chunk: chunk) == parseAll(tar, chunk: tar.count))
    }

    @Test("pax path, linkpath and size records override the header")
    func paxOverrides() throws {
        let longPath = "deep/" + String(repeating: "p", count: 150) + "/file.txt"
        let longTarget = String(repeating: "t", count: 120)
        var tar = TarBuilder()
        tar.pax(["path": longPath, "mtime": "1700000000.5", "comment": "a = sign and\nnewline"])
        tar.file("truncated-name", "content")
        tar.pax(["linkpath": longTarget])
        tar.symlink("ln", to: "ignored")
        tar.paxRaw(Array("22 comment=global one\n".utf8), type: UInt8(ascii: "g"))
        tar.pax(["size": "3"])
        // The header claims 0 bytes; the pax size (3) wins.
        tar.raw(TarBuilder.header(name: "sized", size: 0))
        tar.raw(Array("abc".utf8) + TarBuilder.pad(3))
        tar.end()
        let events = try parseAll(tar.bytes, chunk: 512)
        #expect(
            events == [
                .begin(TarEntry(path: longPath, kind: .file, size: 7, mode: 0o644)), .data(Array("content".utf8)), .end,
                .begin(TarEntry(path: "ln", kind: .symlink(target: longTarget), size: 0, mode: 0o777)), .end,
                .begin(TarEntry(path: "sized", kind: .file, size: 3, mode: 0o644)), .data(Array("abc".utf8)), .end,
            ])
    }

    @Test("GNU long names ('L') and long link targets ('K')")
    func gnuLongNames() throws {
        let longPath = String(repeating: "n", count: 180)
        let longTarget = String(repeating: "m", count: 140)
        var tar = TarBuilder()
        tar.gnuLong(longPath)
        tar.file(String(longPath.prefix(100)), "ok", magic: .gnu)
        tar.gnuLong(longTarget, type: "K")
        tar.gnuLong("link-" + longPath)
        tar.raw(TarBuilder.header(name: "ignored", type: UInt8(ascii: "2"), mode: 0o777, link: String(longTarget.prefix(100)), magic: .gnu))
        tar.end()
        let events = try parseAll(tar.bytes, chunk: 700)
        #expect(
            events == [
                .begin(TarEntry(path: longPath, kind: .file, size: 2, mode: 0o644)), .data(Array("ok".utf8)), .end,
                .begin(TarEntry(path: "link-" + longPath, kind: .symlink(target: longTarget), size: 0, mode: 0o777)), .end,
            ])
    }

    @Test("a POSIX ustar prefix is joined to the name")
    func ustarPrefix() throws {
        var tar = TarBuilder()
        tar.raw(TarBuilder.header(name: "file.txt", size: 0, prefix: "some/prefix/dir"))
        tar.end()
        #expect(
            try parseAll(tar.bytes, chunk: 512) == [
                .begin(TarEntry(path: "some/prefix/dir/file.txt", kind: .file, size: 0, mode: 0o644)), .end,
            ])
    }

    @Test("a GNU header's atime/ctime (where ustar keeps its prefix) is not read as a prefix")
    func gnuHeaderHasNoPrefix() throws {
        var tar = TarBuilder()
        // GNU tar --incremental writes atime and ctime at offsets 345 and 357.
        tar.raw(
            TarBuilder.header(
                name: "file.txt", size: 0, magic: .gnu, extra: [(345, Array("14712345670\0".utf8)), (357, Array("14712345670\0".utf8))]))
        tar.end()
        #expect(
            try parseAll(tar.bytes, chunk: 512) == [
                .begin(TarEntry(path: "file.txt", kind: .file, size: 0, mode: 0o644)), .end,
            ])
    }

    @Test("a GNU base-256 size field is read")
    func base256Size() throws {
        var header = TarBuilder.header(name: "big", size: 0)
        // Size 5 in base-256: top bit set, then big-endian bytes.
        for i in 124..<136 { header[i] = 0 }
        header[124] = 0x80
        header[135] = 5
        for i in 148..<156 { header[i] = 0x20 }
        let digits = String(header.reduce(0) { $0 + Int($1) }, radix: 8)
        for (i, b) in (String(repeating: "0", count: 6 - digits.count) + digits).utf8.enumerated() { header[148 + i] = b }
        header[154] = 0
        var tar = TarBuilder()
        tar.raw(header + Array("12345".utf8) + TarBuilder.pad(5))
        tar.end()
        #expect(
            try parseAll(tar.bytes, chunk: 512) == [
                .begin(TarEntry(path: "big", kind: .file, size: 5, mode: 0o644)), .data(Array("12345".utf8)), .end,
            ])
    }

    @Test("extra zero blocks after the end (tar's record padding) are fine")
    func recordPadding() throws {
        var tar = TarBuilder()
        tar.file("a", "a")
        tar.end()
        tar.raw([UInt8](repeating: 0, count: 10240 - tar.bytes.count % 10240))
        #expect(try parseAll(tar.bytes, chunk: 1000).count == 3)
    }

    // MARK: - Refusals at the parser level

    @Test("a header after the end-of-archive blocks is refused")
    func memberAfterEnd() throws {
        var tar = TarBuilder()
        tar.file("a", "a")
        tar.end()
        tar.file("smuggled", "b")
        tar.end()
        expectRefusal(.corrupt) { _ = try parseAll(tar.bytes, chunk: 512) }
    }

    @Test("non-zero bytes after the end-of-archive blocks are refused, even less than a block")
    func partialGarbageAfterEnd() throws {
        var tar = TarBuilder()
        tar.file("a", "a")
        tar.end()
        tar.raw(Array("garbage".utf8))
        expectRefusal(.corrupt) { _ = try parseAll(tar.bytes, chunk: 512) }
    }

    @Test("a header after a single zero block is refused")
    func headerAfterOneZeroBlock() throws {
        var tar = TarBuilder()
        tar.file("a", "a")
        tar.raw([UInt8](repeating: 0, count: 512))
        tar.file("b", "b")
        tar.end()
        expectRefusal(.corrupt) { _ = try parseAll(tar.bytes, chunk: 512) }
    }

    @Test(
        "malformed pax records are refused, not trapped on",
        arguments: [
            "1 x", "2 a=b\n", "5 a=b\n", "9999 a=b\n", "x a=b\n", "0 a=b\n", "6 a=bc", "-6 a=b\n", "7 a=b\n1 ",
        ])
    func malformedPax(record: String) throws {
        var tar = TarBuilder()
        tar.paxRaw(Array(record.utf8))
        tar.file("a", "a")
        tar.end()
        expectRefusal(.corrupt, "\(record.debugDescription)") { _ = try parseAll(tar.bytes, chunk: 512) }
    }

    @Test("a pax size that is not a non-negative number is refused", arguments: ["-5", "abc", "", " 3", "99999999999999999999999"])
    func badPaxSize(size: String) throws {
        var tar = TarBuilder()
        tar.pax(["size": size])
        tar.file("a", "")
        tar.end()
        expectRefusal(.corrupt, "\(size.debugDescription)") { _ = try parseAll(tar.bytes, chunk: 512) }
    }

    @Test("a malformed octal number is refused")
    func badOctal() throws {
        var tar = TarBuilder()
        tar.raw(TarBuilder.header(name: "a", size: 0, extra: [(124, Array("0000000009x\0".utf8))]))
        tar.end()
        expectRefusal(.corrupt) { _ = try parseAll(tar.bytes, chunk: 512) }
    }

    @Test("an oversized extended header is refused before it is collected")
    func hugeExtendedHeader() throws {
        var tar = TarBuilder()
        tar.raw(TarBuilder.header(name: "././@PaxHeader", type: UInt8(ascii: "x"), size: 2 << 20))
        expectRefusal(.corrupt) { _ = try parseAll(tar.bytes, chunk: 512) }
    }

    @Test("maxEntries counts members, not extended headers")
    func entryCount() throws {
        var tar = TarBuilder()
        for i in 0..<3 {
            tar.pax(["comment": "\(i)"])
            tar.file("f\(i)", "")
        }
        tar.end()
        #expect(try parseAll(tar.bytes, chunk: 512, maxEntries: 3).count == 6)
        expectRefusal(.tooLarge) { _ = try parseAll(tar.bytes, chunk: 512, maxEntries: 2) }
    }
}
