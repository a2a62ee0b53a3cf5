import Foundation
import MarinaBundle
import MarinaCore

/// Packs an app directory and uploads it as a new version: what `publish` does, and `dev` on
/// every change.
enum Publisher {
    /// The manifest to publish: its file, its (valid) report.
    struct Source {
        var directory: URL
        var manifestFile: URL
        var report: ManifestReport
        var manifest: Manifest
        var hash: String
        /// Files whose content is published instead of the disk's (a dev manifest).
        var replacing: [String: [UInt8]] = [:]
    }

    /// The app in `path` with its manifest validated (against `catalog`: the operator's scopes
    /// when the platform runs with `serve --scopes`); an invalid manifest prints its diagnostics.
    static func load(_ path: String, catalog: ScopeCatalog = .default) throws(CLIError) -> Source {
        let manifestURL = try ManifestFile.locate(path)
        let report = ManifestLoader.load(
            bytes: try ManifestFile.read(manifestURL), fileName: manifestURL.lastPathComponent,
            context: ValidationContext(catalog: catalog))
        guard let manifest = report.manifest, let hash = report.hash, report.isValid else {
            for d in report.diagnostics { Output.error(d.description) }
            throw .failed("\(manifestURL.lastPathComponent) is invalid (\(report.diagnostics.count) errors); nothing was published")
        }
        for note in report.notes { Output.error("note: \(note.description)") }
        return Source(directory: manifestURL.deletingLastPathComponent(), manifestFile: manifestURL, report: report, manifest: manifest, hash: hash)
    }

    /// Packs and uploads; the server's reply (app, version, hashes, size).
    static func publish(_ source: Source, client: APIClient, progress: ProgressLine) async throws(CLIError) -> JSONValue {
        let app = source.manifest.app.id
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("marina-\(app)-\(UUID().uuidString).tar.gz")
        defer { try? FileManager.default.removeItem(at: output) }
        let packed: BundlePacker.Result
        do {
            packed = try BundlePacker.pack(source.directory, to: output, replacing: source.replacing) { done, total in
                progress.show("packing", done, total)
            }
        } catch {
            throw .failed("cannot pack \(source.directory.path): \(error)")
        }
        progress.finish("packed \(packed.files) files into \(ProgressLine.size(packed.size))")
        let reply = try await client.upload(
            "/api/v1/apps/\(app)/versions", file: output, contentType: "application/gzip",
            headers: ["X-Marina-Manifest-Hash": source.hash]
        ) { sent, total in progress.show("uploading", sent, total) }
        progress.finish("uploaded \(ProgressLine.size(packed.size))")
        return reply
    }
}
