/// A validated `marina/v1` manifest with every default filled in. Build one with
/// `ManifestLoader`; the platform reads these fields, never the raw document.
public struct Manifest: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var app: App
    public var runtime: Runtime
    public var network: Network
    public var scopes: [String]
    public var tools: [Tool]
    public var events: [String]
    public var schedules: [Schedule]
    public var webhooks: [Webhook]
    public var settings: [Setting]
    public var connectors: [Connector]?
    public var surfaces: [Surface]?
    public var containers: [Container]?
    public var connections: [Connection]?
    public var agents: [Agent]?
    public var state: State?
    public var compatibility: Compatibility?
    public var source: SourceVisibility?
    public var migrations: [Migration]?
    public var billing: Billing?
    public var listing: Listing?
    public var evalScenarios: [EvalScenario]?
    /// linkworld fields kept but not acted on yet (`LinkworldExtras` in the docs).
    public var linkworld: JSONValue?

    enum CodingKeys: String, CodingKey {
        case apiVersion, app, runtime, network, scopes, tools, events, schedules, webhooks, settings, connectors, surfaces
        case containers, connections, agents, state, compatibility, source, migrations, billing, listing, linkworld
        case evalScenarios = "eval_scenarios"
    }

    public struct App: Sendable, Hashable, Codable {
        public var id: String
        public var name: String
        public var version: String
        public var description: String?
        public var category: String?
        public var icon: String?
        public var changelog: String?
        public var forkable: String
        public var forkedFrom: String?
        public var qualifiedId: String?
        public var creatorId: String?

        enum CodingKeys: String, CodingKey {
            case id, name, version, description, category, icon, changelog, forkable
            case forkedFrom = "forked_from", qualifiedId = "qualified_id", creatorId = "creator_id"
        }
    }

    public struct Resources: Sendable, Hashable, Codable {
        public var memoryMB: Int
        public var cpuCores: Double
        public var maxProcesses: Int
        enum CodingKeys: String, CodingKey { case memoryMB = "memory_mb", cpuCores = "cpu_cores", maxProcesses = "max_processes" }
    }

    public struct Runtime: Sendable, Hashable, Codable {
        public var command: [String]?
        public var image: String?
        public var port: Int
        public var resources: Resources
        public var env: [String: String]
        public var idleTimeoutSeconds: Int
        public var tier: Int?
        public var model: String?
        public var computeModel: String?
        enum CodingKeys: String, CodingKey {
            case command, image, port, resources, env, tier, model
            case idleTimeoutSeconds = "idle_timeout_s", computeModel = "compute_model"
        }
    }

    public struct Network: Sendable, Hashable, Codable {
        public var egressHosts: [String]
        enum CodingKeys: String, CodingKey { case egressHosts = "egress_hosts" }
    }

    public struct Tool: Sendable, Hashable, Codable {
        public var name: String
        public var title: String?
        public var description: String?
        public var inputSchema: JSONValue
        public var outputSchema: JSONValue?
        public var scopes: [String]
        public var agentVisible: Bool
        public var timeoutSeconds: Int
        public var entrypoint: String?
        enum CodingKeys: String, CodingKey {
            case name, title, description, scopes, entrypoint
            case inputSchema = "input_schema", outputSchema = "output_schema", agentVisible = "agent_visible", timeoutSeconds = "timeout_s"
        }
    }

    public struct Schedule: Sendable, Hashable, Codable {
        public var name: String
        public var cron: String?
        public var timezone: String
        public var description: String?
        public var entrypoint: String?
        public var execution: String
        public var trigger: String
        public var editable: Bool
        public var optional: Bool
    }

    public struct Webhook: Sendable, Hashable, Codable {
        public var name: String
        public var description: String?
    }

    public struct Setting: Sendable, Hashable, Codable {
        public var id: String
        public var type: String
        public var label: String?
        public var description: String?
        public var required: Bool
        public var `default`: JSONValue?
        public var options: [JSONValue]?
        public var min: Double?
        public var max: Double?
    }

    public struct Connector: Sendable, Hashable, Codable {
        public var id: String
        public var kind: String
        public var scopes: [String]
        public var required: Bool
        public var oauth: Bool
        public var secretKey: String?
        enum CodingKeys: String, CodingKey { case id, kind, scopes, required, oauth, secretKey = "secret_key" }
    }

    public struct Surface: Sendable, Hashable, Codable {
        public var kind: String
        public var entrypoint: String?
        public var name: String?
        public var description: String?
    }

    public struct Container: Sendable, Hashable, Codable {
        public var name: String
        public var image: String
        public var primary: Bool
        public var ports: [Int]
        /// The port the container listens on (OpenSail's `env.PORT`).
        public var port: Int?
        public var env: [String: String]
        public var command: [String]?
        public var resources: [String: JSONValue]?
        public var extensions: [String: JSONValue]?
    }

    public struct Connection: Sendable, Hashable, Codable {
        public var sourceContainer: String
        public var targetContainer: String
        public var connectorType: String
        public var config: [String: JSONValue]
        enum CodingKeys: String, CodingKey {
            case config, sourceContainer = "source_container", targetContainer = "target_container", connectorType = "connector_type"
        }
    }

    public struct Agent: Sendable, Hashable, Codable {
        public var id: String
        public var systemPromptRef: String
        public var modelPref: String?
        public var toolsRef: [String]?
        public var mcpsRef: [String]?
        public var temperature: Double?
        public var maxTokens: Int?
        public var thinkingEffort: String?
        public var warmPoolSize: Int?
        enum CodingKeys: String, CodingKey {
            case id, temperature
            case systemPromptRef = "system_prompt_ref", modelPref = "model_pref", toolsRef = "tools_ref", mcpsRef = "mcps_ref"
            case maxTokens = "max_tokens", thinkingEffort = "thinking_effort", warmPoolSize = "warm_pool_size"
        }
    }

    public struct State: Sendable, Hashable, Codable {
        public struct ByoDatabase: Sendable, Hashable, Codable {
            public var schema: String?
            public var connectionEnv: String?
            public var externalDbVersion: String?
            enum CodingKeys: String, CodingKey { case schema, connectionEnv = "connection_env", externalDbVersion = "external_db_version" }
        }
        public var model: String
        public var volumeSize: String?
        public var byoDatabase: ByoDatabase?
        enum CodingKeys: String, CodingKey { case model, volumeSize = "volume_size", byoDatabase = "byo_database" }
    }

    public struct Compatibility: Sendable, Hashable, Codable {
        public struct Range: Sendable, Hashable, Codable { public var min: String; public var max: String? }
        public var platform: Range?
        public var runtimeApi: String?
        public var requiredFeatures: [String]
        enum CodingKeys: String, CodingKey { case platform, runtimeApi = "runtime_api", requiredFeatures = "required_features" }
    }

    public struct SourceVisibility: Sendable, Hashable, Codable {
        public var level: String
        public var excludedPaths: [String]
        public var manifestAlwaysPublic: Bool
        enum CodingKeys: String, CodingKey { case level, excludedPaths = "excluded_paths", manifestAlwaysPublic = "manifest_always_public" }
    }

    public struct Migration: Sendable, Hashable, Codable {
        public var from: String
        public var to: String
        public var autoSafe: Bool
        public var up: String?
        public var down: String?
        enum CodingKeys: String, CodingKey { case from, to, up, down, autoSafe = "auto_safe" }
    }

    public struct BillingDimension: Sendable, Hashable, Codable {
        public var payer: String
        public var markupPct: Double
        public var capUSDPerSession: Double?
        public var capUSDPerMonthPerInstall: Double?
        public var onCap: String
        public var freeTier: [String: JSONValue]?
        enum CodingKeys: String, CodingKey {
            case payer, markupPct = "markup_pct", capUSDPerSession = "cap_usd_per_session"
            case capUSDPerMonthPerInstall = "cap_usd_per_month_per_install", onCap = "on_cap", freeTier = "free_tier"
        }
    }

    public struct PlatformFee: Sendable, Hashable, Codable {
        public var model: String
        public var priceUSD: Double?
        public var billingPeriod: String?
        public var trialDays: Int
        enum CodingKeys: String, CodingKey { case model, priceUSD = "price_usd", billingPeriod = "billing_period", trialDays = "trial_days" }
    }

    public struct PromotionalBudget: Sendable, Hashable, Codable {
        public var fundUSD: Double
        public var covers: [String]
        public var onExhaust: String
        enum CodingKeys: String, CodingKey { case covers, fundUSD = "fund_usd", onExhaust = "on_exhaust" }
    }

    public struct Billing: Sendable, Hashable, Codable {
        public var aiCompute: BillingDimension?
        public var generalCompute: BillingDimension?
        public var platformFee: PlatformFee?
        public var promotionalBudget: PromotionalBudget?
        enum CodingKeys: String, CodingKey {
            case aiCompute = "ai_compute", generalCompute = "general_compute", platformFee = "platform_fee", promotionalBudget = "promotional_budget"
        }
    }

    public struct Listing: Sendable, Hashable, Codable {
        public var visibility: String
        public var updatePolicyDefault: String
        public var minimumRollbackVersion: String?
        enum CodingKeys: String, CodingKey {
            case visibility, updatePolicyDefault = "update_policy_default", minimumRollbackVersion = "minimum_rollback_version"
        }
    }

    public struct EvalScenario: Sendable, Hashable, Codable {
        public var entrypoint: String
        public var input: JSONValue?
        public var expectedBehavior: String
        enum CodingKeys: String, CodingKey { case entrypoint, input, expectedBehavior = "expected_behavior" }
    }
}

extension Manifest {
    public var version: SemanticVersion { SemanticVersion(app.version)! }
    public func tool(named name: String) -> Tool? { tools.first { $0.name == name } }
    /// Secret keys referenced by `${secret:KEY}` in the runtime environment.
    public var referencedSecretKeys: [String] { runtime.env.keys.sorted().flatMap { SecretReference.keys(inNative: runtime.env[$0]!) } }
}
