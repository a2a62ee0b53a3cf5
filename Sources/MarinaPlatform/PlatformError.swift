import MarinaCore

/// A refusal or failure of a platform operation, with a stable code. The HTTP layer renders it
/// once as `{"error": {"code", "message"}}` with the status its kind implies.
public struct PlatformError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case invalid  // 400
        case unauthorized  // 401
        case forbidden  // 403
        case notFound  // 404
        case conflict  // 409
        case tooLarge  // 413
        case unsupportedMediaType  // 415
        case unprocessable  // 422
        case tooManyRequests  // 429
        case unavailable  // 503
        case badGateway  // 502: the app answered badly
        case gatewayTimeout  // 504: the app did not answer in time
        case internalError  // 500
    }

    public var kind: Kind
    public var code: ErrorCode
    public var message: String
    /// Structured detail, e.g. the manifest's diagnostics.
    public var details: JSONValue?

    public init(_ kind: Kind, _ code: ErrorCode, _ message: String, details: JSONValue? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func notFound(_ what: String) -> PlatformError { PlatformError(.notFound, .notFound, "\(what) was not found") }
    public static func forbidden(_ message: String) -> PlatformError { PlatformError(.forbidden, .forbidden, message) }
    public static func invalid(_ message: String, code: ErrorCode = .invalidRequest) -> PlatformError { PlatformError(.invalid, code, message) }
}
