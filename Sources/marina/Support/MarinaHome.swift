import Foundation

/// Marina's source tree, where `init` finds its templates and the SDKs its apps vendor:
/// `MARINA_HOME`, else the checkout the running binary was built in (the nearest parent of the
/// executable holding `templates/` and `sdk/`), else `/usr/local/share/marina`.
struct MarinaHome {
    let url: URL

    var templates: URL { url.appendingPathComponent("templates") }

    static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> MarinaHome {
        if let home = environment["MARINA_HOME"], !home.isEmpty {
            let url = URL(fileURLWithPath: home).standardizedFileURL
            guard isHome(url) else { throw .failed("MARINA_HOME=\(home) holds no Marina templates/ and sdk/") }
            return MarinaHome(url: url)
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            if isHome(dir) { return MarinaHome(url: dir) }
            dir = dir.deletingLastPathComponent()
        }
        let shared = URL(fileURLWithPath: "/usr/local/share/marina")
        if isHome(shared) { return MarinaHome(url: shared) }
        throw .failed("cannot find Marina's templates and SDKs: set MARINA_HOME to a Marina checkout")
    }

    static func isHome(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("templates").path)
            && FileManager.default.fileExists(atPath: url.appendingPathComponent("sdk").path)
    }
}
