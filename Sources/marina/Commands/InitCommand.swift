import ArgumentParser
import Foundation
import MarinaCore

/// `marina init SLUG --lang L`: a new app from Marina's template for L (templates/L): manifest,
/// handler, unit tests in mock mode, a `build` script and a `.marinaignore`. It passes the
/// contract suite and publishes as it is.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Scaffold a new app: manifest, handler, tests, build script, .marinaignore.")
    static let languages = ["python", "typescript", "swift"]

    @Argument(help: "The app's id (^[a-z][a-z0-9-]{2,63}$); also the directory created.") var slug: String
    @Option(help: "python, typescript or swift.") var lang: String
    @Option(help: "Where to create the app (default: ./SLUG).") var directory: String?
    @Option(help: "The app's display name (default: from the id).") var name: String?

    func run() throws {
        do throws(CLIError) {
            guard Slug.isValid(slug) else {
                throw .usage("\"\(slug)\" is not an app id: lower-case letters, digits and -, 3–64 characters, starting with a letter")
            }
            guard Self.languages.contains(lang) else { throw .usage("--lang takes \(Self.languages.joined(separator: ", "))") }
            let home = try MarinaHome.locate()
            let target = URL(fileURLWithPath: directory ?? slug).standardizedFileURL
            if let existing = try? FileManager.default.contentsOfDirectory(atPath: target.path), !existing.isEmpty {
                throw .failed("\(target.path) exists and is not empty; nothing was written")
            }
            // SwiftPM names a path dependency after its directory.
            let values = [
                "slug": slug, "name": name ?? Self.displayName(slug), "marina_home": home.url.path,
                "marina_package": home.url.lastPathComponent.lowercased(),
            ]
            let written = try Self.render(template: home.templates.appendingPathComponent(lang), into: target, values: values)
            Output.line("created \(slug) (\(lang)) in \(target.path): \(written.joined(separator: ", "))")
            Output.line("next:")
            Output.line("  cd \(directory ?? slug) && ./build && marina conformance --app . && marina dev")
        } catch { Output.exit(with: error) }
    }

    /// "invoice-triage" → "Invoice Triage".
    static func displayName(_ slug: String) -> String {
        slug.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }

    /// Copies a template tree: `__slug__` in a path and `{{key}}` in a file become their values;
    /// modes (the executable bit of `build`) are kept. The relative paths written, in order.
    static func render(template: URL, into target: URL, values: [String: String]) throws(CLIError) -> [String] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: template, includingPropertiesForKeys: [.isDirectoryKey], options: []) else {
            throw .failed("no template at \(template.path)")
        }
        var written: [String] = []
        do {
            try fm.createDirectory(at: target, withIntermediateDirectories: true)
            var files: [URL] = []
            for case let url as URL in walker where (try url.resourceValues(forKeys: [.isDirectoryKey])).isDirectory != true { files.append(url) }
            for source in files.sorted(by: { $0.path < $1.path }) {
                let relative = String(source.standardizedFileURL.path.dropFirst(template.standardizedFileURL.path.count + 1))
                let path = relative.replacingOccurrences(of: "__slug__", with: values["slug"] ?? "")
                let destination = target.appendingPathComponent(path)
                try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                var text = try String(contentsOf: source, encoding: .utf8)
                for (key, value) in values { text = text.replacingOccurrences(of: "{{\(key)}}", with: value) }
                try text.write(to: destination, atomically: true, encoding: .utf8)
                let mode = (try fm.attributesOfItem(atPath: source.path)[.posixPermissions] as? Int) ?? 0o644
                try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: destination.path)
                written.append(path)
            }
        } catch {
            throw .failed("cannot write the app into \(target.path): \(error.localizedDescription)")
        }
        return written
    }
}
