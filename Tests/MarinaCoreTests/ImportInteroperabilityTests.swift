import Foundation
import MarinaCore
import Testing

/// Manifests written for the platforms Marina imports load as their authors wrote them: every
/// field their format documents is read, and what Marina does with it is said in the conversion
/// notes (issue 18, "Interoperability").
@Suite struct ImportInteroperabilityTests {
    static func fixture(_ file: String) throws -> ManifestReport {
        ManifestLoader.load(bytes: try Repo.bytes("conformance/manifests/" + file), fileName: file)
    }

    func notes(_ report: ManifestReport) -> [String] { report.notes.map { "\($0.code.rawValue) \($0.path)" } }

    /// OpenSail's own example sets `"env": {"PORT": "3000"}`: the app listens there, so that is the
    /// port the platform gives it (and sets PORT to).
    @Test func anOpenSailContainersPortBecomesThePortThePlatformGives() throws {
        let report = try Self.fixture("opensail/valid-port-in-env.json")
        let m = try #require(report.manifest, "\(report.diagnostics)")
        #expect(m.runtime.port == 3000)
        #expect(m.runtime.env["PORT"] == nil && m.runtime.env["NODE_ENV"] == "production")
        #expect(m.containers?.map(\.port) == [3000, 80])
        #expect(m.containers?.allSatisfy { $0.env["PORT"] == nil } == true)
        #expect(notes(report) == ["port_from_env /compute/containers/0/env/PORT", "port_from_env /compute/containers/1/env/PORT"])
        #expect(report.notes[0].message.contains("runtime.port is 3000"))
    }

    @Test func anOpenSailPortThatIsNotAPortIsRefusedWhereItIsWritten() throws {
        let report = try Self.fixture("opensail/invalid-port-in-env.json")
        #expect(
            Set(problems(report)) == [
                "invalid_value /compute/containers/0/env/PORT", "invalid_value /compute/containers/1/env/PORT",
                "invalid_value /compute/containers/2/env/PORT", "invalid_type /compute/containers/3/env/PORT",
            ])
        #expect(report.notes.isEmpty)
        // The primary container's PORT is runtime.port, which starts at 1024.
        let low = try Self.fixture("opensail/invalid-container-env.json")
        #expect(problems(low).contains("invalid_value /compute/containers/0/env/PORT"))
    }

    /// A native manifest still may not set PORT: there it is the platform's, always.
    @Test func aNativeManifestStillCannotSetPort() {
        let report = load(minimalNative + "\n  env: {PORT: \"3000\"}\n")
        #expect(problems(report) == ["invalid_value /runtime/env/PORT"])
    }

    @Test func everyDocumentedLinkworldFieldIsImported() throws {
        let report = try Self.fixture("linkworld/valid-documented-fields.yaml")
        let m = try #require(report.manifest, "\(report.diagnostics)")
        #expect(m.app.description == "Answers support tickets with the help of a triage agent")
        #expect(m.app.icon == "https://cdn.example.com/support-desk.png" && m.app.category == "support")
        #expect(m.runtime.port == 3000 && m.runtime.env == ["LOG_LEVEL": "info"])
        #expect(m.settings[0].id == "project" && m.settings[0].type == "project_picker")
        #expect(m.settings[0].description == "The project whose tickets the desk answers")
        let kept = try #require(m.linkworld)
        let heartbeats = try #require(kept["agents"]?.arrayValue?.first?["heartbeats"]?.arrayValue)
        #expect(heartbeats.count == 4)
        #expect(heartbeats[1]["schedule_type"] == "daily")
        #expect(heartbeats[0]["schedule_type"] == "interval")  // the default, filled in
        #expect(kept["emits"] == ["ticket_opened", "ticket_closed"])
        #expect(kept["subscribes_to"]?.arrayValue?.last?["target_heartbeat"] == "sweep")
        #expect(
            notes(report) == [
                "port_from_env /runtime/env/PORT", "not_acted_on /install_settings/0/type", "not_acted_on /workflows",
                "not_acted_on /http_routes", "not_acted_on /agents", "not_acted_on /emits", "not_acted_on /subscribes_to",
            ])
        // Its native form, written by hand, is the same manifest.
        #expect(try Self.fixture("native/valid-equivalent-linkworld-documented-fields.yaml").hash == report.hash)
    }

    @Test func linkworldsOwnRulesAreEnforced() throws {
        let report = try Self.fixture("linkworld/invalid-subscriptions-and-events.yaml")
        #expect(
            Set(problems(report)).isSuperset(of: [
                "invalid_value /subscribes_to/0/target_agent", "invalid_value /subscribes_to/1/target_heartbeat",
                "invalid_value /emits", "invalid_value /emits/2", "unknown_field /subscribes_to/4/priority",
            ]))
        let heartbeats = try Self.fixture("linkworld/invalid-agents-and-heartbeats.yaml")
        #expect(
            Set(problems(heartbeats)).isSuperset(of: [
                "invalid_value /agents/0/heartbeats/0/interval_minutes", "invalid_value /agents/0/heartbeats/1/day_of_week",
                "invalid_value /agents/0/heartbeats/1/time_of_day", "invalid_cron /agents/0/heartbeats/2/cron_expression",
                "missing_field /agents/0/heartbeats/5/cron_expression", "duplicate_name /agents/1/id",
            ]))
        // A field linkworld does not document is still unknown.
        #expect(problems(try Self.fixture("linkworld/invalid-workflows-routes-settings.yaml")).contains("unknown_field /widgets"))
    }

    @Test func linkworldPortMustAgreeWithRuntimePort() throws {
        #expect(problems(try Self.fixture("linkworld/invalid-port-in-env.yaml")) == ["invalid_value /runtime/env/PORT"])
        let same = load(
            """
            apiVersion: linkworld.ai/v2
            app_id: support-desk
            version: 2.1.0
            name: Support Desk
            runtime: {image: "acme/desk:1", port: 3000, env: {PORT: "3000"}}
            """)
        #expect(same.manifest?.runtime.port == 3000, "\(same.diagnostics)")
        #expect(notes(same) == ["port_from_env /runtime/env/PORT"])
    }

    @Test func aManifestWithoutImportedExtrasHasNoNotes() throws {
        #expect(try Self.fixture("linkworld/valid-full.yaml").notes.isEmpty)
        #expect(try Self.fixture("opensail/valid-full.json").notes.isEmpty)
        #expect(try Self.fixture("native/valid-equivalent-linkworld-documented-fields.yaml").notes.isEmpty)
    }
}
