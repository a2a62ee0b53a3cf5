import Foundation

/// Runs the built `marina` binary (`MARINA_BIN`, or `.build/debug/marina`; `scripts/test` builds
/// it first) and captures its output.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["MARINA_BIN"] { return URL(fileURLWithPath: path) }
        return root.appendingPathComponent(".build/debug/marina")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `marina-sandbox` helper built beside it.
    static var helper: URL { binary.deletingLastPathComponent().appendingPathComponent("marina-sandbox") }

    static func run(
        _ arguments: [String], in directory: URL? = nil, stdin: Data? = nil, environment: [String: String] = [:], executable: URL? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable ?? binary
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? root
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("marina-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
