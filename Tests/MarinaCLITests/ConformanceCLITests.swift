import Foundation
import Testing

/// `marina conformance` against real apps: one written with the Python SDK and the MarinaKit
/// example pass; an app that serves requests without a token is caught (exit 1). The contract
/// suite's own tests (conformance/contract) check that each broken app fails exactly its check.
@Suite struct ConformanceCLITests {
    static let python = CLI.root.appendingPathComponent(".build/sdk-venv/bin/python").path

    func verdict(_ result: CLI.Result) throws -> [String: Any]? {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    }

    @Test func anSDKAppPassesAndAnAppThatIgnoresTokensFails() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.python), "scripts/install-deps --test makes \(Self.python)")
        let sdkApp = CLI.root.appendingPathComponent("Tests/MarinaCLITests/Fixtures/sdk-app")
        let passed = try CLI.run(
            ["conformance", "--app", sdkApp.path, "--command", "\(Self.python) app.py", "--json"], in: sdkApp,
            environment: ["PYTHONPATH": CLI.root.appendingPathComponent("sdk/python/src").path])
        #expect(passed.status == 0, "\(passed.stdout) \(passed.stderr)")
        let checks = try verdict(passed)?["checks"] as? [[String: Any]] ?? []
        #expect(checks.count == 9 && checks.allSatisfy { $0["ok"] as? Bool == true })

        let broken = CLI.root.appendingPathComponent("conformance/contract/broken")
        let failed = try CLI.run([
            "conformance", "--app", broken.appendingPathComponent("no-token").path, "--command", "\(Self.python) ../app.py no-token",
        ])
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("FAIL a tool call without a token is refused"))
        #expect(failed.stdout.contains("ok   GET /manifest hashes to the manifest"))
    }

    @Test func theMarinaKitExamplePasses() throws {
        let binary = CLI.root.appendingPathComponent(".build/debug/hello-swift").path
        #expect(FileManager.default.isExecutableFile(atPath: binary), "scripts/test builds hello-swift")
        let passed = try CLI.run([
            "conformance", "--app", CLI.root.appendingPathComponent("examples/hello-swift").path, "--command", binary, "--json",
        ])
        #expect(passed.status == 0, "\(passed.stdout) \(passed.stderr)")
        #expect(try verdict(passed)?["ok"] as? Bool == true)
    }
}
