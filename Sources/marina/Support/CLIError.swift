import ArgumentParser
import Foundation

/// A failure the CLI reports in one line and turns into an exit code: `usage` (2) for bad
/// invocations and unreadable inputs, `failed` (1) for refused or failed operations.
struct CLIError: Error, CustomStringConvertible {
    enum Kind { case usage, failed }
    var kind: Kind
    var description: String

    static func usage(_ message: String) -> CLIError { CLIError(kind: .usage, description: message) }
    static func failed(_ message: String) -> CLIError { CLIError(kind: .failed, description: message) }
}

enum Output {
    /// A reader that went away (`marina audit --json | head`) ends the command quietly, as
    /// with any Unix tool, instead of crashing on EPIPE.
    static func line(_ text: String) {
        do { try FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8)) } catch { Foundation.exit(0) }
    }
    static func error(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

    /// Reports the error on stderr and exits with its code.
    static func exit(with error: CLIError) -> Never {
        self.error("marina: " + error.description)
        Foundation.exit(error.kind == .usage ? 2 : 1)
    }
}
