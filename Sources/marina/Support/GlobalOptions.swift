import ArgumentParser
import Foundation
import MarinaServer

/// Options of every command that talks to a server.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("server"), help: "Marina's URL (env MARINA_SERVER; default: the server in ./.marina, else http://127.0.0.1:7070).")
    var server: String?

    @Option(name: .customLong("api-key"), help: "API key (env MARINA_API_KEY; default: ./.marina/admin.key).")
    var apiKey: String?

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    var resolvedServer: String {
        if let server { return server }
        if let env = ProcessInfo.processInfo.environment["MARINA_SERVER"], !env.isEmpty { return env }
        let info = DataDirectory(url: URL(fileURLWithPath: DataDirectory.defaultPath)).serveInfo
        if let data = try? Data(contentsOf: info), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let url = object["url"] as? String
        {
            return url
        }
        return "http://127.0.0.1:7070"
    }

    func resolvedKey() throws(CLIError) -> String {
        if let apiKey { return apiKey }
        if let env = ProcessInfo.processInfo.environment["MARINA_API_KEY"], !env.isEmpty { return env }
        let file = DataDirectory(url: URL(fileURLWithPath: DataDirectory.defaultPath)).adminKey
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        throw .usage("no API key: pass --api-key, set MARINA_API_KEY, or run where ./.marina/admin.key exists")
    }

    func client() throws(CLIError) -> APIClient {
        APIClient(server: resolvedServer, apiKey: try resolvedKey())
    }
}
