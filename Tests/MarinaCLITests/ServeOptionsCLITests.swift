import AsyncHTTPClient
import Foundation
import Testing

/// `serve` refuses options it cannot use before it touches anything (usage errors, exit 2).
@Suite struct ServeOptionsCLITests {
    @Test func badMailOptionsAreUsageErrors() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        for (options, message) in [
            (["--smtp-relay", "mail.internal"], "--smtp-relay takes HOST:PORT"), (["--smtp-relay", "mail:0"], "--smtp-relay takes HOST:PORT"),
            (["--smtp-from", "not an address"], "--smtp-from takes a mail address"),
            (["--smtp-from", "a@b\r\nBcc: x@y"], "--smtp-from takes a mail address"),
        ] {
            let result = try CLI.run(["serve", "--data", data, "--listen", "127.0.0.1:0"] + options)
            #expect(result.status == 2, "\(options): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(options): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: data))
    }

    /// `/metrics` needs the admin's key on the main address; `--metrics-listen` serves it without
    /// one, on a loopback address only.
    @Test func metricsNeedAKeyButForTheirOwnLoopbackListener() async throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for address in ["0.0.0.0:9464", "192.168.1.5:9464", "[::]:9464", "example.com:9464", "9464"] {
            let result = try CLI.run([
                "serve", "--data", dir.appendingPathComponent("refused").path, "--listen", "127.0.0.1:0", "--metrics-listen", address,
            ])
            #expect(result.status == 2, "\(address): \(result.stderr)")
            #expect(result.stderr.contains("--metrics-listen"), "\(address): \(result.stderr)")
        }
        // A free port for the metrics listener.
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        close(probe)
        let serve = try ServeProcess(data: dir.appendingPathComponent(".marina"), extra: ["--metrics-listen", "127.0.0.1:\(port)"])
        defer { serve.stop() }
        func get(_ url: String, key: String? = nil) async throws -> (UInt, String) {
            var request = HTTPClientRequest(url: url)
            if let key { request.headers.add(name: "Authorization", value: "Bearer " + key) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        #expect(try await get(serve.url + "/metrics").0 == 401)
        let keyed = try await get(serve.url + "/metrics", key: serve.adminKey)
        #expect(keyed.0 == 200 && keyed.1.contains("# TYPE"), "\(keyed)")
        // The metrics listener starts beside the main one: give it a moment.
        var open: (UInt, String) = (0, "")
        for _ in 0..<50 {
            if let answer = try? await get("http://127.0.0.1:\(port)/metrics"), answer.0 == 200 { open = answer; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(open.0 == 200 && open.1.contains("# TYPE"), "\(open)")
        #expect(try await get("http://127.0.0.1:\(port)/api/v1/whoami", key: serve.adminKey).0 == 404)
    }

    @Test func aBadFsyncPolicyIsAUsageError() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        for (options, message) in [
            (["--sqlite-synchronous", "off"], "--sqlite-synchronous takes full or normal"),
            (["--sqlite-synchronous", "normal", "--database", "postgres://u:p@127.0.0.1:1/db"], "applies to an SQLite database only"),
        ] {
            let result = try CLI.run(["serve", "--data", data, "--listen", "127.0.0.1:0"] + options)
            #expect(result.status == 2, "\(options): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(options): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: data))
    }
}
