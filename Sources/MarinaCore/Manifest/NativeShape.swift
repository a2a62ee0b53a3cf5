// Over 400 lines on purpose: the whole native format as one declarative table, read top to
// bottom (the docs and the JSON Schema are generated from it); split, a field would be hunted for.

/// The native manifest format `marina/v1`: the SPEC §3 core plus everything the imported formats
/// can say. `docs/manifest.md` and `schemas/marina-app-v1.schema.json` are generated from here.
public enum NativeShape {
    public static let apiVersion = "marina/v1"

    static let toolSchemaDefault: JSONValue = ["type": "object"]

    static let app = ObjectShape(
        "App", doc: "Who the app is. `id` never changes once the app exists.",
        [
            .required("id", .string(.slug), doc: "The app's slug, `^[a-z][a-z0-9-]{2,63}$`; immutable."),
            .required("name", .string(minLength: 1, maxLength: 120), doc: "Display name."),
            .required("version", .string(.semver), doc: "Semantic version of this release; versions of an app strictly increase."),
            FieldSpec("description", .string(maxLength: 4000), doc: "What the app does."),
            FieldSpec("category", .string(maxLength: 64), doc: "Marketplace category."),
            FieldSpec("icon", .string(maxLength: 2048), doc: "Icon: a content hash or a URL."),
            FieldSpec("changelog", .string(maxLength: 8000), doc: "What changed in this version."),
            FieldSpec("forkable", .enumeration(["yes", "restricted", "no"]), default: "no", doc: "Whether others may fork the app."),
            FieldSpec("forked_from", .string(.appRef), doc: "`app-id@version` of the parent when this app is a fork."),
            FieldSpec("qualified_id", .string(.reverseDNS), doc: "Reverse-DNS id (OpenSail's `app.id`)."),
            FieldSpec("creator_id", .string(.uuid), doc: "UUID of the creator in the source marketplace."),
        ])

    static let resources = ObjectShape(
        "Resources", doc: "Limits enforced on each instance.",
        [
            FieldSpec("memory_mb", .integer(min: 64, max: 4096), default: 256, doc: "Memory limit in MiB."),
            FieldSpec("cpu_cores", .number(min: 0.1, max: 4), default: 1, doc: "CPU limit in cores."),
            FieldSpec("max_processes", .integer(min: 1, max: 4096), default: 64, doc: "Most processes and threads the instance may run at once."),
        ])

    static let runtime = ObjectShape(
        "Runtime", doc: "How the app runs.",
        [
            FieldSpec(
                "command", .array(.string(.nonEmpty), minItems: 1, maxItems: 64),
                doc: "Argument vector the local driver runs inside the bundle (exec form, no shell)."),
            FieldSpec("image", .string(.image, maxLength: 512), doc: "Container image, for container drivers."),
            FieldSpec("port", .integer(min: 1024, max: 65535), default: 8080, doc: "TCP port the app listens on (`$PORT`)."),
            FieldSpec("resources", .object(resources), default: [:], doc: "Resource limits."),
            FieldSpec(
                "env", .map(.string(.envValue, maxLength: 32768), keyFormat: .envName), default: [:],
                doc:
                    "Environment variables; values may hold `${secret:KEY}` references, resolved when the instance starts. `PORT`, `MARINA_*` and the proxy variables are the platform's."
            ),
            FieldSpec(
                "idle_timeout_s", .integer(min: 10, max: 86400), default: 900, doc: "Seconds without calls before the instance is put to sleep."),
            FieldSpec("tier", .integer(allowed: [0, 1, 2]), doc: "Compute tier (OpenSail `compute.tier`)."),
            FieldSpec("model", .enumeration(["always-on", "job-only"]), doc: "Runtime shape: a long-running server, or scheduled jobs only."),
            FieldSpec(
                "compute_model", .enumeration(["per-invocation", "per-installer", "shared-singleton"]),
                doc: "How instances are shared (OpenSail `compute.compute_model`)."),
        ])

    static let network = ObjectShape(
        "Network",
        [
            FieldSpec(
                "egress_hosts", .array(.string(.hostname), maxItems: 100), default: [],
                doc: "DNS names the app may reach through the egress proxy; `*.example.com` allows every subdomain. No IP literals.")
        ])

    static let tool = ObjectShape(
        "Tool", doc: "A tool the app offers to tenants and their agents (`POST /tool/<name>`).",
        [
            .required("name", .string(.toolName), doc: "`^[a-z][a-z0-9_]*$`, at most 64 characters, unique."),
            FieldSpec("title", .string(maxLength: 120), doc: "Human-readable title."),
            FieldSpec("description", .string(maxLength: 4000), doc: "What the tool does, for people and agents."),
            FieldSpec("input_schema", .jsonSchema, default: toolSchemaDefault, doc: "JSON Schema (draft 2020-12) of the arguments."),
            FieldSpec("output_schema", .jsonSchema, doc: "JSON Schema of the result; results are checked against it."),
            FieldSpec("scopes", .array(.string(.scope)), default: [], doc: "Scopes the tool uses; each must be in the app's `scopes`."),
            FieldSpec("agent_visible", .boolean, default: true, doc: "Whether agents see the tool (MCP, `apps_invoke`)."),
            FieldSpec("timeout_s", .integer(min: 1, max: 900), default: 25, doc: "Seconds before a call fails with `tool_timeout`."),
            FieldSpec("entrypoint", .string(maxLength: 1024), doc: "Entry point in the bundle (OpenSail surfaces)."),
        ])

    static let schedule = ObjectShape(
        "Schedule", doc: "A timed event, delivered as `POST /event/schedule.<name>`.",
        [
            .required("name", .string(.eventName), doc: "Unique among schedules."),
            FieldSpec("cron", .string(.cron), doc: "Five-field cron expression; required when `trigger` is `cron`."),
            FieldSpec("timezone", .string(.timezone), default: "UTC", doc: "IANA time zone the cron expression is read in."),
            FieldSpec("description", .string(maxLength: 1000)),
            FieldSpec("entrypoint", .string(maxLength: 1024), doc: "Entry point in the bundle for `job` execution."),
            FieldSpec(
                "execution", .enumeration(["http-post", "job"]), default: "http-post", doc: "Delivered to the running app, or run as a one-off job."),
            FieldSpec("trigger", .enumeration(["cron", "webhook"]), default: "cron", doc: "What fires it."),
            FieldSpec("editable", .boolean, default: false, doc: "Whether the installer may change the cron expression."),
            FieldSpec("optional", .boolean, default: false, doc: "Whether the installer may turn it off."),
        ])

    static let webhook = ObjectShape(
        "Webhook", doc: "An inbound webhook, delivered as `POST /event/webhook.<name>` after its HMAC-SHA256 signature is checked.",
        [
            .required("name", .string(.eventName), doc: "Unique among webhooks."),
            FieldSpec("description", .string(maxLength: 1000)),
        ])

    static let settingOption = ObjectShape(
        "SettingOption",
        [
            .required("value", .string(maxLength: 256)),
            FieldSpec("label", .string(maxLength: 120)),
        ])

    static let settingTypes = ["string", "text", "number", "boolean", "select", "select_or_custom", "secret", "project_picker"]

    static let setting = ObjectShape(
        "Setting", doc: "A value the installer provides at install time. `secret` settings are stored as the tenant's secret overrides.",
        [
            .required("id", .string(.settingId), doc: "Unique; a `secret` setting is stored under the upper-cased id."),
            .required(
                "type", .enumeration(settingTypes),
                doc:
                    "`project_picker` (from linkworld) is a project of the tenant's; Marina has no project list yet, so the installer gives the project's id as text."
            ),
            FieldSpec("label", .string(maxLength: 120)),
            FieldSpec("description", .string(maxLength: 1000)),
            FieldSpec("required", .boolean, default: false),
            FieldSpec("default", .any, doc: "Of the setting's type; not allowed for `secret`."),
            FieldSpec(
                "options", .array(.either([.string(maxLength: 256), .object(settingOption)]), maxItems: 500),
                doc: "Choices of `select` and `select_or_custom`."),
            FieldSpec("min", .number(), doc: "Lower bound of a `number`."),
            FieldSpec("max", .number(), doc: "Upper bound of a `number`."),
        ])

    static let connector = ObjectShape(
        "Connector", doc: "An external account the installer connects.",
        [
            .required("id", .string(minLength: 1, maxLength: 128)),
            .required("kind", .enumeration(["mcp", "api_key", "oauth", "webhook"])),
            FieldSpec("scopes", .array(.string(maxLength: 256)), default: [], doc: "Scopes requested from the external service (not Marina scopes)."),
            FieldSpec("required", .boolean, default: true),
            FieldSpec("oauth", .boolean, default: false),
            FieldSpec("secret_key", .string(maxLength: 256), doc: "Secret under which the credential is kept."),
        ])

    static let surface = ObjectShape(
        "Surface", doc: "A user-facing surface (OpenSail); `mcp-tool` surfaces are `tools`.",
        [
            .required("kind", .enumeration(["ui", "chat", "scheduled", "triggered"])),
            FieldSpec("entrypoint", .string(maxLength: 1024), doc: "Required for `ui` and `chat`."),
            FieldSpec("name", .string(maxLength: 120)),
            FieldSpec("description", .string(maxLength: 4000)),
        ])

    static let container = ObjectShape(
        "Container", doc: "One container of a multi-container app; exactly one is primary.",
        [
            .required("name", .string(minLength: 1, maxLength: 64)),
            .required("image", .string(.image, maxLength: 512)),
            FieldSpec("primary", .boolean, default: false),
            FieldSpec("ports", .array(.integer(min: 1, max: 65535)), default: []),
            FieldSpec(
                "port", .integer(min: 1, max: 65535),
                doc: "The port the container's process listens on; a container driver sets `PORT` to it (OpenSail's `env.PORT`)."),
            FieldSpec("env", .map(.string(.envValue, maxLength: 32768), keyFormat: .envName), default: [:]),
            FieldSpec("command", .array(.string(.nonEmpty), minItems: 1, maxItems: 64)),
            FieldSpec("resources", .map(.any, keyFormat: nil), doc: "Free-form resource requests for container drivers."),
            FieldSpec("extensions", .map(.any, keyFormat: nil), doc: "Driver-specific fields carried over from OpenSail."),
        ])

    static let connection = ObjectShape(
        "Connection",
        [
            .required("source_container", .string),
            .required("target_container", .string),
            .required(
                "connector_type", .enumeration(["env_injection", "http_api", "database", "cache", "message_queue", "websocket", "depends_on"])),
            FieldSpec("config", .map(.any, keyFormat: nil), default: [:]),
        ])

    static let agent = ObjectShape(
        "Agent", doc: "A hosted agent (OpenSail `compute.hosted_agents`).",
        [
            .required("id", .string(minLength: 1, maxLength: 128)),
            .required("system_prompt_ref", .string(minLength: 1, maxLength: 1024)),
            FieldSpec("model_pref", .string(maxLength: 256)),
            FieldSpec("tools_ref", .array(.string)),
            FieldSpec("mcps_ref", .array(.string)),
            FieldSpec("temperature", .number()),
            FieldSpec("max_tokens", .integer()),
            FieldSpec("thinking_effort", .string(maxLength: 64)),
            FieldSpec("warm_pool_size", .integer(min: 0)),
        ])

    static let state = ObjectShape(
        "State",
        [
            .required("model", .enumeration(["stateless", "per-install-volume", "byo-database"])),
            FieldSpec("volume_size", .string(.volumeSize)),
            FieldSpec(
                "byo_database",
                .object(
                    ObjectShape(
                        "ByoDatabase",
                        [
                            FieldSpec("schema", .string), FieldSpec("connection_env", .string), FieldSpec("external_db_version", .string),
                        ]))),
        ])

    static let compatibility = ObjectShape(
        "Compatibility",
        [
            FieldSpec("platform", .object(ObjectShape("PlatformRange", [.required("min", .string), FieldSpec("max", .string)]))),
            FieldSpec("runtime_api", .string(maxLength: 64), doc: "Semver range of the runtime API, e.g. `^1.2`."),
            FieldSpec("required_features", .array(.string), default: []),
        ])

    static let source = ObjectShape(
        "SourceVisibility",
        [
            FieldSpec("level", .enumeration(["public", "installers", "private"]), default: "installers"),
            FieldSpec("excluded_paths", .array(.string), default: [".env*", "secrets/**", ".git/**"]),
            FieldSpec("manifest_always_public", .boolean, default: true),
        ])

    static let migration = ObjectShape(
        "Migration",
        [
            .required("from", .string), .required("to", .string),
            FieldSpec("auto_safe", .boolean, default: false),
            FieldSpec("up", .string), FieldSpec("down", .string),
        ])

    static let billingDimension = ObjectShape(
        "BillingDimension", doc: "Who pays for one cost dimension and within which caps.",
        [
            .required("payer", .enumeration(["creator", "platform", "installer", "byok"])),
            FieldSpec("markup_pct", .number(min: 0), default: 0),
            FieldSpec("cap_usd_per_session", .number(min: 0)),
            FieldSpec("cap_usd_per_month_per_install", .number(min: 0)),
            FieldSpec("on_cap", .enumeration(["pause", "degrade", "notify-only"]), default: "pause"),
            FieldSpec(
                "free_tier",
                .object(
                    ObjectShape(
                        "FreeTier", allowsUnknownFields: true,
                        [
                            FieldSpec("cpu_seconds_per_month", .integer(min: 0)), FieldSpec("volume_gb", .number(min: 0)),
                        ]))),
        ])

    static let platformFee = ObjectShape(
        "PlatformFee",
        [
            .required("model", .enumeration(["free", "one_time", "subscription", "per_invocation"])),
            FieldSpec("price_usd", .number(min: 0)),
            FieldSpec("billing_period", .nullable(.enumeration(["monthly", "yearly"]))),
            FieldSpec("trial_days", .integer(min: 0), default: 0),
        ])

    static let billing = ObjectShape(
        "Billing",
        [
            FieldSpec("ai_compute", .object(billingDimension)),
            FieldSpec("general_compute", .object(billingDimension)),
            FieldSpec("platform_fee", .object(platformFee)),
            FieldSpec(
                "promotional_budget",
                .object(
                    ObjectShape(
                        "PromotionalBudget",
                        [
                            FieldSpec("fund_usd", .number(min: 0), default: 0),
                            FieldSpec("covers", .array(.enumeration(["ai_compute", "general_compute", "platform_fee"])), default: []),
                            FieldSpec("on_exhaust", .enumeration(["disable", "flip_to_installer", "degrade_to_free"]), default: "flip_to_installer"),
                        ]))),
        ])

    static let listing = ObjectShape(
        "Listing",
        [
            FieldSpec("visibility", .string(.visibility), default: "public", doc: "`public`, `private` or `team:<uuid>`."),
            FieldSpec("update_policy_default", .enumeration(["auto", "manual", "patch-auto", "minor-auto", "pinned"]), default: "manual"),
            FieldSpec("minimum_rollback_version", .string(.semver), doc: "`deploy` refuses to roll back below this version."),
        ])

    static let evalScenario = ObjectShape(
        "EvalScenario", doc: "A scenario the review pipeline's sandbox evaluation runs.",
        [
            .required("entrypoint", .string(minLength: 1, maxLength: 1024), doc: "The tool (or OpenSail entry point) to call."),
            FieldSpec("input", .any, doc: "Arguments or input."),
            .required("expected_behavior", .string(minLength: 1, maxLength: 4000)),
        ])

    static let linkworldWorkflow = ObjectShape(
        "LinkworldWorkflow", doc: "A workflow: hints for the tenant's orchestrator.",
        [
            .required("id", .string(minLength: 1)),
            FieldSpec("name", .string),
            FieldSpec("intent", .string),
            FieldSpec("triggers", .array(.any)),
            FieldSpec("flow", .array(.any)),
            FieldSpec("tools_required", .array(.string)),
        ])

    static let linkworldHttpRoute = ObjectShape(
        "LinkworldHttpRoute", doc: "A custom HTTP route the app serves.",
        [
            .required("path", .string(minLength: 1)),
            FieldSpec("methods", .array(.string)),
            FieldSpec("public", .boolean),
        ])

    static let linkworldHeartbeat = ObjectShape(
        "LinkworldHeartbeat",
        doc:
            "A recurring run of an agent. `cron` needs `cron_expression`, `daily` needs `time_of_day`, `weekly` needs `day_of_week` and `time_of_day`.",
        [
            .required("slug", .string(minLength: 1), doc: "Unique within the agent."),
            FieldSpec("skill", .string),
            FieldSpec("tool", .string),
            FieldSpec("params", .any),
            FieldSpec("schedule_type", .enumeration(["interval", "daily", "weekly", "cron"]), default: "interval"),
            FieldSpec("interval_minutes", .integer(min: 5, max: 43200)),
            FieldSpec("cron_expression", .string(.cron)),
            FieldSpec("time_of_day", .string(.clockTime)),
            FieldSpec("day_of_week", .integer(min: 0, max: 6), doc: "0 is Monday."),
            FieldSpec(
                "active_hours",
                .object(
                    ObjectShape(
                        "LinkworldActiveHours",
                        [
                            .required("start", .string(.clockTime)),
                            .required("end", .string(.clockTime)),
                            FieldSpec("timezone", .string(.timezone)),
                        ]))),
            FieldSpec("invoke_always", .boolean, default: false),
            FieldSpec("cooldown_seconds", .integer(min: 0)),
            FieldSpec("conversation_mode", .string),
            FieldSpec("model_tier", .string),
            FieldSpec("prompt", .string),
        ])

    static let linkworldAgent = ObjectShape(
        "LinkworldAgent", doc: "An agent of the app, with its heartbeats.",
        [
            .required("id", .string(minLength: 1), doc: "Unique; what `subscribes_to[].target_agent` names."),
            FieldSpec("name", .string),
            FieldSpec("system_prompt", .string),
            FieldSpec("is_default", .boolean),
            FieldSpec("team", .array(.any)),
            FieldSpec("heartbeats", .array(.object(linkworldHeartbeat))),
        ])

    static let linkworldSubscription = ObjectShape(
        "LinkworldSubscription", doc: "An event of another app that one of this app's agents handles.",
        [
            .required("emitter_app", .string(.slug)),
            .required("event_name", .string(.linkworldEventName)),
            .required("target_agent", .string(minLength: 1), doc: "The `id` of an agent of this app."),
            FieldSpec("target_heartbeat", .string(minLength: 1), doc: "The `slug` of a heartbeat of that agent."),
        ])

    /// The fields of the `linkworld` section, in order.
    static let linkworldFields = ["workflows", "http_routes", "agents", "emits", "subscribes_to"]

    static let linkworld = ObjectShape(
        "LinkworldExtras",
        doc:
            "Fields of `linkworld.ai/v2` that Marina keeps but does not act on yet; an imported linkworld manifest has them here, and they count in the hash.",
        [
            FieldSpec("workflows", .array(.object(linkworldWorkflow))),
            FieldSpec("http_routes", .array(.object(linkworldHttpRoute))),
            FieldSpec("agents", .array(.object(linkworldAgent))),
            FieldSpec("emits", .array(.string(.linkworldEventName), maxItems: 30), doc: "Events the app emits."),
            FieldSpec("subscribes_to", .array(.object(linkworldSubscription))),
        ])

    static let events: [String] = ["install", "uninstall", "inbound", "user_added"]

    public static let root = ObjectShape(
        "MarinaAppManifest", doc: "A Marina app manifest (`marina.app.yaml` or `marina.app.json`).",
        [
            .required("apiVersion", .enumeration([apiVersion])),
            .required("app", .object(app)),
            FieldSpec("runtime", .object(runtime), default: [:]),
            FieldSpec("network", .object(network), default: [:]),
            FieldSpec(
                "scopes", .array(.string(.scope)), default: [], doc: "Scopes from the catalog the app may use; the tenant grants them at install."),
            FieldSpec("tools", .array(.object(tool), maxItems: 256), default: []),
            FieldSpec("events", .array(.enumeration(events)), default: [], doc: "Lifecycle events the app handles."),
            FieldSpec("schedules", .array(.object(schedule), maxItems: 64), default: []),
            FieldSpec("webhooks", .array(.object(webhook), maxItems: 64), default: []),
            FieldSpec("settings", .array(.object(setting), maxItems: 128), default: []),
            FieldSpec("connectors", .array(.object(connector), maxItems: 64)),
            FieldSpec("surfaces", .array(.object(surface), maxItems: 64)),
            FieldSpec("containers", .array(.object(container), maxItems: 16)),
            FieldSpec("connections", .array(.object(connection), maxItems: 64)),
            FieldSpec("agents", .array(.object(agent), maxItems: 32)),
            FieldSpec("state", .object(state)),
            FieldSpec("compatibility", .object(compatibility)),
            FieldSpec("source", .object(source)),
            FieldSpec("migrations", .array(.object(migration))),
            FieldSpec("billing", .object(billing)),
            FieldSpec("listing", .object(listing)),
            FieldSpec("eval_scenarios", .array(.object(evalScenario), maxItems: 200)),
            FieldSpec("linkworld", .object(linkworld)),
        ])
}
