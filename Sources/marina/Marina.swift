import ArgumentParser
import Foundation
import MarinaCore
import MarinaSandbox

@main
struct Marina: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marina",
        abstract: "Marina runs partner apps for the tenants of a SaaS.",
        subcommands: [
            ServeCommand.self, InitCommand.self, DevCommand.self, ValidateCommand.self, ManifestCommand.self, ScopesCommand.self, PublishCommand.self,
            DeployCommand.self,
            AppsCommand.self, VersionsCommand.self, TenantsCommand.self, KeysCommand.self, WhoamiCommand.self,
            InstallCommand.self, UninstallCommand.self, UpgradeCommand.self, InvokeCommand.self, EventCommand.self,
            InstancesCommand.self, LogsCommand.self, SecretsCommand.self, AuditCommand.self, ConformanceCommand.self, BenchAuditCommand.self,
        ]
    )

    /// SPEC §7 exit codes: 0 success, 1 refused or failed, 2 usage (ArgumentParser's own usage
    /// errors would exit 64).
    static func main() async {
        if let status = InternalCommand.runIfInternal(CommandLine.arguments) { Foundation.exit(status) }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            Output.exit(with: error)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                FileHandle.standardError.write(Data((message + "\n").utf8))
            }
            Foundation.exit(code.rawValue == 0 || code.rawValue == 1 ? code.rawValue : 2)
        }
    }
}
