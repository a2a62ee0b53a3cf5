import ArgumentParser
import Foundation
import MarinaCore

struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Convert manifests and print the manifest schema.",
        subcommands: [Convert.self, Schema.self, Reference.self]
    )

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the native marina/v1 form of any accepted manifest, defaults filled in."
        )

        @Argument(help: "Manifest file or app directory.")
        var path: String = "."

        @Option(help: "yaml (default) or json (canonical JSON).")
        var output: OutputFormat = .yaml

        enum OutputFormat: String, ExpressibleByArgument { case yaml, json }

        func run() throws {
            let report: ManifestReport
            do { (_, report) = try ManifestFile.load(path) } catch { Output.exit(with: error) }
            guard let native = report.native, report.isValid else {
                for d in report.diagnostics { Output.error(d.description) }
                Output.exit(with: .failed("the manifest is invalid (\(report.diagnostics.count) errors); nothing converted"))
            }
            for note in report.notes { Output.error("note: \(note.description)") }
            let text = output == .yaml ? YAMLEmitter.emit(native) : report.canonicalJSON! + "\n"
            if text.utf8.count > DocumentLimits.default.maxBytes {
                Output.error(
                    "note: the converted manifest is \(text.utf8.count) bytes, over the \(DocumentLimits.default.maxBytes) a manifest file may have: validate and publish the original"
                )
            }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the JSON Schema of marina/v1.")
        func run() throws { Output.line(ManifestJSONSchema.text()) }
    }

    struct Reference: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the marina/v1 field reference (Markdown), as in docs/manifest.md.")
        func run() throws { FileHandle.standardOutput.write(Data(ManifestReference.markdown().utf8)) }
    }
}
