import MarinaCore
import Testing

@Suite struct ManifestValidationTests {
    @Test func theSpecExampleIsValidWithItsDefaultsFilledIn() throws {
        let report = ManifestLoader.load(bytes: try Repo.bytes("examples/manifests/spec-example.marina.app.yaml"), fileName: "marina.app.yaml")
        #expect(report.isValid, "\(report.diagnostics)")
        let m = try #require(report.manifest)
        #expect(m.app.id == "invoice-triage")
        #expect(m.runtime.resources.maxProcesses == 64)
        #expect(m.tools[0].scopes == ["kv.read"])
        #expect(m.referencedSecretKeys == ["API_KEY"])
        #expect(m.schedules[0].execution == "http-post")
    }

    @Test func everyErrorIsReportedNotOnlyTheFirst() {
        let report = load(
            """
            apiVersion: marina/v1
            app: {id: X, name: "", version: 01.0.0, colour: red}
            runtime: {port: 80, resources: {memory_mb: 10000}, env: {PORT: "1"}}
            scopes: [kv.read, kv.read, mail.sendd]
            tools:
              - {name: go, scopes: [kv.write]}
              - {name: go}
            schedules: [{name: tick, cron: "* * *"}]
            """)
        #expect(
            Set(problems(report)) == [
                "invalid_value /app/id", "invalid_value /app/name", "invalid_value /app/version", "unknown_field /app/colour",
                "invalid_value /runtime/port", "invalid_value /runtime/resources/memory_mb", "invalid_value /runtime/env/PORT",
                "duplicate_name /scopes/1", "unknown_scope /scopes/2", "scope_not_declared /tools/0/scopes/0",
                "duplicate_name /tools/1/name", "invalid_cron /schedules/0/cron",
            ])
    }

    @Test func unknownFieldsSuggestTheNearestKnownOne() {
        let report = load(minimalNative + "\n  idle_timeout: 30\n")
        #expect(problems(report) == ["unknown_field /runtime/idle_timeout"])
        #expect(report.diagnostics[0].message.contains("idle_timeout_s"))
    }

    @Test func unsupportedAndMissingVersionsAreNamed() {
        #expect(problems(load("apiVersion: marina/v2\napp: {}\n")) == ["unsupported_version /apiVersion"])
        #expect(problems(load("app: {}\n")) == ["missing_field /apiVersion"])
        #expect(problems(load(#"{"manifest_schema_version": "2024-01"}"#)) == ["unsupported_version /manifest_schema_version"])
    }

    @Test func linkworldErrorsPointIntoTheLinkworldDocument() {
        let report = load(
            """
            apiVersion: linkworld.ai/v2
            app_id: crm-sync
            version: 1.0.0
            name: CRM Sync
            runtime: {image: "acme/crm:1"}
            required_scopes: [kv.read]
            tools:
              - {name: sync, scopes_required: [kv.read, mail.send]}
              - {name: sync}
            lifecycle: {on_install: true, schedules: [{name: hourly, cron: "0 * * * * *"}]}
            install_settings: [{id: region, type: select}]
            """, fileName: "linkworld.app.yaml")
        #expect(report.format == .linkworld)
        #expect(
            Set(problems(report)) == [
                "scope_not_declared /tools/0/scopes_required/1", "duplicate_name /tools/1/name",
                "invalid_cron /lifecycle/schedules/0/cron", "missing_field /install_settings/0/options",
            ])
    }

    @Test func linkworldConvertsToTheNativeModel() throws {
        let report = load(
            """
            apiVersion: linkworld.ai/v2
            app_id: crm-sync
            version: 2.1.0-rc.1
            name: CRM Sync
            runtime: {image: "acme/crm:1", port: 9000, env: {MODE: fast}}
            network: {egress_hosts: [api.crm.example]}
            required_scopes: [kv.read, http.fetch]
            tools: [{name: sync, description: Sync now, scopes_required: [http.fetch], agent_visible: false}]
            lifecycle: {on_install: true, on_user_added: true, schedules: [{name: hourly, cron: "0 * * * *"}]}
            install_settings: [{id: api_token, type: secret, label: Token, required: true}]
            pricing: {model: subscription, price_usd: 9.5, billing_period: monthly}
            """)
        let m = try #require(report.manifest, "\(report.diagnostics)")
        #expect(m.app.id == "crm-sync" && m.app.version == "2.1.0-rc.1")
        #expect(m.runtime.image == "acme/crm:1" && m.runtime.command == nil && m.runtime.port == 9000)
        #expect(m.scopes == ["kv.read", "http.fetch"])
        #expect(m.tools[0].scopes == ["http.fetch"] && m.tools[0].agentVisible == false)
        #expect(m.tools[0].inputSchema == ["type": "object"])
        #expect(m.events == ["install", "user_added"])
        #expect(m.schedules[0].cron == "0 * * * *")
        #expect(m.settings[0].type == "secret")
        #expect(m.billing?.platformFee?.priceUSD == 9.5)
    }

    @Test func openSailConvertsContainersSurfacesAndSecretReferences() throws {
        let report = ManifestLoader.load(bytes: Array(openSailExample.utf8), fileName: "app.manifest.json")
        let m = try #require(report.manifest, "\(report.diagnostics)")
        #expect(report.format == .openSail)
        #expect(m.app.id == "intake-contract" && m.app.qualifiedId == "com.example.intake-contract")
        #expect(m.app.forkable == "yes")
        #expect(m.runtime.command == ["/bin/sh", "-c", "python3 server.py --port 8000"])
        #expect(m.runtime.image == "ghcr.io/example/intake:1")
        #expect(m.runtime.port == 8000)
        #expect(m.runtime.env["API_KEY"] == "${secret:STRIPE_API_KEY}")
        #expect(m.referencedSecretKeys == ["STRIPE_API_KEY"])
        #expect(m.tools.map(\.name) == ["summarize"])
        #expect(m.surfaces?.map(\.kind) == ["ui"])
        #expect(m.containers?.first(where: \.primary)?.extensions?["healthcheck"] == "/health")
        #expect(m.schedules[0].execution == "job" && m.schedules[0].editable)
    }

    @Test func openSailForgottenRulesAreEnforced() {
        var doc = openSailExample
        doc = doc.replacingOccurrences(of: "\"primary\": true", with: "\"primary\": false")
        doc = doc.replacingOccurrences(of: "${secret:stripe/api-key}", with: "${secret:stripe}")
        doc = doc.replacingOccurrences(of: "\"0 3 * * *\"", with: "\"0 3 * *\"")
        let report = ManifestLoader.load(bytes: Array(doc.utf8), fileName: "app.manifest.json")
        #expect(
            Set(problems(report)) == [
                "invalid_value /compute/containers", "invalid_value /compute/containers/0/env/API_KEY", "invalid_cron /schedules/0/default_cron",
            ])
    }

    @Test func settingsAreCheckedAgainstTheirType() {
        let report = load(
            minimalNative + """

                settings:
                  - {id: colour, type: select, options: [red, blue], default: green}
                  - {id: limit, type: number, min: 10, max: 5, default: 20}
                  - {id: token, type: secret, default: hunter2}
                  - {id: on, type: boolean, default: "yes", options: [a]}
                  - {id: TOKEN, type: secret}
                """)
        #expect(
            Set(problems(report)) == [
                "invalid_value /settings/0/default", "invalid_value /settings/1/max", "invalid_value /settings/1/default",
                "invalid_value /settings/2/default", "invalid_type /settings/3/default", "invalid_value /settings/3/options",
                "duplicate_name /settings/4/id",
            ])
    }

    @Test func egressHostsAreDNSNamesOnly() {
        let report = load(
            minimalNative + "\nnetwork: {egress_hosts: [api.example.com, \"*.example.org\", 10.0.0.1, \"host:443\", localhost, Bad.Example.com]}\n")
        #expect(
            Set(problems(report)) == [
                "invalid_value /network/egress_hosts/2", "invalid_value /network/egress_hosts/3", "invalid_value /network/egress_hosts/4",
                "invalid_value /network/egress_hosts/5",
            ])
    }

    @Test func anOperatorCatalogMakesMoreScopesKnown() throws {
        let yaml = minimalNative + "\nscopes: [crm.read]\n"
        #expect(problems(load(yaml)) == ["unknown_scope /scopes/0"])
        let catalog = try ScopeCatalogFile.extend(
            .default, with: Array("scopes: [{name: crm.read, description: Read CRM, tools: [crm_lookup]}]".utf8)
        ).get()
        #expect(ManifestLoader.load(text: yaml, context: ValidationContext(catalog: catalog)).isValid)
    }
}

let openSailExample = """
    {
      "manifest_schema_version": "2025-02",
      "app": {"id": "com.example.intake-contract", "name": "Intake", "slug": "intake-contract", "version": "1.2.0", "forkable": "true"},
      "compatibility": {"studio": {"min": "1.0.0"}, "manifest_schema": "2025-02", "runtime_api": "^1.2"},
      "surfaces": [
        {"kind": "ui", "entrypoint": "/"},
        {"kind": "mcp-tool", "name": "summarize", "description": "Summarize a contract", "tool_schema": {"type": "object"}}
      ],
      "compute": {
        "containers": [
          {"name": "web", "image": "ghcr.io/example/intake:1", "primary": true, "ports": [8000],
           "env": {"API_KEY": "${secret:stripe/api-key}"}, "startup_command": "python3 server.py --port 8000", "healthcheck": "/health"},
          {"name": "cache", "image": "redis:7"}
        ],
        "connections": [{"source_container": "web", "target_container": "cache", "connector_type": "cache"}]
      },
      "state": {"model": "stateless"},
      "schedules": [{"name": "nightly", "default_cron": "0 3 * * *"}],
      "billing": {
        "ai_compute": {"payer": "installer"},
        "general_compute": {"payer": "creator", "cap_usd_per_month_per_install": 5},
        "platform_fee": {"model": "free"}
      },
      "listing": {"visibility": "public"}
    }
    """
