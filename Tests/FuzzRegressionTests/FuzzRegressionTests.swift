import Foundation
import FuzzChecks
import Testing

/// The fuzz targets' checks (Fuzz/Checks), run in the normal test build on every input a fuzz
/// run once stopped on (Fuzz/regressions), on the committed seeds, and on the conformance
/// manifests: what fuzzing found stays fixed without a fuzzing build.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Files under `relative` (recursively), as paths relative to the repository.
    static func files(_ relative: String, extensions: Set<String>? = nil) -> [String] {
        let base = root.appendingPathComponent(relative)
        guard let walker = FileManager.default.enumerator(atPath: base.path) else { return [] }
        return walker.compactMap { $0 as? String }
            .filter { name in
                var isDirectory: ObjCBool = false
                FileManager.default.fileExists(atPath: base.appendingPathComponent(name).path, isDirectory: &isDirectory)
                return !isDirectory.boolValue && (extensions.map { $0.contains((name as NSString).pathExtension) } ?? true)
            }
            .map { relative + "/" + $0 }
            .sorted()
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(relative)))
    }

    @Test(
        "the manifest loader passes its fuzz checks on each manifest regression and seed",
        arguments: files("Fuzz/regressions/manifest") + files("Fuzz/corpus/manifest"))
    func manifestInput(path: String) throws {
        try ManifestCheck.run(try Self.bytes(path))
    }

    @Test(
        "the manifest loader passes its fuzz checks on each conformance manifest, read as the file it is",
        arguments: files("conformance/manifests", extensions: ["yaml", "json"]).filter { $0.split(separator: "/").count > 3 })
    func conformanceManifest(path: String) throws {
        try ManifestCheck.check(try Self.bytes(path), fileName: (path as NSString).lastPathComponent)
    }

    @Test(
        "the bundle reader and extractor pass their fuzz checks on each bundle regression and seed",
        arguments: files("Fuzz/regressions/bundle") + files("Fuzz/corpus/bundle"))
    func bundleInput(path: String) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("marina-fuzz-regression-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try BundleCheck(workDirectory: work).run(try Self.bytes(path))
    }
}
