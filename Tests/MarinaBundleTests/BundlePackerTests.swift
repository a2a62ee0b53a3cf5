import Foundation
import Testing

@testable import MarinaBundle

#if canImport(Glibc)
import Glibc
#endif

@Suite("Bundle packer")
struct BundlePackerTests {
    static let longDir = "long/" + String(repeating: "d", count: 60)
    static let longFile = longDir + "/" + String(repeating: "f", count: 60) + ".txt"
    static let binary: [UInt8] = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 3) } + [0, 0, 0xFF, 0x1F, 0x8B]

    /// An app directory with nested directories, an executable, links inside the bundle, a path
    /// longer than 100 bytes, an empty file and a binary file.
    static func makeApp(_ dir: TempDir, reversed: Bool = false) throws {
        var steps: [() throws -> Void] = [
            { try dir.write("README.md", "# app\n") },
            { try dir.write("bin/run.sh", "#!/bin/sh\nexec ./server\n", executable: true) },
            { try dir.write("src/lib/deep/module.swift", "let x = 1\n") },
            { try dir.write("empty.txt", []) },
            { try dir.write("data.bin", binary) },
            { try dir.write(longFile, "long\n") },
            { try dir.mkdir("src/empty-dir") },
            { try dir.symlink("lib", to: "src/lib") },
            { try dir.symlink("bin/readme", to: "../README.md") },
            { try dir.symlink("long/link", to: String(longFile.dropFirst("long/".count))) },
        ]
        if reversed { steps.reverse() }
        for step in steps { try step() }
    }

    static func expectedEntries() -> [String: TarEntry] {
        let entries = [
            TarEntry(path: "README.md", kind: .file, size: 6, mode: 0o644),
            TarEntry(path: "bin", kind: .directory, size: 0, mode: 0o755),
            TarEntry(path: "bin/run.sh", kind: .file, size: 24, mode: 0o755),
            TarEntry(path: "bin/readme", kind: .symlink(target: "../README.md"), size: 0, mode: 0o777),
            TarEntry(path: "src", kind: .directory, size: 0, mode: 0o755),
            TarEntry(path: "src/lib", kind: .directory, size: 0, mode: 0o755),
            TarEntry(path: "src/lib/deep", kind: .directory, size: 0, mode: 0o755),
            TarEntry(path: "src/lib/deep/module.swift", kind: .file, size: 10, mode: 0o644),
            TarEntry(path: "src/empty-dir", kind: .directory, size: 0, mode: 0o755),
            TarEntry(path: "empty.txt", kind: .file, size: 0, mode: 0o644),
            TarEntry(path: "data.bin", kind: .file, size: binary.count, mode: 0o644),
            TarEntry(path: "long", kind: .directory, size: 0, mode: 0o755),
            TarEntry(path: longDir, kind: .directory, size: 0, mode: 0o755),
            TarEntry(path: longFile, kind: .file, size: 5, mode: 0o644),
            TarEntry(path: "lib", kind: .symlink(target: "src/lib"), size: 0, mode: 0o777),
            TarEntry(path: "long/link", kind: .symlink(target: String(longFile.dropFirst("long/".count))), size: 0, mode: 0o777),
        ]
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.path, $0) })
    }

    @Test("pack then inspect gives the same paths, sizes, kinds, modes and contents")
    func roundTrip() throws {
        let app = try TempDir()
        let out = try TempDir()
        defer { app.cleanUp(); out.cleanUp() }
        try Self.makeApp(app)
        #expect(Self.longFile.utf8.count > 100)

        let result = try BundlePacker.pack(app.url, to: out.path("app.tar.gz"))
        #expect(result.files == 6)
        #expect(result.size == (try Data(contentsOf: result.url)).count)

        let wanted: Set<String> = ["README.md", "bin/run.sh", "empty.txt", "data.bin", Self.longFile]
        let summary = try BundleReader.inspect(result.url, files: wanted)
        let byPath = Dictionary(uniqueKeysWithValues: summary.entries.map { ($0.path, $0) })
        #expect(byPath.count == summary.entries.count, "no path twice")
        #expect(byPath == Self.expectedEntries())
        #expect(summary.unpackedBytes == 6 + 24 + 10 + 0 + Self.binary.count + 5)
        #expect(summary.files["README.md"] == Array("# app\n".utf8))
        #expect(summary.files["bin/run.sh"] == Array("#!/bin/sh\nexec ./server\n".utf8))
        #expect(summary.files["empty.txt"] == [])
        #expect(summary.files["data.bin"] == Self.binary)
        #expect(summary.files[Self.longFile] == Array("long\n".utf8))
        #expect(byPath["bin/run.sh"]?.isExecutable == true)
        #expect(byPath["README.md"]?.isExecutable == false)

        // Parents come before their children, and each directory's members are sorted.
        let paths = summary.entries.map(\.path)
        for (i, path) in paths.enumerated() where path.contains("/") {
            let parent = String(path[..<path.lastIndex(of: "/")!])
            #expect(paths[..<i].contains(parent), "\(parent) before \(path)")
        }
        #expect(paths.filter { !$0.contains("/") } == ["README.md", "bin", "data.bin", "empty.txt", "lib", "long", "src"])
    }

    @Test("the system tar agrees with what we wrote, long pax path included")
    func systemTarReadsBundle() throws {
        let app = try TempDir()
        let out = try TempDir()
        defer { app.cleanUp(); out.cleanUp() }
        try Self.makeApp(app)
        let result = try BundlePacker.pack(app.url, to: out.path("app.tar.gz"))
        try out.mkdir("x")
        let untar = try run("/usr/bin/tar", ["xzf", result.url.path, "-C", out.path("x").path])
        #expect(untar.status == 0, "\(untar.stderr)")
        #expect(try Array(Data(contentsOf: out.path("x/" + Self.longFile))) == Array("long\n".utf8))
        #expect(try Array(Data(contentsOf: out.path("x/data.bin"))) == Self.binary)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out.path("x/lib").path) == "src/lib")
        let mode = try FileManager.default.attributesOfItem(atPath: out.path("x/bin/run.sh").path)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o111 != 0 } == true)
    }

    @Test("packing twice gives byte-identical bundles with the same sha256, whatever the mtimes or creation order")
    func deterministic() throws {
        let app = try TempDir()
        let other = try TempDir()
        let out = try TempDir()
        defer { app.cleanUp(); other.cleanUp(); out.cleanUp() }
        try Self.makeApp(app)
        try Self.makeApp(other, reversed: true)

        let first = try BundlePacker.pack(app.url, to: out.path("1.tar.gz"))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 12345)], ofItemAtPath: app.path("README.md").path)
        let second = try BundlePacker.pack(app.url, to: out.path("2.tar.gz"))
        let third = try BundlePacker.pack(other.url, to: out.path("3.tar.gz"))

        let bytes1 = try Data(contentsOf: first.url)
        #expect(bytes1 == (try Data(contentsOf: second.url)))
        #expect(bytes1 == (try Data(contentsOf: third.url)))
        #expect(first.sha256 == second.sha256)
        #expect(first.sha256 == third.sha256)
        #expect(first.sha256.hasPrefix("sha256:"))
        #expect(first.sha256.count == "sha256:".count + 64)

        // The hash is the hash of the file's bytes.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [first.url.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect("sha256:" + output.prefix(64) == first.sha256)
        }

        // Packing over an existing file replaces it rather than appending.
        let again = try BundlePacker.pack(app.url, to: first.url)
        #expect(try Data(contentsOf: again.url) == bytes1)

        // A changed byte changes the hash.
        try app.write("README.md", "# App\n")
        #expect(try BundlePacker.pack(app.url, to: out.path("4.tar.gz")).sha256 != first.sha256)
    }

    @Test(".marinaignore is honoured: comments, !, dir/, /anchored, *.log, **/cache; .git/ and .marina/ are always left out")
    func ignoreFile() throws {
        let app = try TempDir()
        let out = try TempDir()
        defer { app.cleanUp(); out.cleanUp() }
        try app.write(
            ".marinaignore",
            """
            # comment: this line is not a pattern
            *.log
            !keep.log
            build/
            /secret.txt
            **/cache
            !.git/

            """)
        let kept = [
            ".marinaignore", "main.swift", "keep.log", "sub/keep.log", "sub/secret.txt", "other/build",
            "# comment: this line is not a pattern", "cached/file", ".gitignore",
        ]
        let ignored = [
            "app.log", "sub/deep/trace.log", "build/out.o", "sub/build/x/y.o", "secret.txt",
            "cache/a", "sub/deep/cache/b", ".git/HEAD", ".git/objects/ab/cdef", "sub/.git/config", ".marina/state.json",
        ]
        for path in kept + ignored where path != ".marinaignore" { try app.write(path, path) }

        let result = try BundlePacker.pack(app.url, to: out.path("app.tar.gz"))
        let summary = try BundleReader.inspect(result.url, files: [])
        let files = Set(summary.entries.filter { $0.kind == .file }.map(\.path))
        #expect(files == Set(kept))
        #expect(result.files == kept.count)
        let directories = Set(summary.entries.filter { $0.kind == .directory }.map(\.path))
        #expect(directories == ["sub", "sub/deep", "other", "cached"])
    }

    @Test("an ignored directory's contents are not even looked at")
    func ignoredDirectoryIsNotWalked() throws {
        let app = try TempDir()
        let out = try TempDir()
        defer { app.cleanUp(); out.cleanUp() }
        try app.write("main.swift", "x")
        // A FIFO and a link out of the bundle would both refuse the pack if they were visited.
        try app.mkdir("node_modules/.bin")
        #expect(mkfifo(app.path("node_modules/pipe").path, 0o644) == 0)
        try app.symlink("node_modules/.bin/escape", to: "/usr/bin/env")
        try app.write(".marinaignore", "node_modules/\n")
        let result = try BundlePacker.pack(app.url, to: out.path("app.tar.gz"))
        #expect(result.files == 2)
    }

    @Test("progress is monotonic and reaches the total")
    func progress() throws {
        let app = try TempDir()
        let out = try TempDir()
        defer { app.cleanUp(); out.cleanUp() }
        try Self.makeApp(app)
        try app.write("big.bin", pseudoRandomBytes(3 << 20))  // more than one 1 MiB read
        var calls: [(Int, Int)] = []
        _ = try BundlePacker.pack(app.url, to: out.path("app.tar.gz")) { done, total in calls.append((done, total)) }
        let total = 6 + 24 + 10 + Self.binary.count + 5 + (3 << 20)
        #expect(calls.count >= 4)
        #expect(calls.allSatisfy { $0.1 == total })
        #expect(calls.last.map { $0.0 } == total)
        #expect(zip(calls, calls.dropFirst()).allSatisfy { $0.0 <= $1.0 })
        #expect(calls.allSatisfy { $0.0 <= $0.1 })
    }

    @Test("an empty directory packs to a valid, empty bundle")
    func emptyDirectory() throws {
        let app = try TempDir()
        let out = try TempDir()
        defer { app.cleanUp(); out.cleanUp() }
        var calls: [(Int, Int)] = []
        let result = try BundlePacker.pack(app.url, to: out.path("app.tar.gz")) { calls.append(($0, $1)) }
        #expect(result.files == 0)
        #expect(try BundleReader.inspect(result.url, files: []).entries.isEmpty)
        #expect(calls.last.map { [$0.0, $0.1] } == [0, 0])
    }

    @Test("a FIFO in the app refuses the pack unless .marinaignore lists it")
    func fifo() throws {
        let app = try TempDir()
        let out = try TempDir()
        defer { app.cleanUp(); out.cleanUp() }
        try app.write("main.swift", "x")
        try app.mkdir("run")
        #expect(mkfifo(app.path("run/control.pipe").path, 0o644) == 0)
        expectRefusal(.unsupportedEntry) { _ = try BundlePacker.pack(app.url, to: out.path("app.tar.gz")) }

        try app.write(".marinaignore", "*.pipe\n")
        let result = try BundlePacker.pack(app.url, to: out.path("app.tar.gz"))
        let paths = try BundleReader.inspect(result.url, files: []).entries.map(\.path)
        #expect(paths == [".marinaignore", "main.swift", "run"])
    }

    @Test("a symlink pointing out of the app refuses the pack", arguments: ["../outside", "/etc/passwd", "sub/../../x", "../../.."])
    func symlinkOut(target: String) throws {
        let app = try TempDir()
        let out = try TempDir()
        defer { app.cleanUp(); out.cleanUp() }
        try app.write("main.swift", "x")
        try app.symlink("sub/escape", to: target.hasPrefix("/") ? target : "../" + target)
        expectRefusal(.unsafeLink, "sub/escape -> \(target)") { _ = try BundlePacker.pack(app.url, to: out.path("app.tar.gz")) }

        try app.write(".marinaignore", "escape\n")
        #expect(try BundlePacker.pack(app.url, to: out.path("app.tar.gz")).files == 2)
    }

    @Test("a dangling symlink inside the app is packed as a link")
    func danglingLink() throws {
        let app = try TempDir()
        let out = try TempDir()
        defer { app.cleanUp(); out.cleanUp() }
        try app.symlink("current", to: "releases/42")
        let result = try BundlePacker.pack(app.url, to: out.path("app.tar.gz"))
        #expect(
            try BundleReader.inspect(result.url, files: []).entries == [
                TarEntry(path: "current", kind: .symlink(target: "releases/42"), size: 0, mode: 0o777)
            ])
    }

    @Test("file names with spaces, unicode and tar-special characters survive")
    func unusualNames() throws {
        let app = try TempDir()
        let out = try TempDir()
        defer { app.cleanUp(); out.cleanUp() }
        let names = [
            "with space.txt", "ünïcödé/文件.txt", "-dash", "quote\"s", "back\\slash", "é-nfc", "e\u{301}-nfd-" + String(repeating: "x", count: 120),
        ]
        for name in names { try app.write(name, name) }
        let result = try BundlePacker.pack(app.url, to: out.path("app.tar.gz"))
        let summary = try BundleReader.inspect(result.url, files: Set(names))
        for name in names { #expect(summary.files[name] == Array(name.utf8), "\(name)") }
    }

    @Test("packing a missing directory is an I/O error")
    func missingDirectory() throws {
        let out = try TempDir()
        defer { out.cleanUp() }
        expectRefusal(.io) { _ = try BundlePacker.pack(out.path("nope"), to: out.path("app.tar.gz")) }
    }
}
