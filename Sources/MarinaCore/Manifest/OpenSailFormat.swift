/// OpenSail's app manifest, `manifest_schema_version: "2025-02"` (JSON Schema in
/// `shared/reference/opensail/`). Accepted as the schema says, plus the rules it forgets: exactly
/// one primary container, valid cron expressions, well-formed `${secret:name/key}` references.
enum OpenSailFormat: ImportedFormat {
    static let schemaVersion = "2025-02"

    static let dimension = ObjectShape(
        "OpenSailDimensionBilling",
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
                        "OpenSailFreeTier", allowsUnknownFields: true,
                        [
                            FieldSpec("cpu_seconds_per_month", .integer(min: 0)), FieldSpec("volume_gb", .number(min: 0)),
                        ]))),
        ])

    static let container = ObjectShape(
        "OpenSailContainer", allowsUnknownFields: true,
        [
            .required("name", .string(minLength: 1, maxLength: 64)),
            .required("image", .string(.image, maxLength: 512)),
            FieldSpec("primary", .boolean, default: false),
            FieldSpec("ports", .array(.integer(min: 1, max: 65535)), default: []),
            FieldSpec("env", .map(.string(.openSailEnvValue, maxLength: 32768), keyFormat: .importedEnvName), default: [:]),
            FieldSpec("startup_command", .string(.nonEmpty, maxLength: 8192)),
            FieldSpec("resources", .map(.any, keyFormat: nil)),
        ])

    static let shape = ObjectShape(
        "OpenSailManifest",
        [
            .required("manifest_schema_version", .enumeration([schemaVersion])),
            .required(
                "app",
                .object(
                    ObjectShape(
                        "OpenSailApp",
                        [
                            .required("id", .string(.reverseDNS)),
                            .required("name", .string(minLength: 1, maxLength: 120)),
                            .required("slug", .string(.openSailSlug)),
                            FieldSpec("creator_id", .nullable(.string(.uuid))),
                            .required("version", .string(.semver)),
                            FieldSpec("description", .string(maxLength: 4000)),
                            FieldSpec("category", .string(maxLength: 64)),
                            FieldSpec("icon_ref", .nullable(.string(maxLength: 2048))),
                            FieldSpec("changelog", .string(maxLength: 8000)),
                            FieldSpec("forkable", .enumeration(["true", "restricted", "no"]), default: "restricted"),
                            FieldSpec("forked_from", .nullable(.string(.appRef))),
                        ]))),
            FieldSpec(
                "source_visibility",
                .object(
                    ObjectShape(
                        "OpenSailSourceVisibility",
                        [
                            FieldSpec("level", .enumeration(["public", "installers", "private"]), default: "installers"),
                            FieldSpec("excluded_paths", .array(.string), default: [".env*", "secrets/**", ".git/**", ".tesslate/internal/**"]),
                            FieldSpec("manifest_always_public", .boolean, default: true),
                        ]))),
            .required(
                "compatibility",
                .object(
                    ObjectShape(
                        "OpenSailCompatibility",
                        [
                            .required("studio", .object(ObjectShape("OpenSailStudio", [.required("min", .string), FieldSpec("max", .string)]))),
                            .required("manifest_schema", .enumeration([schemaVersion])),
                            .required("runtime_api", .string(maxLength: 64)),
                            FieldSpec("required_features", .array(.string), default: []),
                        ]))),
            .required(
                "surfaces",
                .array(
                    .object(
                        ObjectShape(
                            "OpenSailSurface",
                            [
                                .required("kind", .enumeration(["ui", "chat", "scheduled", "triggered", "mcp-tool"])),
                                FieldSpec("entrypoint", .string(maxLength: 1024)),
                                FieldSpec("name", .string(maxLength: 120)),
                                FieldSpec("description", .string(maxLength: 4000)),
                                FieldSpec("tool_schema", .jsonSchema),
                            ])), maxItems: 256)),
            FieldSpec(
                "compute",
                .object(
                    ObjectShape(
                        "OpenSailCompute",
                        [
                            FieldSpec("tier", .integer(allowed: [0, 1, 2]), default: 0),
                            FieldSpec("model", .enumeration(["always-on", "job-only"]), default: "always-on"),
                            FieldSpec(
                                "compute_model", .enumeration(["per-invocation", "per-installer", "shared-singleton"]), default: "per-invocation"),
                            FieldSpec("containers", .array(.object(container), maxItems: 16)),
                            FieldSpec("connections", .array(.object(NativeShape.connection), maxItems: 64), default: []),
                            FieldSpec("hosted_agents", .array(.object(NativeShape.agent), maxItems: 32)),
                        ]))),
            .required("state", .object(NativeShape.state)),
            FieldSpec("connectors", .array(.object(NativeShape.connector), maxItems: 64)),
            FieldSpec(
                "schedules",
                .array(
                    .object(
                        ObjectShape(
                            "OpenSailSchedule",
                            [
                                .required("name", .string(.eventName)),
                                FieldSpec("default_cron", .string(.cron)),
                                FieldSpec("entrypoint", .string(maxLength: 1024)),
                                FieldSpec("execution", .enumeration(["job", "http-post"]), default: "job"),
                                FieldSpec("trigger_kind", .enumeration(["cron", "webhook"]), default: "cron"),
                                FieldSpec("editable", .boolean, default: true),
                                FieldSpec("optional", .boolean, default: true),
                            ])), maxItems: 64)),
            FieldSpec("migrations", .array(.object(NativeShape.migration))),
            .required(
                "billing",
                .object(
                    ObjectShape(
                        "OpenSailBilling",
                        [
                            .required("ai_compute", .object(dimension)),
                            .required("general_compute", .object(dimension)),
                            .required("platform_fee", .object(NativeShape.platformFee)),
                            FieldSpec(
                                "promotional_budget",
                                .object(
                                    ObjectShape(
                                        "OpenSailPromotionalBudget",
                                        [
                                            FieldSpec("fund_usd", .number(min: 0), default: 0),
                                            FieldSpec("covers", .array(.enumeration(["ai_compute", "general_compute", "platform_fee"]))),
                                            FieldSpec(
                                                "on_exhaust", .enumeration(["disable", "flip_to_installer", "degrade_to_free"]),
                                                default: "flip_to_installer"),
                                        ]))),
                        ]))),
            .required(
                "listing",
                .object(
                    ObjectShape(
                        "OpenSailListing",
                        [
                            .required("visibility", .string(.visibility)),
                            FieldSpec("update_policy_default", .enumeration(["manual", "patch-auto", "minor-auto", "pinned"]), default: "manual"),
                            FieldSpec("minimum_rollback_version", .string(.semver)),
                        ]))),
            FieldSpec(
                "eval_scenarios",
                .array(
                    .object(
                        ObjectShape(
                            "OpenSailEvalScenario",
                            [
                                .required("entrypoint", .string(minLength: 1, maxLength: 1024)),
                                .required("input", .any),
                                .required("expected_behavior", .string(minLength: 1, maxLength: 4000)),
                            ])), minItems: 3, maxItems: 200)),
        ])

    /// An `mcp-tool` surface becomes a tool, so it needs a tool's name.
    static func extraRules(_ root: JSONValue, _ d: inout Diagnostics) {
        for (i, surface) in NativeRules.items(root["surfaces"]) where surface["kind"]?.stringValue == "mcp-tool" {
            let path = JSONPointer.root / "surfaces" / i / "name"
            guard let name = surface["name"] else {
                d.add(.missingField, path, "an mcp-tool surface needs a name: it becomes the tool's name")
                continue
            }
            if let s = name.stringValue, let (code, message) = StringFormat.toolName.check(s, context: ValidationContext()) {
                d.add(code, path, message)
            }
        }
        // A container's PORT is the port its process listens on; the primary's becomes runtime.port.
        for (i, container) in NativeRules.items(root["compute"]?["containers"]) {
            guard let value = container["env"]?["PORT"]?.stringValue else { continue }
            let primary = container["primary"] == true
            let low = primary ? 1024 : 1
            if let port = PortVariable.number(.string(value)), (low...65535).contains(port) { continue }
            let what = primary ? "the primary container's PORT becomes runtime.port" : "PORT is the port the container listens on"
            d.add(
                .invalidValue, JSONPointer.root / "compute" / "containers" / i / "env" / "PORT",
                "PORT \"\(value)\": \(what), a number from \(low) to 65535")
        }
    }

    static func notes(_ source: JSONValue) -> [ManifestNote] {
        var out: [ManifestNote] = []
        for (i, container) in NativeRules.items(source["compute"]?["containers"]) {
            guard let port = PortVariable.number(container["env"]?["PORT"]) else { continue }
            let path = JSONPointer.root / "compute" / "containers" / i / "env" / "PORT"
            if container["primary"] == true {
                out.append(
                    ManifestNote(
                        .portFromEnv, path, "PORT is the platform's to set: runtime.port is \(port), and the platform sets PORT=\(port) for the app"))
            } else {
                out.append(
                    ManifestNote(
                        .portFromEnv, path,
                        "kept as containers[\(i)].port; a container driver sets PORT=\(port) for it (the local driver runs only the primary container)"
                    ))
            }
        }
        return out
    }

    static func convert(_ source: JSONValue) -> (JSONValue, Provenance) {
        let src = ShapeNormalizer.normalize(source, .object(shape))
        var p = Provenance()
        let root = JSONPointer.root
        var out = JSONObject()
        out["apiVersion"] = .string(NativeShape.apiVersion)
        p.map(root / "apiVersion", root / "manifest_schema_version")

        let a = src["app"]
        var app = JSONObject()
        p.map(root / "app", root / "app")
        for (native, theirs) in [
            ("id", "slug"), ("name", "name"), ("version", "version"), ("description", "description"),
            ("category", "category"), ("icon", "icon_ref"), ("changelog", "changelog"),
            ("forked_from", "forked_from"), ("qualified_id", "id"), ("creator_id", "creator_id"),
        ] {
            guard let v = a?[theirs], v != .null else { continue }
            app[native] = v
            p.map(root / "app" / native, root / "app" / theirs)
        }
        if let forkable = a?["forkable"] {
            app["forkable"] = forkable == "true" ? "yes" : forkable
        }
        out["app"] = .object(app)

        var runtime = JSONObject()
        p.map(root / "runtime", root / "compute")
        var tools: [JSONValue] = []
        var surfaces: [JSONValue] = []
        for (i, surface) in NativeRules.items(src["surfaces"]) {
            guard case .object(let s) = surface else { continue }
            if s["kind"] == "mcp-tool" {
                var tool = JSONObject()
                for (native, theirs) in [
                    ("name", "name"), ("description", "description"), ("input_schema", "tool_schema"), ("entrypoint", "entrypoint"),
                ] {
                    p.map(root / "tools" / tools.count / native, root / "surfaces" / i / theirs)
                    if let v = s[theirs] { tool[native] = v }
                }
                p.map(root / "tools" / tools.count, root / "surfaces" / i)
                tools.append(.object(tool))
            } else {
                p.map(root / "surfaces" / surfaces.count, root / "surfaces" / i)
                surfaces.append(surface)
            }
        }
        out["tools"] = .array(tools)
        if !surfaces.isEmpty { out["surfaces"] = .array(surfaces) }

        if let compute = src["compute"] {
            for key in ["tier", "model", "compute_model"] {
                if let v = compute[key] { runtime[key] = v; p.map(root / "runtime" / key, root / "compute" / key) }
            }
            if case .array(let list)? = compute["containers"] {
                p.map(root / "containers", root / "compute" / "containers")
                var containers: [JSONValue] = []
                for (i, item) in list.enumerated() {
                    guard case .object(let c) = item else { containers.append(item); continue }
                    let from = root / "compute" / "containers" / i
                    p.map(root / "containers" / i, from)
                    var native = JSONObject()
                    var extensions = JSONObject()
                    var env = c["env"]
                    let port = PortVariable.number(env?["PORT"])
                    if let port, case .object(let o)? = env {
                        // PORT is the platform's to set (to this port); it leaves the env.
                        env = .object(JSONObject(o.pairs.filter { $0.key != "PORT" }))
                        native["port"] = .number(Double(port))
                        p.map(root / "containers" / i / "port", from / "env" / "PORT")
                    }
                    for (key, value) in c.pairs {
                        switch key {
                        case "name", "image", "primary", "ports", "resources": native[key] = value
                        case "env": native["env"] = rewriteSecrets(env ?? value)
                        case "startup_command": native["command"] = shellCommand(value)
                        default: extensions[key] = value
                        }
                    }
                    p.map(root / "containers" / i / "command", from / "startup_command")
                    if !extensions.isEmpty { native["extensions"] = .object(extensions); p.map(root / "containers" / i / "extensions", from) }
                    containers.append(.object(native))
                    if c["primary"] == true {
                        runtime["image"] = c["image"]
                        p.map(root / "runtime" / "image", from / "image")
                        if let command = c["startup_command"] {
                            runtime["command"] = shellCommand(command)
                            p.map(root / "runtime" / "command", from / "startup_command")
                        }
                        if let port {
                            runtime["port"] = .number(Double(port))
                            p.map(root / "runtime" / "port", from / "env" / "PORT")
                        } else if let first = c["ports"]?.arrayValue?.first {
                            runtime["port"] = first
                            p.map(root / "runtime" / "port", from / "ports" / 0)
                        }
                        if let env {
                            runtime["env"] = rewriteSecrets(env)
                            p.map(root / "runtime" / "env", from / "env")
                        }
                    }
                }
                out["containers"] = .array(containers)
            }
            if let connections = compute["connections"], connections != [] {
                out["connections"] = connections
                p.map(root / "connections", root / "compute" / "connections")
            }
            if let agents = compute["hosted_agents"] {
                out["agents"] = agents
                p.map(root / "agents", root / "compute" / "hosted_agents")
            }
        }
        out["runtime"] = .object(runtime)

        for (native, theirs) in [
            ("state", "state"), ("connectors", "connectors"), ("migrations", "migrations"),
            ("billing", "billing"), ("listing", "listing"), ("eval_scenarios", "eval_scenarios"), ("source", "source_visibility"),
        ] {
            guard let v = src[theirs] else { continue }
            out[native] = v
            p.map(root / native, root / theirs)
        }
        if let compatibility = src["compatibility"] {
            var c = JSONObject()
            if let studio = compatibility["studio"] {
                c["platform"] = studio; p.map(root / "compatibility" / "platform", root / "compatibility" / "studio")
            }
            for key in ["runtime_api", "required_features"] { c[key] = compatibility[key] }
            out["compatibility"] = .object(c)
            p.map(root / "compatibility", root / "compatibility")
        }
        if case .array(let schedules)? = src["schedules"] {
            out["schedules"] = .array(
                schedules.enumerated().map { i, item in
                    guard case .object(let s) = item else { return item }
                    var native = JSONObject()
                    p.map(root / "schedules" / i, root / "schedules" / i)
                    for (mine, theirs) in [
                        ("name", "name"), ("cron", "default_cron"), ("entrypoint", "entrypoint"), ("execution", "execution"),
                        ("trigger", "trigger_kind"), ("editable", "editable"), ("optional", "optional"),
                    ] {
                        p.map(root / "schedules" / i / mine, root / "schedules" / i / theirs)
                        if let v = s[theirs] { native[mine] = v }
                    }
                    return .object(native)
                })
        }
        return (.object(out), p)
    }

    /// OpenSail's `startup_command` is a shell command line; Marina's `command` an argument vector.
    static func shellCommand(_ value: JSONValue) -> JSONValue {
        guard let s = value.stringValue else { return value }
        return ["/bin/sh", "-c", .string(s)]
    }

    static func rewriteSecrets(_ env: JSONValue) -> JSONValue {
        guard case .object(let o) = env else { return env }
        return .object(JSONObject(o.pairs.map { ($0.key, $0.value.stringValue.map { .string(SecretReference.openSailToNative($0)) } ?? $0.value) }))
    }
}
