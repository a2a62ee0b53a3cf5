import Foundation
import MarinaSandbox
import Testing

/// `relay` and `sandbox-exec` are parsed by hand (they run at every wake of an instance), in
/// `marina-sandbox` and in `marina` alike: they still refuse what they cannot use with a usage
/// error, and run what they can.
@Suite struct InternalCommandsCLITests {
    static let binaries = [CLI.helper, CLI.binary]

    @Test(arguments: binaries) func badArgumentsAreUsageErrorsNamingTheProblem(_ binary: URL) throws {
        let cases: [([String], String)] = [
            (["relay", "--port", "8080", "--", "true"], "marina relay: --socket is required"),
            (["relay", "--socket", "/tmp/x.sock", "--port", "eighty", "--", "true"], "marina relay: --port takes a number"),
            (
                ["relay", "--socket", "/tmp/x.sock", "--socket", "/tmp/y.sock", "--port", "1", "--", "true"],
                "marina relay: --socket is given more than once"
            ),
            (["relay", "--socket", "/tmp/x.sock", "--port", "1"], "marina relay: relay needs a command after --"),
            (["relay", "--socket", "/tmp/x.sock", "--port", "1", "--forward", "9000", "--", "true"], "marina relay: --forward takes PORT=PATH"),
            (["relay", "--socket", "/tmp/x.sock", "--port", "1", "--colour", "red", "--", "true"], "marina relay: unknown option --colour"),
            (["relay", "--socket"], "marina relay: unexpected --socket"),
            (["sandbox-exec", "--uid", "70000", "--", "true"], "marina sandbox-exec: --gid is required"),
            (["sandbox-exec", "--uid", "me", "--gid", "1", "--", "true"], "marina sandbox-exec: --uid and --gid take numbers"),
            (["sandbox-exec", "--uid", "1", "--gid", "1", "--rlimit-as", "lots", "--", "true"], "marina sandbox-exec: --rlimit-as takes a number"),
            (["sandbox-exec", "--uid", "1", "--gid", "1"], "marina sandbox-exec: sandbox-exec needs a command after --"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments, executable: binary)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    /// The relay runs its command, serves its socket meanwhile and exits with the command's status.
    @Test(arguments: binaries) func relayRunsItsCommandAndExitsWithIt(_ binary: URL) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let socket = dir.appendingPathComponent("r.sock").path
        let result = try CLI.run(
            ["relay", "--socket", socket, "--port", "1", "--", "sh", "-c", "test -S '\(socket)' && echo listening; exit 7"], executable: binary)
        #expect(result.status == 7, "\(result.stderr)")
        #expect(result.stdout.contains("listening"))
    }

    /// In marina everything else still goes through ArgumentParser (a name that is not a
    /// command); the helper knows nothing else.
    @Test func otherWordsAreLeftToTheParser() throws {
        let result = try CLI.run(["relayy"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("relayy"))
        let helper = try CLI.run(["serve"], executable: CLI.helper)
        #expect(helper.status == 2)
        #expect(helper.stderr.contains("usage: marina-sandbox relay|sandbox-exec"))
    }

    /// The relay passes SIGTERM on to the app and exits with the app's status.
    @Test(arguments: binaries) func relayPassesTerminationToItsApp(_ binary: URL) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "relay", "--socket", dir.appendingPathComponent("r.sock").path, "--port", "1", "--",
            "python3", "-c",
            "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(42)); open(sys.argv[1], 'w').close(); time.sleep(30)",
            dir.appendingPathComponent("ready").path,
        ]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("ready").path) && Date() < deadline { usleep(20_000) }
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 42)
    }

    /// The first connection of a wake may arrive before the app listens: the relay holds it and
    /// connects once the app does, and the bytes go both ways.
    @Test(arguments: binaries) func aConnectionMadeBeforeTheAppListensReachesItOnceItDoes(_ binary: URL) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try #require(Sockets.freePort())
        let socketPath = dir.appendingPathComponent("r.sock").path
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "relay", "--socket", socketPath, "--port", String(port), "--", "python3", "-c",
            "import socket, sys, time; time.sleep(0.4); s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); "
                + "c, _ = s.accept(); c.sendall(c.recv(64).upper()); c.close()",
            String(port),
        ]
        try process.run()
        defer { if process.isRunning { process.terminate() }; process.waitUntilExit() }
        let deadline = Date().addingTimeInterval(10)
        var fd: Int32 = -1
        while fd < 0 && Date() < deadline {
            fd = Sockets.connectUnix(socketPath)
            if fd < 0 { usleep(2_000) }
        }
        try #require(fd >= 0)
        defer { close(fd) }
        Sockets.writeAll(fd, Array("ping".utf8))
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = read(fd, &buffer, buffer.count)
        #expect(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self) == "PING")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// An app that serves `MARINA_SOCKET` listens on no port: once its socket exists, a
    /// connection through the relay is closed at once, instead of holding a relay thread that
    /// retries the port for 3 s (the platform probes both sockets while an instance starts).
    @Test(arguments: binaries) func aConnectionThroughTheRelayToAnAppOnItsOwnSocketIsClosedAtOnce(_ binary: URL) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try #require(Sockets.freePort())
        let socketPath = dir.appendingPathComponent("r.sock").path
        let appSocket = dir.appendingPathComponent("app.sock").path
        let process = Process()
        process.executableURL = binary
        process.environment = ["MARINA_SOCKET": appSocket, "PATH": "/usr/bin:/bin"]
        process.arguments = [
            "relay", "--socket", socketPath, "--port", String(port), "--", "python3", "-c",
            "import socket, sys, time; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(30)", appSocket,
        ]
        try process.run()
        defer { if process.isRunning { process.terminate() }; process.waitUntilExit() }
        let deadline = Date().addingTimeInterval(10)
        while !(FileManager.default.fileExists(atPath: socketPath) && FileManager.default.fileExists(atPath: appSocket)) && Date() < deadline {
            usleep(2_000)
        }
        let fd = Sockets.connectUnix(socketPath)
        try #require(fd >= 0)
        defer { close(fd) }
        // Closed within 1.5 s (the relay would give up on the port only after 3 s).
        var wait = timeval(tv_sec: 1, tv_usec: 500_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = read(fd, &buffer, buffer.count)
        #expect(count == 0, "read returned \(count) (errno \(errno)): the relay kept the connection open")
    }
}
