import Foundation
import Testing

@testable import MarinaBundle

#if canImport(Glibc)
import Glibc
#endif

/// What fuzzing the bundle reader found (docs/fuzzing.md): bundles that inspect accepted at
/// publish but that could not be unpacked at an instance's first call, and a pax header that
/// crashed the process reading it. A bundle is accepted only if it unpacks as listed.
@Suite("Bundle trees that inspect and extraction agree on")
struct BundleTreeTests {
    @Test("a pax record whose length is near Int.max is refused, not an arithmetic overflow")
    func paxLengthOverflow() throws {
        expectRefusedTar(.corrupt) { tar in
            tar.paxRaw(Array("6 a=b\n9223372036854775807 x=y\n".utf8))
            tar.file("f", "x")
        }
    }

    @Test("a member beneath a file is refused, whichever way the file's header spells it")
    func memberBeneathFile() throws {
        expectRefusedTar(.unsafePath) { tar in
            tar.file("a", "x")
            tar.file("a/b", "y")
        }
        // A regular-file header named "src/" is the file "src" (what the fuzzer found).
        expectRefusedTar(.unsafePath) { tar in
            tar.file("src/", "")
            tar.file("src/main.py", "y")
        }
        expectRefusedTar(.unsafePath, "beneath a hard link") { tar in
            tar.file("f", "x")
            tar.hardlink("h", to: "f")
            tar.file("h/x", "y")
        }
    }

    @Test("a file or link where a directory already is (a member beneath it came first) is refused")
    func fileWhereDirectoryIs() throws {
        expectRefusedTar(.unsafePath, "file") { tar in
            tar.file("a/b", "y")
            tar.file("a", "x")
        }
        expectRefusedTar(.unsafePath, "symlink") { tar in
            tar.file("a/b", "y")
            tar.symlink("a", to: "elsewhere")
        }
        // A directory named after its members is fine, in either order.
        let summary = try inspectTar { tar in
            tar.file("a/b", "y")
            tar.directory("a/")
            tar.end()
        }
        #expect(summary.entries.map(\.path) == ["a/b", "a"])
    }

    @Test("a name longer than 255 bytes and a link target of 4096 bytes or more are refused")
    func nameLimits() throws {
        expectRefusedTar(.unsafePath) { tar in
            tar.pax(["path": "dir/" + String(repeating: "n", count: 256)])
            tar.file("placeholder", "x")
        }
        expectRefusedTar(.unsafeLink) { tar in
            tar.pax(["linkpath": String(repeating: "t/", count: 2048)])
            tar.symlink("link", to: "placeholder")
        }
        // 255 bytes and 4095 bytes are fine.
        _ = try inspectTar { tar in
            tar.pax(["path": String(repeating: "n", count: 255)])
            tar.file("placeholder", "x")
            tar.pax(["linkpath": String(repeating: "t/", count: 2047) + "t"])
            tar.symlink("link", to: "placeholder")
            tar.end()
        }
    }

    @Test("names are compared byte for byte: é and e + U+0301 are two files, and a hard link to one is not a link to the other")
    func namesByBytes() throws {
        let summary = try inspectTar { tar in
            tar.file("\u{E9}", "composed")
            tar.file("e\u{301}", "decomposed")
            tar.end()
        }
        #expect(summary.entries.count == 2)
        expectRefusedTar(.unsafeLink) { tar in
            tar.file("e\u{301}", "decomposed")
            tar.hardlink("h", to: "\u{E9}")
        }
    }

    @Test("what checking member paths keeps is bounded: path bytes, and 64 bytes more per name in the tree")
    func pathBudget() throws {
        let limits = BundleLimits(maxPathBytes: 64 * 1024)
        // 40 members of 2 KB paths: 80 KB of path bytes.
        expectRefusal(.tooLarge, "path bytes") {
            try inspectTar(limits: limits) { tar in
                let names = Array(repeating: String(repeating: "p", count: 200), count: 10).joined(separator: "/")
                for n in 0..<40 { tar.pax(["path": "\(n)/" + names]); tar.directory("placeholder/") }
                tar.end()
            }
        }
        // One 2 KB path of one-letter names is 1,000 nodes of the tree: refused though its bytes are few.
        expectRefusal(.tooLarge, "names") {
            try inspectTar(limits: limits) { tar in
                tar.pax(["path": Array(repeating: "a", count: 1000).joined(separator: "/")])
                tar.directory("placeholder/")
                tar.end()
            }
        }
        // An ordinary bundle is far below the default.
        let summary = try inspectTar { tar in
            for n in 0..<2000 { tar.file("node_modules/pkg\(n / 100)/lib/file\(n).js", "x") }
            tar.end()
        }
        #expect(summary.entries.count == 2000)
    }

    @Test("a bundle whose paths come close to PATH_MAX unpacks wherever the data directory lies")
    func longPathsExtract() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        // 4,079 bytes of directories: with any destination prefix the whole path passes PATH_MAX.
        let deep = Array(repeating: String(repeating: "d", count: 203), count: 20).joined(separator: "/")
        var tar = TarBuilder()
        tar.pax(["path": deep + "/f"])
        tar.file("placeholder", "abc")
        tar.pax(["linkpath": deep + "/f"])
        tar.hardlink("copy", to: "placeholder")
        tar.pax(["path": deep + "/link"])
        tar.symlink("placeholder", to: "f")
        tar.end()
        let bundle = try dir.write("deep.tar.gz", try tar.gzipped())
        let out = dir.path("out")
        try BundleExtractor.extract(bundle, to: out)

        let root = open(out.path, O_RDONLY | O_DIRECTORY)
        #expect(root >= 0)
        defer { close(root) }
        func read(_ relative: String) -> String? {
            let fd = openat(root, relative, O_RDONLY)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 16)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            return n >= 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
        }
        #expect(read(deep + "/f") == "abc")
        #expect(read("copy") == "abc")
        #expect(read(deep + "/link") == "abc")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == ["deep.tar.gz", "out"])
    }

    @Test("an extraction that fails leaves nothing behind, however deep the tree it had made")
    func failedExtractionCleansUp() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        let deep = Array(repeating: String(repeating: "d", count: 203), count: 20).joined(separator: "/")
        var tar = TarBuilder()
        tar.pax(["path": deep + "/f"])
        tar.file("placeholder", "abc")
        // Incompressible, so that the deep file is written from the first 16 KiB read, long
        // before the end of the stream.
        tar.file("noise", pseudoRandomBytes(64 * 1024))
        tar.end()
        var gzipped = try tar.gzipped()
        // A wrong CRC-32 in the gzip trailer: the stream fails at its very end, after the files.
        gzipped[gzipped.count - 8] ^= 0xFF
        let bundle = try dir.write("broken.tar.gz", gzipped)
        expectRefusal(.corrupt) { try BundleExtractor.extract(bundle, to: dir.path("out")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["broken.tar.gz"])
    }
}

/// `expectRefusal` of a tar archive of `build`'s members (the end-of-archive marker added).
func expectRefusedTar(
    _ code: BundleErrorCode, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation, _ build: (inout TarBuilder) -> Void
) {
    expectRefusal(code, comment, sourceLocation: sourceLocation) {
        _ = try inspectTar { tar in
            build(&tar)
            tar.end()
        }
    }
}
