import Foundation
import Testing

/// `serve` refuses options it cannot use before it touches anything (usage errors, exit 2).
@Suite struct ServeOptionsCLITests {
    @Test func badMailOptionsAreUsageErrors() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        for (options, message) in [(["--smtp-relay", "mail.internal"], "--smtp-relay takes HOST:PORT"), (["--smtp-relay", "mail:0"], "--smtp-relay takes HOST:PORT"),
                                   (["--smtp-from", "not an address"], "--smtp-from takes a mail address"), (["--smtp-from", "a@b\r\nBcc: x@y"], "--smtp-from takes a mail address")] {
            let result = try CLI.run(["serve", "--data", data, "--listen", "127.0.0.1:0"] + options)
            #expect(result.status == 2, "\(options): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(options): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: data))
    }

    @Test func aBadFsyncPolicyIsAUsageError() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        for (options, message) in [(["--sqlite-synchronous", "off"], "--sqlite-synchronous takes full or normal"),
                                   (["--sqlite-synchronous", "normal", "--database", "postgres://u:p@127.0.0.1:1/db"], "applies to an SQLite database only")] {
            let result = try CLI.run(["serve", "--data", data, "--listen", "127.0.0.1:0"] + options)
            #expect(result.status == 2, "\(options): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(options): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: data))
    }
}
