import Foundation
import Testing

/// `marina relay` and `marina sandbox-exec` are parsed by hand (they run at every wake of an
/// instance): they still refuse what they cannot use with a usage error, and run what they can.
@Suite struct InternalCommandsCLITests {
    @Test func badArgumentsAreUsageErrorsNamingTheProblem() throws {
        let cases: [([String], String)] = [
            (["relay", "--port", "8080", "--", "true"], "marina relay: --socket is required"),
            (["relay", "--socket", "/tmp/x.sock", "--port", "eighty", "--", "true"], "marina relay: --port takes a number"),
            (["relay", "--socket", "/tmp/x.sock", "--socket", "/tmp/y.sock", "--port", "1", "--", "true"], "marina relay: --socket is given more than once"),
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
            let result = try CLI.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    /// The relay runs its command, serves its socket meanwhile and exits with the command's status.
    @Test func relayRunsItsCommandAndExitsWithIt() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let socket = dir.appendingPathComponent("r.sock").path
        let result = try CLI.run(["relay", "--socket", socket, "--port", "1", "--", "sh", "-c", "test -S '\(socket)' && echo listening; exit 7"])
        #expect(result.status == 7, "\(result.stderr)")
        #expect(result.stdout.contains("listening"))
    }

    /// Everything else still goes through ArgumentParser (a name that is not a command).
    @Test func otherWordsAreLeftToTheParser() throws {
        let result = try CLI.run(["relayy"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("relayy"))
    }
}
