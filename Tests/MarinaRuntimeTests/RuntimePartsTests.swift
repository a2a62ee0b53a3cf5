import Foundation
import MarinaBundle
import MarinaCore
import MarinaRuntime
import MarinaTestSupport
import MarinaVault
import Testing

@testable import MarinaStore

@Suite struct TokenSignerTests {
    @Test(arguments: TestDatabase.available) func tokensVerifyAcrossRotationAndRefuseUnknownKeysAndTampering(_ kind: TestDatabase) async throws {
        let (store, drop) = try await kind.make()
        defer { Task { await drop() } }
        let vault = Vault(
            store: store, master: try LocalMasterKey(bytes: LocalMasterKey.generate()), now: { 1000 }, newId: { $0 + "_" + UUID().uuidString })
        try await vault.unlock()
        let signer = TokenSigner(store: store, vault: vault)
        try await signer.load(now: 1000)
        let claims: JSONValue = ["aud": "ins_1", "exp": 2_000_000_000]
        let old = try signer.sign(claims)
        #expect(try await signer.verify(old) == claims)
        try await signer.rotate(now: 2000)
        let new = try signer.sign(claims)
        #expect(new.split(separator: ".")[0] != old.split(separator: ".")[0], "a new kid signs")
        #expect(try await signer.verify(old) == claims, "tokens of the old key stay valid")
        // Another replica loads the same keys from the database.
        let replica = TokenSigner(store: store, vault: vault)
        // The private keys are stored wrapped by the master key, never as they are.
        struct Stored: Decodable { var private_key: String }
        let stored = try await store.read { db in
            try await db.raw("SELECT private_key FROM signing_keys").all(decoding: Stored.self).map(\.private_key)
        }
        #expect(stored.allSatisfy { $0.contains("mk_") })
        try await replica.load(now: 3000)
        #expect(try await replica.verify(new) == claims)

        let parts = new.split(separator: ".").map(String.init)
        let forged = parts[0] + "." + Base64URL.encode(Array(#"{"aud":"ins_2","exp":2000000000}"#.utf8)) + "." + parts[2]
        await #expect(throws: TokenError.badSignature) { try await signer.verify(forged) }
        let unknownKid = Base64URL.encode(Array(#"{"alg":"EdDSA","kid":"nope","typ":"JWT"}"#.utf8)) + "." + parts[1] + "." + parts[2]
        await #expect(throws: TokenError.unknownKey) { try await signer.verify(unknownKid) }
        let noneAlg = Base64URL.encode(Array(#"{"alg":"none","kid":"x"}"#.utf8)) + "." + parts[1] + "."
        await #expect(throws: TokenError.malformed) { try await signer.verify(noneAlg) }
        let jwks = await signer.jwks()
        #expect(jwks["keys"]?.arrayValue?.count == 2)
    }
}

@Suite struct DockerfileCommandTests {
    @Test func theExecFormOfEntrypointAndCmdIsTheStartCommand() {
        #expect(DockerfileCommand.parse("FROM python:3.12\nCMD [\"python3\", \"app.py\"]\n") == ["python3", "app.py"])
        #expect(DockerfileCommand.parse("ENTRYPOINT [\"/srv/run\"]\nCMD [\"--port\", \"8080\"]") == ["/srv/run", "--port", "8080"])
        #expect(DockerfileCommand.parse("CMD [\"a\"]\nCMD [\"b\", \\\n  \"c\"]") == ["b", "c"])
        #expect(DockerfileCommand.parse("CMD python3 app.py") == nil)
        #expect(DockerfileCommand.parse("FROM scratch") == nil)
    }
}

@Suite struct InstanceLogTests {
    @Test func theLogIsBoundedSplitsLinesAndFeedsFollowers() async {
        let log = InstanceLog(capacity: 3, maxLineBytes: 10)
        let follower = log.follow()
        log.append(Array("one\ntw".utf8), stream: "stdout")
        log.append(Array("o\nthree\nfour\n".utf8), stream: "stdout")
        log.append(Array(String(repeating: "x", count: 25).utf8), stream: "stderr")
        // The oldest line went; the over-long one was cut.
        #expect(log.lines().map(\.text) == ["three", "four", "xxxxxxxxxx …[cut]"])
        #expect(log.tail(5) == ["xxxxxxxxxx …[cut]"])
        var seen: [String] = []
        for await line in follower {
            seen.append(line.text)
            if seen.count == 3 { break }
        }
        #expect(seen == ["one", "two", "three"])
    }
}

@Suite struct BundleExtractorTests {
    @Test func extractionMasksModesAndRecreatesLinksLast() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("marina-extract-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = dir.appendingPathComponent("app")
        try FileManager.default.createDirectory(at: app.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try "#!/bin/sh\n".write(to: app.appendingPathComponent("bin/run"), atomically: true, encoding: .utf8)
        chmod(app.appendingPathComponent("bin/run").path, 0o4755)
        try "data".write(to: app.appendingPathComponent("file.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: app.appendingPathComponent("link").path, withDestinationPath: "file.txt")
        let bundle = dir.appendingPathComponent("b.tar.gz")
        _ = try BundlePacker.pack(app, to: bundle)
        let out = dir.appendingPathComponent("out")
        try BundleExtractor.extract(bundle, to: out)
        let mode = { (p: String) in
            (try? FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(p).path)[.posixPermissions] as? Int) ?? -1
        }
        #expect(mode("bin/run") == 0o755)
        #expect(mode("file.txt") == 0o644)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("link").path) == "file.txt")
        #expect(try String(contentsOf: out.appendingPathComponent("link"), encoding: .utf8) == "data")
        // Extracting again is a no-op; a corrupt bundle leaves nothing behind.
        try BundleExtractor.extract(bundle, to: out)
        try Data("nope".utf8).write(to: dir.appendingPathComponent("bad.tar.gz"))
        #expect(throws: BundleError.self) {
            try BundleExtractor.extract(dir.appendingPathComponent("bad.tar.gz"), to: dir.appendingPathComponent("bad"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["app", "b.tar.gz", "bad.tar.gz", "out"])
    }
}
