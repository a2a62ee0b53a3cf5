import Foundation
import MarinaEventLoops
import MarinaSandbox
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import MarinaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// The platform's HTTP client to instances, against a raw server on a Unix socket that answers
/// each request with canned bytes (or not at all).
@Suite struct InstanceClientTests {
    /// Serves `answer` to every request on a fresh socket; nil never answers.
    static func server(_ answer: [UInt8]?) throws -> Server {
        try Server { _, _ in answer.map { ($0, false) } }
    }

    @Test func aLengthDelimitedAnswerComesBackWhole() async throws {
        let body = #"{"ok":true}"#
        let server = try Self.server(
            Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
        let socket = server.socket
        defer { withExtendedLifetime(server) {} }
        let client = InstanceClient(pool: InstanceConnectionPool(idleLimit: Self.noIdleExpiry))
        for _ in 0..<3 {  // the same kept-alive connection, three times
            let reply = try await client.send(socket: socket, method: .POST, path: "/tool/x", body: Array("{}".utf8), timeout: .seconds(5))
            #expect(reply.status == 200 && reply.body == Array(body.utf8) && reply.contentType == "application/json")
        }
        #expect(server.connections == 1)
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
        let server = try Self.server(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\(chunks)".utf8))
        let socket = server.socket
        defer { withExtendedLifetime(server) {} }
        await #expect(throws: InstanceClient.Failure.tooLarge) {
            _ = try await InstanceClient().send(socket: socket, method: .GET, path: "/", timeout: .seconds(5), maxBody: 10_000)
        }
        let whole = try await InstanceClient().send(socket: socket, method: .GET, path: "/", timeout: .seconds(5), maxBody: 40_000)
        #expect(whole.body.count == 8 * 4096)
    }

    @Test func silenceIsATimeoutAndAHangUpIsNeither() async throws {
        let server = try Self.server(nil)
        let socket = server.socket
        defer { withExtendedLifetime(server) {} }
        await #expect(throws: InstanceClient.Failure.timeout) {
            _ = try await InstanceClient().send(socket: socket, method: .POST, path: "/tool/hang", body: [], timeout: .milliseconds(300))
        }
        // Garbage instead of HTTP: an error of its own (the dispatcher answers app_unreachable).
        let garbageServer = try Self.server(Array("not http at all\r\n\r\n".utf8))
        let garbage = garbageServer.socket
        defer { withExtendedLifetime(garbageServer) {} }
        do {
            _ = try await InstanceClient().send(socket: garbage, method: .GET, path: "/", timeout: .seconds(5))
            Issue.record("garbage was taken for an answer")
        } catch InstanceClient.Failure.malformed {
        } catch {
            Issue.record("garbage: \(error), not malformed")
        }
    }

    /// Serves every connection on its own thread with `answer(connectionNumber, requestNumber)`
    /// (nil: never answer), closing it after the answer when told to; counts connections open at
    /// once. One request at a time per connection: it answers once the head and the body are in.
    final class Server: Sendable {
        let socket: String
        let directory: URL
        final class Counts: Sendable {
            let value = Mutex<(open: Int, most: Int, total: Int)>((0, 0, 0))
        }
        private let counts = Counts()
        var mostAtOnce: Int { counts.value.withLock { $0.most } }
        var connections: Int { counts.value.withLock { $0.total } }
        var openNow: Int { counts.value.withLock { $0.open } }

        init(answer: @escaping @Sendable (_ connection: Int, _ request: Int) -> (bytes: [UInt8], thenClose: Bool)?) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("marina-ic-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            socket = directory.appendingPathComponent("s.sock").path
            let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0, Sockets.bindUnix(fd, socket), listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
            let counts = self.counts
            Sockets.acceptEach(fd) { client in
                let number = counts.value.withLock { c in
                    c.open += 1; c.most = max(c.most, c.open); c.total += 1; return c.total
                }
                defer { counts.value.withLock { $0.open -= 1 }; close(client) }
                var buffer = [UInt8](repeating: 0, count: 65536)
                var pending: [UInt8] = []
                var served = 0
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
                    if n <= 0 { return }
                    pending += buffer[..<n]
                    guard let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
                    let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self).lowercased()
                    let length =
                        head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }.flatMap {
                            Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces))
                        } ?? 0
                    guard pending.count >= end.upperBound + length else { continue }
                    pending.removeFirst(end.upperBound + length)
                    served += 1
                    guard let (bytes, thenClose) = answer(number, served) else { continue }
                    Sockets.writeAll(client, bytes)
                    if thenClose { return }
                }
            }
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    static func ok(_ body: String, extra: String = "") -> [UInt8] {
        Array("HTTP/1.1 200 OK\r\n\(extra)Content-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
    }

    /// Runs `body` with a pool on a group of two event loops and a way to lease a connection from
    /// a task running on one of them (as serve's handlers do), against a server that answers every
    /// request; returns how many connections the server saw.
    static func onTwoLoops(
        _ body: (InstanceConnectionPool, [any EventLoop], (any EventLoop) async throws -> InstanceConnection) async throws -> Void
    ) async throws -> Int {
        let server = try Server { _, _ in (Self.ok("{}"), false) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        try await { () async throws in
            // The pool goes before its group shuts down: it schedules its sweep there.
            let pool = InstanceConnectionPool(group: group, idleLimit: noIdleExpiry)
            try await body(pool, Array(group.makeIterator())) { loop in
                try await withTaskExecutorPreference(EventLoopTaskExecutor(loop)) {
                    switch try await pool.lease(server.socket, deadline: .now() + .seconds(5)) {
                    case .reused(let connection): connection
                    case .opening(let opening): try await opening.get()
                    }
                }
            }
        }()
        try await group.shutdownGracefully()
        return withExtendedLifetime(server) { server.connections }
    }

    /// A request made on one of the pool's event loops (serve handles each connection on its own)
    /// gets a connection on that loop: an idle one kept there, even when one on another loop went
    /// idle later, else a new one opened there rather than an idle one on another loop. Its
    /// exchange then needs no hand-off between threads.
    @Test func aRequestOnAnEventLoopGetsAConnectionOnThatLoop() async throws {
        func id(_ loop: any EventLoop) -> ObjectIdentifier { ObjectIdentifier(loop) }
        let connections = try await Self.onTwoLoops { pool, loops, lease in
            let first = try await lease(loops[0])
            #expect(id(first.channel.eventLoop) == id(loops[0]))
            pool.release(first, reusable: true)
            // Only the first loop's connection is idle: the second loop opens its own.
            let second = try await lease(loops[1])
            #expect(second !== first && id(second.channel.eventLoop) == id(loops[1]))
            // The second loop's connection is now the most recently idle; the first loop still gets its own.
            pool.release(second, reusable: true)
            #expect(try await lease(loops[0]) === first)
            #expect(try await lease(loops[1]) === second)
            first.close()
            second.close()
        }
        #expect(connections == 2)
    }

    /// With several connections idle on other loops, a request on a loop borrows one of them
    /// rather than opening yet another (each may cost a relay thread in the sandbox).
    @Test func aRequestOnAnEventLoopBorrowsWhenManyAreIdleElsewhere() async throws {
        let connections = try await Self.onTwoLoops { pool, loops, lease in
            var held: [InstanceConnection] = []
            for _ in 0..<InstanceConnectionPool.spareIdle { held.append(try await lease(loops[0])) }
            held.forEach { pool.release($0, reusable: true) }
            let borrowed = try await lease(loops[1])
            #expect(held.contains { $0 === borrowed })
            held.forEach { $0.close() }
        }
        #expect(connections == InstanceConnectionPool.spareIdle)
    }

    /// The pool opens at most its limit of connections to one socket (the relay spends a thread
    /// on each); the requests beyond it wait their turn and all go through.
    @Test func requestsBeyondThePoolsLimitWaitForAConnection() async throws {
        let server = try Server { _, _ in
            usleep(20_000); return (Self.ok("{}"), false)
        }
        let client = InstanceClient(pool: InstanceConnectionPool(limit: 2, idleLimit: Self.noIdleExpiry))
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await client.send(socket: server.socket, method: .POST, path: "/tool/x", body: Array("{}".utf8), timeout: .seconds(20)).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 8))
        #expect(server.mostAtOnce <= 2 && server.connections == 2, "most at once \(server.mostAtOnce), in all \(server.connections)")
    }

    /// For tests that count connections: a busy machine can stall a test for longer than the
    /// production idle limit (1.5 s), and an expired connection would be replaced by a new one.
    static let noIdleExpiry = TimeAmount.seconds(600)

    /// Lets the test hold the server's first request until it opens the gate.
    final class Gate: Sendable {
        let arrived = Atomic<Bool>(false)
        let open = Atomic<Bool>(false)
        func waitForArrival() async throws {
            while !arrived.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    /// A server that answers every request at once except the first, which waits for the gate.
    static func holdingServer() throws -> (Server, Gate) {
        let gate = Gate()
        let server = try Server { _, request in
            if request == 1 {
                gate.arrived.store(true, ordering: .sequentiallyConsistent)
                while !gate.open.load(ordering: .sequentiallyConsistent) { usleep(1000) }
            }
            return (Self.ok("{}"), false)
        }
        return (server, gate)
    }

    /// A request that cannot get a connection before its deadline times out, and the pool is
    /// left usable.
    @Test func aRequestWaitingForAConnectionTimesOutAtItsDeadline() async throws {
        let (server, gate) = try Self.holdingServer()
        let client = InstanceClient(pool: InstanceConnectionPool(limit: 1, idleLimit: Self.noIdleExpiry))
        async let slow = client.send(socket: server.socket, method: .GET, path: "/slow", timeout: .seconds(60))
        try await gate.waitForArrival()
        await #expect(throws: InstanceClient.Failure.timeout) {
            _ = try await client.send(socket: server.socket, method: .GET, path: "/waits", timeout: .milliseconds(100))
        }
        gate.open.store(true, ordering: .sequentiallyConsistent)
        #expect(try await slow.status == 200)
        #expect(try await client.send(socket: server.socket, method: .GET, path: "/after", timeout: .seconds(5)).status == 200)
        #expect(server.connections == 1)
    }

    /// An app that closes each connection after answering, without saying so (as servers do with
    /// idle connections): a closed connection is never used again, so every call gets through.
    @Test func aConnectionTheAppClosedIsNotReused() async throws {
        let server = try Server { _, _ in (Self.ok("{}"), true) }
        let client = InstanceClient(pool: InstanceConnectionPool(limit: 4))
        for i in 0..<30 {
            let reply = try await client.send(socket: server.socket, method: .POST, path: "/tool/x", body: [], timeout: .seconds(5))
            #expect(reply.status == 200, "call \(i)")
            try await Task.sleep(for: .milliseconds(10))  // the close is seen on the event loop meanwhile
        }
        #expect(server.connections == 30)
    }

    /// Starts `request`, cancels it 100 ms later, and returns how it ended (nil: it succeeded).
    static func errorWhenCancelled(_ request: @escaping @Sendable () async throws -> InstanceClient.Reply) async throws -> (any Error)? {
        let task = Task { try await request() }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        do {
            _ = try await task.value
            return nil
        } catch {
            return error
        }
    }

    /// A cancelled caller (a health probe that lost the race) does not wait for its timeout.
    @Test func aCancelledRequestEndsAtOnce() async throws {
        let server = try Self.server(nil)
        let socket = server.socket
        defer { withExtendedLifetime(server) {} }
        let error = try await Self.errorWhenCancelled {
            try await InstanceClient().send(socket: socket, method: .GET, path: "/health", timeout: .seconds(60))
        }
        #expect(error.map { $0 as? InstanceClient.Failure != .timeout } == true, "\(String(describing: error))")
    }

    /// A request waiting for a connection leaves the queue when its task is cancelled, instead
    /// of waiting out its deadline.
    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let (server, gate) = try Self.holdingServer()
        let client = InstanceClient(pool: InstanceConnectionPool(limit: 1))
        async let held = client.send(socket: server.socket, method: .GET, path: "/held", timeout: .seconds(60))
        try await gate.waitForArrival()
        let error = try await Self.errorWhenCancelled {
            try await client.send(socket: server.socket, method: .GET, path: "/waits", timeout: .seconds(60))
        }
        #expect(error is CancellationError, "\(String(describing: error))")
        gate.open.store(true, ordering: .sequentiallyConsistent)
        #expect(try await held.status == 200)
    }

    /// Idle connections are closed after the idle limit even when no other request comes (an app
    /// that never closes them would otherwise hold them, and relay threads, for good).
    @Test func idleConnectionsAreClosedWithoutAnotherRequest() async throws {
        let server = try Server { _, _ in (Self.ok("{}"), false) }
        let client = InstanceClient(pool: InstanceConnectionPool(limit: 4, idleLimit: .milliseconds(200)))
        #expect(try await client.send(socket: server.socket, method: .GET, path: "/health", timeout: .seconds(5)).status == 200)
        let deadline = ContinuousClock.now + .seconds(10)
        while server.openNow > 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.openNow == 0 && server.connections == 1)
    }

    /// HTTP/1.0 without a length (Python's http.server): the body runs to the close.
    @Test func anAnswerWithoutLengthEndsWithTheConnection() async throws {
        let server = try Server { _, _ in (Array("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"old\":true}".utf8), true) }
        let client = InstanceClient()
        for _ in 0..<2 {
            let reply = try await client.send(socket: server.socket, method: .GET, path: "/health", timeout: .seconds(5))
            #expect(reply.status == 200 && reply.body == Array(#"{"old":true}"#.utf8) && reply.contentType == "application/json")
        }
        #expect(server.connections == 2)
    }

    /// What the platform sends: Host, the headers given, and a JSON body with its length; a
    /// header value with a line break is refused before anything is sent.
    @Test func theRequestIsWellFormedAndHeadersCannotBeInjected() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marina-ic-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoded = try InstanceClient.encode(
            method: .POST, path: "/tool/echo", headers: [("X-Marina-Request-Id", "req_1")], body: Array("{}".utf8))
        #expect(
            String(decoding: encoded, as: UTF8.self)
                == "POST /tool/echo HTTP/1.1\r\nHost: localhost\r\nX-Marina-Request-Id: req_1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        )
        let empty = try InstanceClient.encode(method: .POST, path: "/event/x", headers: [], body: nil)
        #expect(String(decoding: empty, as: UTF8.self).hasSuffix("Content-Length: 0\r\n\r\n"))
        for (headers, path) in [
            ([("X-Marina-Request-Id", "a\r\nX-Evil: 1")], "/tool/x"), ([("Bad Name", "v")], "/tool/x"), ([], "/tool/x y"), ([], "tool"),
        ] {
            do {
                _ = try await InstanceClient().send(
                    socket: dir.appendingPathComponent("none.sock").path, method: .POST, path: path, headers: headers, body: [], timeout: .seconds(5))
                Issue.record("\(headers) \(path) was sent")
            } catch InstanceClient.Failure.invalidRequest {
            } catch {
                Issue.record("\(headers) \(path): \(error), not refused before connecting")
            }
            do {
                _ = try InstanceClient.encode(method: .POST, path: path, headers: headers, body: nil); Issue.record("\(headers) \(path) encoded")
            } catch {
                guard case .invalidRequest = error else { Issue.record("\(error)"); continue }
            }
        }
    }
}
