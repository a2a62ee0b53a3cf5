import Foundation
import MarinaSandbox
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 origin on `127.0.0.1` for tests that need something real to reach (egress,
/// `http_fetch`, operator endpoints): it reads each request whole (head and `Content-Length`
/// body), records it, and answers with what `respond` returns, closing the connection.
public final class LoopbackHTTPServer: Sendable {
    public let port: Int
    private let listener: Int32
    private let log = RequestLog()

    final class RequestLog: Sendable {
        let all = Mutex<[String]>([])
    }

    /// `respond` gets the raw request and returns (status line text, content type, body).
    public init(respond: @escaping @Sendable (String) -> (status: String, contentType: String, body: String)) {
        let (fd, port) = Self.listenOnLoopback()
        (listener, self.port) = (fd, port)
        let log = self.log
        Sockets.acceptEach(fd) { c in
            let request = Self.readRequest(c)
            log.all.withLock { $0.append(request) }
            let (status, type, text) = respond(request)
            let body = Array(text.utf8)
            let reply = Array("HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
            _ = reply.withUnsafeBytes { write(c, $0.baseAddress, $0.count) }
            close(c)
        }
    }

    /// The raw requests received so far.
    public var requests: [String] { log.all.withLock { $0 } }

    /// Stops accepting; the accept loop closes the socket.
    public func stop() { shutdown(listener, Int32(SHUT_RDWR)) }

    public static func readRequest(_ fd: Int32) -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data += buffer[0..<n]
            let text = String(decoding: data, as: UTF8.self)
            guard let split = text.range(of: "\r\n\r\n") else { continue }
            let declared =
                text[..<split.lowerBound].lowercased().components(separatedBy: "\r\n")
                .first { $0.hasPrefix("content-length:") }.flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
            if text[split.upperBound...].utf8.count >= declared { break }
        }
        return String(decoding: data, as: UTF8.self)
    }
}

extension LoopbackHTTPServer {
    /// A listening TCP socket on `127.0.0.1` at a free port, and the port.
    public static func listenOnLoopback() -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        listen(fd, 16)
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
