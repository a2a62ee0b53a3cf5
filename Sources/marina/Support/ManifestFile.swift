import Foundation
import MarinaCore

/// Finding and reading a manifest on disk, for the commands that take `[PATH]`.
enum ManifestFile {
    /// Resolves PATH (a manifest file or an app directory) to the manifest file.
    static func locate(_ path: String) throws(CLIError) -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .usage("\(path): no such file or directory")
        }
        let url = URL(fileURLWithPath: path)
        guard isDirectory.boolValue else { return url }
        let found = ManifestFormat.fileNames.map { url.appendingPathComponent($0) }.filter { FileManager.default.fileExists(atPath: $0.path) }
        guard let first = found.first else {
            throw .usage("\(path): no manifest found (looked for \(ManifestFormat.fileNames.joined(separator: ", ")))")
        }
        if found.count > 1 {
            Output.error(
                "marina: \(path) holds several manifests (\(found.map(\.lastPathComponent).joined(separator: ", "))); using \(first.lastPathComponent)"
            )
        }
        return first
    }

    /// Reads at most one byte more than the limit, so that a huge file is refused without
    /// being loaded.
    static func read(_ url: URL, limit: Int = DocumentLimits.default.maxBytes) throws(CLIError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw .usage("\(url.path): cannot be read")
        }
        defer { try? handle.close() }
        do {
            return Array(try handle.read(upToCount: limit + 1) ?? Data())
        } catch {
            throw .usage("\(url.path): cannot be read: \(error.localizedDescription)")
        }
    }

    static func load(_ path: String, context: ValidationContext = .init()) throws(CLIError) -> (URL, ManifestReport) {
        let url = try locate(path)
        let bytes = try read(url)
        return (url, ManifestLoader.load(bytes: bytes, fileName: url.lastPathComponent, context: context))
    }

    /// The default scope catalog, extended by the operator's file when one is named.
    static func catalog(extendedBy path: String?) throws(CLIError) -> ScopeCatalog {
        guard let path else { return .default }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .usage("\(path): no such scope catalog file")
        }
        let url = URL(fileURLWithPath: path)
        switch ScopeCatalogFile.extend(.default, with: try read(url), fileName: url.lastPathComponent) {
        case .success(let catalog): return catalog
        case .failure(let error):
            throw .usage("\(path) is not a valid scope catalog:\n" + error.problems.map { "  " + $0.description }.joined(separator: "\n"))
        }
    }
}
