import Foundation
import MarinaRuntime
import MarinaSandbox
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The platform's HTTP client to instances, against a raw server on a Unix socket that answers
/// each request with canned bytes (or not at all).
@Suite struct InstanceClientTests {
    /// Serves `answer` to every request on a fresh socket; nil never answers.
    static func server(_ answer: [UInt8]?) throws -> (socket: String, directory: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marina-ic-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("s.sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0, Sockets.bindUnix(fd, path), listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        Sockets.acceptEach(fd) { client in
            var buffer = [UInt8](repeating: 0, count: 65536)
            var request: [UInt8] = []
            while true {
                let n = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                request += buffer[..<n]
                // One request at a time: answer once the head (and its small body) is in.
                guard let end = request.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
                let head = String(decoding: request[..<end.lowerBound], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }.flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                guard request.count >= end.upperBound + length else { continue }
                request.removeFirst(end.upperBound + length)
                guard let answer else { continue }
                Sockets.writeAll(client, answer)
            }
            close(client)
        }
        return (path, dir)
    }

    @Test func aLengthDelimitedAnswerComesBackWhole() async throws {
        let body = #"{"ok":true}"#
        let (socket, dir) = try Self.server(Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = InstanceClient()
        for _ in 0..<3 {  // the same kept-alive connection, three times
            let reply = try await client.send(socket: socket, method: .POST, path: "/tool/x", body: Array("{}".utf8), timeout: .seconds(5))
            #expect(reply.status == 200 && reply.body == Array(body.utf8) && reply.contentType == "application/json")
        }
    }

    /// A socket nobody accepts on (the instance died; or it is bound and not yet listening)
    /// fails the request with the refusal, not with a timeout after retrying until the deadline.
    @Test func aRefusedConnectionFailsTheRequestInsteadOfTimingOut() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marina-ic-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        #expect(Sockets.bindUnix(fd, path))  // bound, never listening: connect is refused
        for socket in [path, dir.appendingPathComponent("gone.sock").path] {
            do {
                _ = try await InstanceClient().send(socket: socket, method: .GET, path: "/health", timeout: .seconds(20))
                Issue.record("a request to \(socket) succeeded")
            } catch {
                #expect(error as? InstanceClient.Failure != .timeout, "\(error)")
            }
        }
    }

    @Test func aChunkedAnswerBeyondTheLimitIsTooLarge() async throws {
        let chunk = String(repeating: "x", count: 4096)
        let chunks = String(repeating: "1000\r\n\(chunk)\r\n", count: 8) + "0\r\n\r\n"
        let (socket, dir) = try Self.server(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\(chunks)".utf8))
        defer { try? FileManager.default.removeItem(at: dir) }
        await #expect(throws: InstanceClient.Failure.tooLarge) {
            _ = try await InstanceClient().send(socket: socket, method: .GET, path: "/", timeout: .seconds(5), maxBody: 10_000)
        }
        let whole = try await InstanceClient().send(socket: socket, method: .GET, path: "/", timeout: .seconds(5), maxBody: 40_000)
        #expect(whole.body.count == 8 * 4096)
    }

    @Test func silenceIsATimeoutAndAHangUpIsNeither() async throws {
        let (socket, dir) = try Self.server(nil)
        defer { try? FileManager.default.removeItem(at: dir) }
        await #expect(throws: InstanceClient.Failure.timeout) {
            _ = try await InstanceClient().send(socket: socket, method: .POST, path: "/tool/hang", body: [], timeout: .milliseconds(300))
        }
        // Garbage instead of HTTP: an error of its own (the dispatcher answers app_unreachable).
        let (garbage, other) = try Self.server(Array("not http at all\r\n\r\n".utf8))
        defer { try? FileManager.default.removeItem(at: other) }
        do {
            _ = try await InstanceClient().send(socket: garbage, method: .GET, path: "/", timeout: .seconds(5))
            Issue.record("garbage was taken for an answer")
        } catch {
            #expect(!(error is InstanceClient.Failure), "\(error)")
        }
    }
}
