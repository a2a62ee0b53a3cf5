import MarinaCore

/// An error MarinaKit raises on purpose, with a stable code: a manifest that does not validate, a
/// handler that breaks a registration rule, a refused invocation token, a bad mock document.
public struct MarinaKitError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidManifest = "invalid_manifest"
        /// The manifest declares no tool of that name.
        case unknownTool = "unknown_tool"
        /// Not one of `install`, `uninstall`, `user_added`, `inbound`.
        case unknownEvent = "unknown_event"
        /// A lifecycle event the manifest's `events` does not enable.
        case eventNotEnabled = "event_not_enabled"
        case unknownSchedule = "unknown_schedule"
        case unknownWebhook = "unknown_webhook"
        case duplicateHandler = "duplicate_handler"
        case invalidToken = "invalid_token"
        case invalidMock = "invalid_mock"
    }

    public var code: Code
    public var message: String
    /// The manifest's problems, for `invalidManifest`.
    public var diagnostics: [ManifestDiagnostic]

    public init(_ code: Code, _ message: String, diagnostics: [ManifestDiagnostic] = []) {
        self.code = code
        self.message = message
        self.diagnostics = diagnostics
    }

    public var description: String {
        ([message + " [\(code.rawValue)]"] + diagnostics.map { "  " + $0.description }).joined(separator: "\n")
    }
}

/// A platform tool call the platform refused (`{"ok": false, "error": {...}}`), or that could not
/// be made: the decision (`scope_denied`, `unknown_tool`, `invalid_args`, `rate_limited`,
/// `budget_exhausted`, `platform_error`), its message, and the scopes that would allow it.
public struct ToolCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public var decision: String
    public var message: String
    public var neededScopes: [String]
    public var tool: String?

    public init(decision: String, message: String, neededScopes: [String] = [], tool: String? = nil) {
        self.decision = decision
        self.message = message
        self.neededScopes = neededScopes
        self.tool = tool
    }

    public var description: String {
        let head = (tool.map { "\($0): " } ?? "") + "\(decision): \(message)"
        return neededScopes.isEmpty ? head : head + " (needs \(neededScopes.joined(separator: ", ")))"
    }

    /// Reads the `error` object of an app-tools answer.
    init(answer: JSONValue?, tool: String?) {
        let decision = answer?["decision"]?.stringValue ?? "platform_error"
        self.init(
            decision: decision, message: answer?["message"]?.stringValue ?? decision,
            neededScopes: answer?["needed_scopes"]?.arrayValue?.compactMap(\.stringValue) ?? [], tool: tool)
    }
}

/// Thrown by a handler to answer with an error the tenant may see: `{"error": {"code", "message"}}`
/// with `status` (default 400). Any other error a handler throws answers `500 app_error` with the
/// first line of its description.
public struct AppError: Error, Sendable, Equatable {
    public var code: String
    public var message: String
    public var status: Int

    public init(_ code: String, _ message: String, status: Int = 400) {
        self.code = code
        self.message = message
        self.status = status
    }
}
