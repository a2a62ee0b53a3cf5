import Foundation
import HTTPTypes
import Hummingbird
import MarinaCore
import MarinaPlatform
import NIOCore
import NIOHTTP1

/// The one place errors become responses: `{"error": {"code", "message"[, "details"]}}`.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var code: ErrorCode
    var message: String
    var details: JSONValue?
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status, code: ErrorCode, message: String, details: JSONValue? = nil) {
        (self.status, self.code, self.message, self.details) = (status, code, message, details)
    }

    init(_ error: PlatformError) {
        let status: HTTPResponse.Status
        switch error.kind {
        case .invalid: status = .badRequest
        case .unauthorized: status = .unauthorized
        case .forbidden: status = .forbidden
        case .notFound: status = .notFound
        case .conflict: status = .conflict
        case .tooLarge: status = .contentTooLarge
        case .unsupportedMediaType: status = .unsupportedMediaType
        case .unprocessable: status = .unprocessableContent
        case .tooManyRequests: status = .tooManyRequests
        case .unavailable: status = .serviceUnavailable
        case .badGateway: status = .badGateway
        case .gatewayTimeout: status = .gatewayTimeout
        case .internalError: status = .internalServerError
        }
        self.init(status: status, code: error.code, message: error.message, details: error.details)
        if error.kind == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if error.kind == .tooManyRequests { headers[.retryAfter] = "1" }
    }

    var body: JSONValue {
        var error: JSONObject = JSONObject([("code", .string(code.rawValue)), ("message", .string(message))])
        if let details { error["details"] = details }
        return .object(JSONObject([("error", .object(error))]))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: CanonicalJSON.string(body) + "\n")))
    }
}

/// Turns every error thrown below it into an `APIError`, so that the framework's own errors (404
/// for an unknown route, 413 for an oversized body, bad JSON) have the same shape as ours, and
/// unexpected ones never leak their details.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPParserError {
            // The request itself is not valid HTTP/1.1 (a malformed chunked body, a body cut off
            // by the client): left to the server, which answers 400 and closes the connection,
            // whose framing can no longer be trusted.
            throw error
        } catch let error as PlatformError {
            if error.kind == .internalError { context.logger.error("request failed", metadata: ["error": .string(error.description)]) }
            throw APIError(error)
        } catch let error as HTTPError {
            let code: ErrorCode
            switch error.status {
            case .notFound: code = .notFound
            case .contentTooLarge: code = .payloadTooLarge
            case .methodNotAllowed: code = .methodNotAllowed
            case .unsupportedMediaType: code = .unsupportedMediaType
            default: code = error.status.code < 500 ? .invalidRequest : .internal
            }
            throw APIError(status: error.status, code: code, message: error.body ?? error.status.reasonPhrase)
        } catch is NIOTooManyBytesError {
            // A body read whole (`collect(upTo:)`, JSON decoding) past its limit. The error's
            // `maxBytes` is what was left after the first buffer, not the limit: not shown.
            throw APIError(status: .contentTooLarge, code: .payloadTooLarge, message: "the request body is larger than this endpoint accepts")
        } catch let error as LifecycleError {
            // Two requests raced for one thing (an upgrade of an install being uninstalled, say).
            throw APIError(status: .conflict, code: error.code, message: error.description)
        } catch is DecodingError {
            throw APIError(status: .badRequest, code: .invalidRequest, message: "the request body is not the JSON this endpoint expects")
        } catch {
            context.logger.error("request failed", metadata: ["error": .string(String(describing: error))])
            throw APIError(status: .internalServerError, code: .internal, message: "internal error; the server log has the details")
        }
    }
}
