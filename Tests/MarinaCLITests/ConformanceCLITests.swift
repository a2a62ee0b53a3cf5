import Foundation
import Testing

/// `marina conformance` against real apps: one written with the Python SDK passes; the stdlib-only
/// example, which does not check invocation tokens, is caught.
@Suite struct ConformanceCLITests {
    static let python = CLI.root.appendingPathComponent(".build/sdk-venv/bin/python").path

    @Test func anSDKAppPassesAndAnAppThatIgnoresTokensFails() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.python), "scripts/install-deps --test makes \(Self.python)")
        let sdkApp = CLI.root.appendingPathComponent("Tests/MarinaCLITests/Fixtures/sdk-app")
        let passed = try CLI.run(["conformance", "--app", sdkApp.path, "--command", "\(Self.python) app.py", "--json"], in: sdkApp,
                                 environment: ["PYTHONPATH": CLI.root.appendingPathComponent("sdk/python/src").path])
        #expect(passed.status == 0, "\(passed.stdout) \(passed.stderr)")
        let verdict = try JSONSerialization.jsonObject(with: Data(passed.stdout.utf8)) as? [String: Any]
        #expect(verdict?["ok"] as? Bool == true && (verdict?["checks"] as? [Any])?.count == 8)

        let failed = try CLI.run(["conformance", "--app", CLI.root.appendingPathComponent("examples/hello-python").path])
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("FAIL a tool call without a token is refused"))
        #expect(failed.stdout.contains("ok   GET /manifest hashes to the manifest"))
    }
}
