/// Why an instance could not be started or reached. Raw values are API error codes.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case sandboxUnavailable = "sandbox_unavailable"
        case startFailed = "instance_start_failed"
        case unhealthy = "instance_unhealthy"
        case manifestMismatch = "instance_manifest_mismatch"
        case failed = "instance_failed"
        case noCommand = "no_start_command"
        case unreachable = "instance_unreachable"
        case timeout = "tool_timeout"
    }

    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(message) [\(code.rawValue)]" }
}
