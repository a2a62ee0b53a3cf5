import Foundation
import MarinaCore

/// Paths of the repository, found from this file's location.
enum Repo {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }
    static func bytes(_ relative: String) throws -> [UInt8] { Array(try Data(contentsOf: url(relative))) }
}

func load(_ text: String, fileName: String? = nil) -> ManifestReport {
    ManifestLoader.load(text: text, fileName: fileName)
}

/// The (code, path) pairs of a report, for compact assertions.
func problems(_ report: ManifestReport) -> [String] {
    report.diagnostics.map { "\($0.code.rawValue) \($0.path)" }
}

let minimalNative = """
    apiVersion: marina/v1
    app:
      id: hello-app
      name: Hello
      version: 1.0.0
    runtime:
      command: [python3, server.py]
    """
