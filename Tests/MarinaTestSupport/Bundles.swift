import Foundation
import MarinaBundle
import MarinaCore

/// Bundles built in the tests: an app directory packed by the real packer, or hostile archives
/// assembled header by header.
public enum Bundles {
    public static func manifest(app: String = "hello-app", version: String = "1.0.0", extra: String = "") -> String {
        """
        apiVersion: marina/v1
        app: {id: \(app), name: Hello, version: \(version)}
        runtime: {command: [python3, server.py]}
        tools: [{name: greet}]
        \(extra)
        """
    }

    public static func pack(
        manifest: String, fileName: String = "marina.app.yaml", files: [String: String] = ["server.py": "print('hi')\n"]
    ) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marina-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try manifest.write(to: dir.appendingPathComponent(fileName), atomically: true, encoding: .utf8)
        for (name, content) in files { try content.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let out = dir.appendingPathExtension("tar.gz")
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try BundlePacker.pack(dir, to: out)
        return Array(try Data(contentsOf: out))
    }

    public static func hash(of manifest: String) -> String { ManifestLoader.load(text: manifest, fileName: "marina.app.yaml").hash! }

    /// A tar.gz of raw members (path, type, content), for archives the packer would never make.
    public static func raw(_ members: [(path: String, kind: TarEntry.Kind, content: String)], end: Bool = true) throws -> [UInt8] {
        var tar: [UInt8] = []
        for m in members {
            tar += TarWriter.header(path: m.path, kind: m.kind, size: m.content.utf8.count, executable: false)
            tar += Array(m.content.utf8) + TarWriter.padding(forSize: m.content.utf8.count)
        }
        if end { tar += TarWriter.end }
        let gzip = try GzipCompressor()
        return gzip.feed(tar, finish: true)
    }
}
