import ArgumentParser
import MarinaCore

struct ScopesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scopes",
        abstract: "List the scope catalog: each scope, what it allows and the platform tools it gates."
    )

    @Option(name: .customLong("scopes"), help: "An operator's scope catalog file that extends the default catalog.")
    var scopeCatalog: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let catalog: ScopeCatalog
        do { catalog = try ManifestFile.catalog(extendedBy: scopeCatalog) } catch { Output.exit(with: error) }
        if json {
            Output.line(
                CanonicalJSON.string(
                    .array(
                        catalog.scopes.map {
                            ["name": .string($0.name), "description": .string($0.description), "tools": .array($0.tools.map(JSONValue.string))]
                        })))
            return
        }
        let width = catalog.scopes.map(\.name.count).max() ?? 0
        for scope in catalog.scopes {
            Output.line(
                scope.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + scope.description + " [" + scope.tools.joined(separator: ", ")
                    + "]")
        }
    }
}
