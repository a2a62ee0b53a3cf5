import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Delivers one message to an SMTP relay: EHLO (HELO when EHLO is refused), MAIL FROM, RCPT TO
/// for each recipient, DATA, QUIT. Plain SMTP without TLS or AUTH — the relay is the operator's
/// own MTA (typically on loopback), which delivers onward. Blocking sockets on a thread of its own,
/// each step bounded by `timeout`.
public struct SMTPClient: Sendable {
    /// Why a delivery did not happen. `transient` (a 4xx reply, an unreachable or silent relay)
    /// means the same message may succeed later; otherwise (a 5xx reply) it never will.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var transient: Bool
        public var message: String
        public var description: String { message }
    }

    public let host: String
    public let port: Int
    /// The name this client gives itself in EHLO.
    public let heloName: String
    public let timeout: Duration

    public init(host: String, port: Int, heloName: String = "marina", timeout: Duration = .seconds(30)) {
        (self.host, self.port, self.heloName, self.timeout) = (host, port, heloName, timeout)
    }

    /// Parses `HOST:PORT` (`[::1]:25` for IPv6); nil when it is not one.
    public init?(relay: String, heloName: String = "marina", timeout: Duration = .seconds(30)) {
        guard let colon = relay.lastIndex(of: ":"), let port = Int(relay[relay.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        var host = String(relay[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
        self.init(host: host, port: port, heloName: heloName, timeout: timeout)
    }

    /// Sends `message` (headers and body, CRLF line ends) from `sender` to `recipients`; returns
    /// the relay's final answer to DATA (its queue id, usually).
    public func send(from sender: String, to recipients: [String], message: [UInt8]) async throws(Failure) -> String {
        let result: Result<String, Failure> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    returning: Result { () throws(Failure) -> String in try self.sendBlocking(from: sender, to: recipients, message: message) })
            }
        }
        return try result.get()
    }

    private func sendBlocking(from sender: String, to recipients: [String], message: [UInt8]) throws(Failure) -> String {
        let connection = try Connection(host: host, port: port, timeout: timeout)
        defer { connection.close() }
        try connection.expect(220, after: "connecting")
        do {
            try connection.command("EHLO \(heloName)", expect: 250)
        } catch  where !error.transient {
            try connection.command("HELO \(heloName)", expect: 250)
        }
        try connection.command("MAIL FROM:<\(sender)>", expect: 250)
        for recipient in recipients {
            try connection.command("RCPT TO:<\(recipient)>", expect: 250, 251)
        }
        try connection.command("DATA", expect: 354)
        try connection.write(Self.dotStuffed(message))
        let accepted = try connection.expect(250, after: "the message")
        try? connection.command("QUIT", expect: 221)
        return accepted
    }

    /// The DATA payload: every line starting with "." gets another one, the message ends with
    /// CRLF, then the terminating ".\r\n" (RFC 5321 §4.5.2).
    public static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 64)
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") { out.append(byte) }
            out.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        if !out.isEmpty && !(out.count >= 2 && out[out.count - 2] == 13 && out[out.count - 1] == 10) { out += [13, 10] }
        return out + Array(".\r\n".utf8)
    }

    /// One TCP connection to the relay, read a line at a time.
    private final class Connection {
        let fd: Int32
        let relay: String
        var buffer: [UInt8] = []

        init(host: String, port: Int, timeout: Duration) throws(Failure) {
            relay = "\(host):\(port)"
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_family = AF_UNSPEC
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
                throw Failure(transient: true, message: "the SMTP relay \(host) cannot be resolved")
            }
            defer { freeaddrinfo(list) }
            var candidate: UnsafeMutablePointer<addrinfo>? = first
            var connected: Int32 = -1
            var lastError = ECONNREFUSED
            while let info = candidate, connected < 0 {
                candidate = info.pointee.ai_next
                let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
                guard fd >= 0 else { lastError = errno; continue }
                if Self.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, timeout: timeout) {
                    connected = fd
                } else {
                    lastError = errno; Glibc.close(fd)
                }
            }
            guard connected >= 0 else {
                throw Failure(transient: true, message: "cannot connect to the SMTP relay \(relay): \(String(cString: strerror(lastError)))")
            }
            fd = connected
            var wait = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        }

        /// A connect bounded by `timeout` (non-blocking connect, then poll).
        private static func connect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t, timeout: Duration) -> Bool {
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            if Glibc.connect(fd, address, length) != 0 {
                guard errno == EINPROGRESS else { return false }
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let millis = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
                guard poll(&poller, 1, millis) == 1 else { errno = ETIMEDOUT; return false }
                var failure: Int32 = 0
                var size = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size)
                guard failure == 0 else { errno = failure; return false }
            }
            _ = fcntl(fd, F_SETFL, flags)
            return true
        }

        func close() { Glibc.close(fd) }

        func write(_ bytes: [UInt8]) throws(Failure) {
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw Failure(transient: true, message: "the SMTP relay \(relay) stopped accepting data") }
                sent += n
            }
        }

        func command(_ line: String, expect codes: Int...) throws(Failure) {
            try write(Array((line + "\r\n").utf8))
            let verb = line.split(separator: " ").first.map(String.init) ?? line
            try expect(codes, after: verb == "MAIL" || verb == "RCPT" ? line : verb)
        }

        @discardableResult
        func expect(_ codes: Int..., after step: String) throws(Failure) -> String { try expect(codes, after: step) }

        /// Reads one reply (possibly multi-line: `250-…` lines up to a `250 …` one) and checks its
        /// code; a 4xx is transient, a 5xx permanent, anything else is a confused relay (transient).
        @discardableResult
        func expect(_ codes: [Int], after step: String) throws(Failure) -> String {
            var text: [String] = []
            while true {
                let line = try readLine()
                guard line.count >= 3, let code = Int(line.prefix(3)) else {
                    throw Failure(
                        transient: true, message: "the SMTP relay \(relay) answered \(step) with a line that is not SMTP: \(line.prefix(120))")
                }
                text.append(String(line.dropFirst(4)))
                if line.count > 3 && line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }
                let reply = "\(code) " + text.joined(separator: " ")
                if codes.contains(code) { return reply }
                throw Failure(transient: !(500...599).contains(code), message: "the SMTP relay \(relay) answered \(step) with \(reply.prefix(300))")
            }
        }

        private func readLine() throws(Failure) -> String {
            while true {
                if let end = buffer.firstIndex(of: 10) {
                    var line = Array(buffer[..<end])
                    buffer.removeFirst(end + 1)
                    if line.last == 13 { line.removeLast() }
                    return String(decoding: line, as: UTF8.self)
                }
                guard buffer.count < 4096 else { throw Failure(transient: true, message: "the SMTP relay \(relay) sent a line longer than 4 KB") }
                var chunk = [UInt8](repeating: 0, count: 1024)
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw Failure(
                        transient: true,
                        message: n == 0 ? "the SMTP relay \(relay) closed the connection" : "no answer from the SMTP relay \(relay) in time")
                }
                buffer += chunk[..<n]
            }
        }
    }
}
