import Foundation
import Testing

@testable import MarinaBundle

/// Bundles made by GNU tar (`/usr/bin/tar czf`), as a partner might upload them.
@Suite("Archives from the system tar", .enabled(if: isGNUTar(), "needs GNU tar at /usr/bin/tar"))
struct SystemTarTests {
    /// 167 bytes, but each part short enough for ustar's prefix (155) and name (100).
    static let longName = "assets/" + String(repeating: "very-long-directory-name-", count: 3) + "/" + String(repeating: "file", count: 20) + ".txt"
    static let longTarget = "./" + longName

    static func makeTree(_ dir: TempDir, longLink: Bool = true) throws {
        try dir.write("app/main.sh", "#!/bin/sh\necho hi\n", executable: true)
        try dir.write("app/" + longName, "long content\n")
        try dir.write("app/data.bin", pseudoRandomBytes(70_000, seed: 11))
        try dir.write("app/empty", [])
        try dir.mkdir("app/empty-dir")
        if longLink { try dir.symlink("app/link-to-long", to: longTarget) }
        try dir.symlink("app/assets/up", to: "../main.sh")
        // Two names for one inode: tar stores the second as a hardlink ('1') to the first.
        try FileManager.default.linkItem(at: dir.path("app/data.bin"), to: dir.path("app/hard.bin"))
    }

    func tarAndInspect(format: String) throws -> BundleReader.Summary {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        // ustar cannot store a link target over 100 bytes.
        try Self.makeTree(dir, longLink: format != "ustar")
        #expect(Self.longName.utf8.count > 100)
        let archive = dir.path("bundle.tar.gz").path
        let result = try run("/usr/bin/tar", ["--format=\(format)", "--sort=name", "-czf", archive, "-C", dir.path("app").path, "."])
        #expect(result.status == 0, "\(result.stderr)")
        return try BundleReader.inspect(URL(fileURLWithPath: archive), files: ["main.sh", Self.longName, "data.bin", "empty"])
    }

    func check(_ summary: BundleReader.Summary, format: String) throws {
        let byPath = Dictionary(summary.entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byPath.count == summary.entries.count, "\(format): no path twice")
        #expect(byPath[""] == nil, "\(format): ./ is not an entry")
        #expect(byPath["main.sh"] == TarEntry(path: "main.sh", kind: .file, size: 18, mode: 0o755), "\(format)")
        #expect(byPath[Self.longName] == TarEntry(path: Self.longName, kind: .file, size: 13, mode: 0o644), "\(format)")
        #expect(byPath["data.bin"] == TarEntry(path: "data.bin", kind: .file, size: 70_000, mode: 0o644), "\(format)")
        #expect(byPath["empty"] == TarEntry(path: "empty", kind: .file, size: 0, mode: 0o644), "\(format)")
        #expect(byPath["empty-dir"]?.kind == .directory, "\(format)")
        #expect(byPath["assets"]?.kind == .directory, "\(format)")
        #expect(byPath["link-to-long"]?.kind == .symlink(target: Self.longTarget), "\(format)")
        #expect(byPath["assets/up"]?.kind == .symlink(target: "../main.sh"), "\(format)")
        #expect(byPath["hard.bin"]?.kind == .hardlink(target: "data.bin"), "\(format)")
        #expect(summary.files["main.sh"] == Array("#!/bin/sh\necho hi\n".utf8), "\(format)")
        #expect(summary.files[Self.longName] == Array("long content\n".utf8), "\(format)")
        #expect(summary.files["data.bin"] == pseudoRandomBytes(70_000, seed: 11), "\(format)")
        #expect(summary.files["empty"] == [], "\(format)")
    }

    @Test("GNU format: long names and link targets come in 'L'/'K' headers")
    func gnuFormat() throws {
        let summary = try tarAndInspect(format: "gnu")
        try check(summary, format: "gnu")
    }

    @Test("pax format: long names come in 'x' headers")
    func paxFormat() throws {
        let summary = try tarAndInspect(format: "pax")
        try check(summary, format: "pax")
    }

    @Test("ustar format: long names are split into prefix and name")
    func ustarFormat() throws {
        let summary = try tarAndInspect(format: "ustar")
        let byPath = Dictionary(summary.entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byPath[Self.longName]?.size == 13)
        #expect(summary.files[Self.longName] == Array("long content\n".utf8))
    }

    @Test("GNU tar's own headers prove the 'L' path is exercised")
    func gnuUsesLongLinkHeaders() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        try Self.makeTree(dir)
        let archive = dir.path("bundle.tar")
        let result = try run("/usr/bin/tar", ["--format=gnu", "--sort=name", "-cf", archive.path, "-C", dir.path("app").path, "."])
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = try Array(Data(contentsOf: archive))
        var types: [UInt8] = []
        var offset = 0
        var parser = TarParser()
        // Walk the raw headers alongside the parser to see which types GNU tar used.
        try parser.feed(bytes) { _ in }
        try parser.finish()
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<offset + 512]
            if header.allSatisfy({ $0 == 0 }) { break }
            types.append(header[header.startIndex + 156])
            let sizeField = String(decoding: header[(header.startIndex + 124)..<(header.startIndex + 135)], as: UTF8.self)
            let size = Int(sizeField.trimmingCharacters(in: CharacterSet(charactersIn: " \0")), radix: 8) ?? 0
            let hasData = [UInt8(ascii: "0"), UInt8(ascii: "L"), UInt8(ascii: "K"), 0].contains(header[header.startIndex + 156])
            offset += 512 + (hasData ? (size + 511) / 512 * 512 : 0)
        }
        #expect(types.contains(UInt8(ascii: "L")))
        #expect(types.contains(UInt8(ascii: "K")))
        #expect(types.contains(UInt8(ascii: "1")))
    }

    @Test("a GNU tar with a path out of the bundle is refused")
    func gnuTarWithDotDot() throws {
        let dir = try TempDir()
        defer { dir.cleanUp() }
        try dir.write("outside.txt", "x")
        try dir.write("app/main.sh", "x")
        let archive = dir.path("bundle.tar.gz").path
        // -P keeps the leading ../ that tar would otherwise strip.
        let result = try run("/usr/bin/tar", ["--format=gnu", "-P", "-czf", archive, "-C", dir.path("app").path, "main.sh", "../outside.txt"])
        #expect(result.status == 0, "\(result.stderr)")
        expectRefusal(.unsafePath) { _ = try BundleReader.inspect(URL(fileURLWithPath: archive), files: []) }
    }
}

/// Whether /usr/bin/tar is GNU tar (bsdtar knows neither --format=gnu nor --sort).
func isGNUTar() -> Bool {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tar") else { return false }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
    process.arguments = ["--version"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return output.contains("GNU tar")
}
