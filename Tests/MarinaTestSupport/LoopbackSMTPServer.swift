import Foundation
import MarinaSandbox
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A small SMTP server on `127.0.0.1` for the mail tests: it speaks EHLO/HELO, MAIL, RCPT,
/// DATA, RSET, NOOP and QUIT, records each accepted message (envelope and the data with the
/// dot-stuffing undone), and answers as `answer` says — so a test can make it defer (4xx),
/// refuse (5xx) or accept.
public final class LoopbackSMTPServer: Sendable {
    public struct Message: Sendable, Equatable {
        public var mailFrom: String
        public var rcptTo: [String]
        public var data: String

        public init(mailFrom: String, rcptTo: [String], data: String) { (self.mailFrom, self.rcptTo, self.data) = (mailFrom, rcptTo, data) }
    }

    /// What the server answers at MAIL FROM, RCPT TO and at the end of DATA.
    public enum Answer: Sendable { case accept, deferAll, rejectRecipients, hangUp }

    public let port: Int
    private let listener: Int32
    private let state = Mutex<(messages: [Message], answer: Answer, connections: Int)>(([], .accept, 0))

    public init() {
        let (fd, port) = LoopbackHTTPServer.listenOnLoopback()
        (listener, self.port) = (fd, port)
        Sockets.acceptEach(fd) { [self] c in converse(c) }
    }

    public var messages: [Message] { state.withLock { $0.messages } }
    public var connections: Int { state.withLock { $0.connections } }
    public func answer(_ answer: Answer) { state.withLock { $0.answer = answer } }

    /// Stops accepting; the accept loop closes the socket.
    public func stop() { shutdown(listener, Int32(SHUT_RDWR)) }

    private func converse(_ fd: Int32) {
        defer { close(fd) }
        let answer = state.withLock { s -> Answer in
            s.connections += 1; return s.answer
        }
        if answer == .hangUp { return }
        var reader = LineReader(fd: fd)
        func reply(_ text: String) { let bytes = Array((text + "\r\n").utf8); _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        reply("220 loopback.test ESMTP")
        var from: String?
        var recipients: [String] = []
        while let line = reader.next() {
            let upper = line.uppercased()
            if upper.hasPrefix("EHLO") || upper.hasPrefix("HELO") {
                reply("250-loopback.test"); reply("250 8BITMIME")
            } else if upper.hasPrefix("MAIL FROM:") {
                if answer == .deferAll { reply("451 4.3.0 try again later"); continue }
                from = Self.address(String(line.dropFirst(10))); recipients = []
                reply("250 2.1.0 ok")
            } else if upper.hasPrefix("RCPT TO:") {
                if answer == .rejectRecipients { reply("550 5.1.1 no such user"); continue }
                recipients.append(Self.address(String(line.dropFirst(8))))
                reply("250 2.1.5 ok")
            } else if upper == "DATA" {
                guard let sender = from, !recipients.isEmpty else { reply("503 5.5.1 MAIL and RCPT first"); continue }
                reply("354 go ahead")
                var data: [String] = []
                while let l = reader.next(), l != "." { data.append(l.hasPrefix(".") ? String(l.dropFirst()) : l) }
                let message = Message(mailFrom: sender, rcptTo: recipients, data: data.joined(separator: "\r\n") + "\r\n")
                state.withLock { $0.messages.append(message) }
                (from, recipients) = (nil, [])
                reply("250 2.0.0 queued as Q\(messages.count)")
            } else if upper == "RSET" || upper == "NOOP" {
                reply("250 2.0.0 ok")
            } else if upper == "QUIT" {
                reply("221 2.0.0 bye"); return
            } else {
                reply("502 5.5.2 not implemented")
            }
        }
    }

    static func address(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("<"), let end = trimmed.firstIndex(of: ">") else { return trimmed }
        return String(trimmed[trimmed.index(after: trimmed.startIndex)..<end])
    }

    private struct LineReader {
        let fd: Int32
        var buffer: [UInt8] = []

        mutating func next() -> String? {
            while true {
                if let end = buffer.firstIndex(of: 10) {
                    var line = Array(buffer[..<end])
                    buffer.removeFirst(end + 1)
                    if line.last == 13 { line.removeLast() }
                    return String(decoding: line, as: UTF8.self)
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return nil }
                buffer += chunk[..<n]
            }
        }
    }
}
