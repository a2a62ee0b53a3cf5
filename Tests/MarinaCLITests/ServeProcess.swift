import Foundation

/// A real `marina serve` on a free loopback port, in its own data directory.
final class ServeProcess: @unchecked Sendable {
    let process: Process
    let data: URL
    let log: URL
    private(set) var url: String = ""

    /// Starts serve and waits until it answers; `extra` adds options (e.g. `--database`).
    init(data: URL, extra: [String] = []) throws {
        self.data = data
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        log = data.deletingLastPathComponent().appendingPathComponent(data.lastPathComponent + "-serve-\(UUID().uuidString.prefix(8)).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--data", data.path, "--listen", "127.0.0.1:0"] + extra
        process.currentDirectoryURL = data.deletingLastPathComponent()
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try? FileManager.default.removeItem(at: data.appendingPathComponent("serve.json"))
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let info = try? Data(contentsOf: data.appendingPathComponent("serve.json")),
                let object = try? JSONSerialization.jsonObject(with: info) as? [String: Any],
                let url = object["url"] as? String, (object["pid"] as? Int).map({ Int32($0) == process.processIdentifier }) == true
            {
                self.url = url
                return
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        if process.isRunning { process.terminate() }
        throw ServeError(message: "marina serve did not start: \(output)")
    }

    var adminKey: String {
        ((try? String(contentsOf: data.appendingPathComponent("admin.key"), encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// SIGTERM, then wait; returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

struct ServeError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
