import AsyncHTTPClient
import Foundation
import MarinaCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The CLI's view of the public API: JSON in, JSON out, errors turned into one line and exit 1.
struct APIClient {
    /// The CLI's one HTTP client. Unlike `HTTPClient.shared`, it does not retry a refused
    /// connection until the connect timeout (90 s there; swift-server/async-http-client#743):
    /// with no server listening the command says so at once.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    let server: String
    let apiKey: String

    struct Reply {
        var status: Int
        var body: Data
        var json: JSONValue? {
            try? ManifestLoader.parseDocument(
                Array(body), fileName: "reply.json", limits: DocumentLimits(maxBytes: 64 << 20, maxDepth: 64, maxNodes: 5_000_000))
        }
    }

    func send(_ method: HTTPMethod, _ path: String, json: JSONValue? = nil) async throws(CLIError) -> JSONValue {
        var body: HTTPClientRequest.Body?
        if let json { body = .bytes(ByteBuffer(string: CanonicalJSON.string(json))) }
        let reply = try await raw(method, path, body: body, contentType: json == nil ? nil : "application/json")
        return try Self.check(reply)
    }

    /// Sends a file as the body, calling `progress` with bytes sent.
    func upload(
        _ path: String, file: URL, contentType: String, headers extra: [String: String], progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws(CLIError) -> JSONValue {
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        let chunks = FileChunks(url: file, total: size, progress: progress)
        let reply = try await raw(.POST, path, body: .stream(chunks, length: .known(Int64(size))), contentType: contentType, headers: extra)
        return try Self.check(reply)
    }

    func raw(
        _ method: HTTPMethod, _ path: String, body: HTTPClientRequest.Body? = nil, contentType: String? = nil, headers extra: [String: String] = [:]
    ) async throws(CLIError) -> Reply {
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer " + apiKey)
        request.headers.add(name: "Accept", value: "application/json")
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        request.body = body
        do {
            let response = try await Self.http.execute(request, timeout: .seconds(600))
            let buffer = try await response.body.collect(upTo: 256 << 20)
            return Reply(status: Int(response.status.code), body: Data(buffer: buffer))
        } catch {
            throw .failed("cannot reach marina at \(server) (\(error)); is `marina serve` running?")
        }
    }

    /// Reads a streamed NDJSON response line by line.
    func stream(_ path: String, _ onLine: (String) -> Void) async throws(CLIError) {
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        var request = HTTPClientRequest(url: base + path)
        request.headers.add(name: "Authorization", value: "Bearer " + apiKey)
        do {
            let response = try await Self.http.execute(request, timeout: .hours(24))
            guard response.status == .ok else {
                let body = try await response.body.collect(upTo: 1 << 20)
                _ = try Self.check(Reply(status: Int(response.status.code), body: Data(buffer: body)))
                return
            }
            var pending: [UInt8] = []
            for try await chunk in response.body {
                pending += chunk.readableBytesView
                while let newline = pending.firstIndex(of: 0x0A) {
                    onLine(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw .failed("cannot reach marina at \(server) (\(error)); is `marina serve` running?")
        }
    }

    static func check(_ reply: Reply) throws(CLIError) -> JSONValue {
        if (200..<300).contains(reply.status) { return reply.json ?? .null }
        if let error = reply.json?["error"], let code = error["code"]?.stringValue {
            var message = "\(error["message"]?.stringValue ?? "request failed") [\(code)]"
            if case .array(let details)? = error["details"] {
                for d in details {
                    if let path = d["path"]?.stringValue, let m = d["message"]?.stringValue, let c = d["code"]?.stringValue {
                        message += "\n  \(path.isEmpty ? "/" : path): \(m) [\(c)]"
                    }
                }
            }
            throw .failed(message)
        }
        throw .failed("the server answered \(reply.status): \(String(decoding: reply.body.prefix(500), as: UTF8.self))")
    }
}

/// A file read in 1 MiB chunks for a streamed upload.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let url: URL
    let total: Int
    let progress: @Sendable (Int, Int) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?
        let total: Int
        let progress: @Sendable (Int, Int) -> Void
        var sent = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let handle, let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty else {
                try? handle?.close()
                return nil
            }
            sent += chunk.count
            progress(sent, total)
            return ByteBuffer(data: chunk)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(handle: FileHandle(forReadingAtPath: url.path), total: total, progress: progress)
    }
}
