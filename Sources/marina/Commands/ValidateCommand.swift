import ArgumentParser
import Foundation
import MarinaCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a manifest (marina/v1, linkworld.ai/v2 or OpenSail 2025-02).",
        discussion: """
            PATH is a manifest file or an app directory (searched for \(ManifestFormat.fileNames.joined(separator: ", "))).
            Exit status: 0 valid, 1 invalid, 2 unreadable or usage.
            """
    )

    @Argument(help: "Manifest file or app directory.")
    var path: String = "."

    @Flag(help: "Print one JSON object: {valid, format, hash, errors, notes}.")
    var json = false

    @Option(name: .customLong("scopes"), help: "An operator's scope catalog file that extends the default catalog.")
    var scopeCatalog: String?

    func run() throws {
        let report: ManifestReport
        do {
            let catalog = try ManifestFile.catalog(extendedBy: scopeCatalog)
            (_, report) = try ManifestFile.load(path, context: ValidationContext(catalog: catalog))
        } catch {
            if json {
                Output.line(
                    CanonicalJSON.string([
                        "valid": false, "format": nil,
                        "errors": [
                            ["code": "unreadable", "path": "", "message": .string(error.description)]
                        ], "notes": [],
                    ]))
            }
            Output.exit(with: error)
        }
        if json {
            var out: JSONObject = [
                "valid": .bool(report.isValid),
                "format": report.format.map { .string($0.rawValue) } ?? .null,
                "errors": .array(
                    report.diagnostics.map { ["code": .string($0.code.rawValue), "path": .string($0.path), "message": .string($0.message)] }),
                "notes": .array(report.notes.map { ["code": .string($0.code.rawValue), "path": .string($0.path), "message": .string($0.message)] }),
            ]
            if let hash = report.hash { out["hash"] = .string(hash) }
            Output.line(CanonicalJSON.string(.object(out)))
        } else if let manifest = report.manifest, report.isValid {
            Output.line("valid \(report.format!.rawValue) manifest: \(manifest.app.id) \(manifest.app.version) \(report.hash!)")
            for note in report.notes { Output.line("note: \(note.description)") }
        } else {
            for d in report.diagnostics { Output.line(d.description) }
            Output.error("\(report.diagnostics.count) error\(report.diagnostics.count == 1 ? "" : "s")")
        }
        if !report.isValid { throw ExitCode(1) }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}
