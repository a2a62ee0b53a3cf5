import Foundation
import Hummingbird
import Logging
import NIOCore

/// Serves a `MarinaApp` over HTTP with Hummingbird: on `MARINA_SOCKET` when it is set (the
/// platform's sandbox gives one), else on 127.0.0.1:`PORT` (else the manifest's port).
public enum AppServer {
    /// Largest request body accepted (a bigger one answers `413 body_too_large`).
    public static let maxBodyBytes = 16 << 20

    /// Where `run()` listens for this environment and manifest.
    public static func address(for app: MarinaApp) -> BindAddress {
        if let socket = app.environment["MARINA_SOCKET"], !socket.isEmpty { return .unixDomainSocket(path: socket) }
        return .hostname("127.0.0.1", port: app.environment["PORT"].flatMap(Int.init) ?? app.manifest.runtime.port)
    }

    /// The Hummingbird application answering the contract; `onRunning` gets the bound port (nil on a socket).
    public static func application(
        _ app: MarinaApp, address: BindAddress? = nil, onRunning: @escaping @Sendable (Int?) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let address = address ?? self.address(for: app)
        if case .some(let path) = app.environment["MARINA_SOCKET"], address == .unixDomainSocket(path: path) { unlink(path) }
        var logger = Logger(label: "marina-kit") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .notice
        return Application(
            responder: ContractResponder(app: app),
            configuration: .init(address: address, serverName: app.manifest.app.id),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port) },
            logger: logger
        )
    }

    struct ContractResponder: HTTPResponder {
        typealias Context = BasicRequestContext
        let app: MarinaApp

        func respond(to request: Request, context: Context) async throws -> Response {
            let answer: AppResponse
            do {
                let body = try await request.body.collect(upTo: AppServer.maxBodyBytes)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                answer = await app.handle(method: request.method.rawValue, path: request.uri.path, headers: headers, body: Array(buffer: body))
            } catch {
                answer = .error(413, "body_too_large", "the request body is larger than \(AppServer.maxBodyBytes) bytes")
            }
            var fields = HTTPFields()
            for (name, value) in answer.headers { if let name = HTTPFields.Element.Name(name) { fields[name] = value } }
            let body = request.method == .head ? ByteBuffer() : ByteBuffer(bytes: answer.body)
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: body))
        }
    }
}

extension MarinaApp {
    /// Serves the contract until SIGTERM or SIGINT.
    public func run() async throws {
        let application = AppServer.application(self) { port in
            FileHandle.standardError.write(
                Data(
                    "\(self.manifest.app.id) \(self.manifest.app.version) is serving\(port.map { " on 127.0.0.1:\($0)" } ?? " on \(self.environment["MARINA_SOCKET"] ?? "")")\n"
                        .utf8))
        }
        try await application.runService()
    }
}
