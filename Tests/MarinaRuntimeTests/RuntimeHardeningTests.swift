import Foundation
import MarinaRuntime
import MarinaSandbox
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What serve relies on where an instance's user can write: its sockets are never followed
/// through a symlink, and each instance has a uid no other instance shares.
@Suite struct RuntimeHardeningTests {
    @Test func aSymlinkInPlaceOfAnAppSocketIsNeverFollowed() async throws {
        // A "host" socket serve must never reach, and an instance directory whose app.sock points at it.
        let victim = try InstanceClientTests.Server { _, _ in (Array("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nvictim".utf8), true) }
        let io = FileManager.default.temporaryDirectory.appendingPathComponent("marina-io-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: io, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: io) }
        let link = io.appendingPathComponent("app.sock").path
        #expect(symlink(victim.socket, link) == 0)
        await #expect(throws: InstanceClient.Failure.self) {
            _ = try await InstanceClient().send(socket: link, method: .GET, path: "/health", timeout: .seconds(2))
        }
        #expect(victim.connections == 0)
        // The real socket itself is still reached (through its descriptor).
        let reply = try await InstanceClient().send(socket: victim.socket, method: .GET, path: "/health", timeout: .seconds(2))
        #expect(reply.status == 200 && victim.connections == 1)
        // A regular file in its place is refused as well.
        let file = io.appendingPathComponent("file.sock").path
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        await #expect(throws: InstanceClient.Failure.self) {
            _ = try await InstanceClient().send(socket: file, method: .GET, path: "/health", timeout: .seconds(2))
        }
    }

    @Test func everyInstanceGetsAUidOfItsOwnAndKeepsIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marina-uids-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let uids = InstanceUIDs(directory: dir, base: 70_000, count: 100)
        // Ten instances that all prefer the same uid (a hash collision) get ten different ones.
        var given: [String: UInt32] = [:]
        for i in 0..<10 { given["i\(i)"] = try uids.uid(for: "i\(i)", preferred: 70_042) }
        #expect(Set(given.values).count == 10)
        #expect(given["i0"] == 70_042)
        // The same at every wake, and after a restart (a new allocator over the same directory).
        let again = InstanceUIDs(directory: dir, base: 70_000, count: 100)
        for (instance, uid) in given { #expect(try again.uid(for: instance, preferred: 70_099) == uid) }
        // A claim whose record was never written (a crash in between) is found again by its content.
        let orphan = dir.appendingPathComponent("uid-70050")
        try Data("late".utf8).write(to: orphan)
        #expect(try again.uid(for: "late", preferred: 70_050) == 70_050)
        // The range runs out with a clear error, not a shared uid.
        let tiny = InstanceUIDs(directory: dir.appendingPathComponent("tiny"), base: 80_000, count: 2)
        _ = try tiny.uid(for: "a", preferred: 80_000)
        _ = try tiny.uid(for: "b", preferred: 80_000)
        #expect(throws: RuntimeError.self) { try tiny.uid(for: "c", preferred: 80_000) }
    }

    @Test func theSeccompProgramIsWellFormed() throws {
        let program = try #require(SeccompFilter.program())
        #expect(program.count % 8 == 0 && program.count / 8 < 4096)
        // It ends in ALLOW (the default) and checks the architecture first.
        let last = Array(program.suffix(8))
        #expect(last[0] == 0x06 && UInt32(last[4]) | UInt32(last[5]) << 8 | UInt32(last[6]) << 16 | UInt32(last[7]) << 24 == 0x7FFF_0000)
        #expect(program[0] == 0x20 && program[4] == 4)
        // Every jump stays inside the program.
        for index in 0..<(program.count / 8) {
            let code = program[index * 8], jt = Int(program[index * 8 + 2]), jf = Int(program[index * 8 + 3])
            if code & 0x07 == 0x05 { #expect(index + 1 + max(jt, jf) < program.count / 8) }
        }
    }
}
