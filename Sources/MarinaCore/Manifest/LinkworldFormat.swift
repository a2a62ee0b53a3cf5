/// `apiVersion: linkworld.ai/v2` (file `linkworld.app.yaml`), the format of the partner-app
/// platform Marina succeeds. It has no start command: the local driver uses the exec-form
/// `CMD`/`ENTRYPOINT` of the bundle's Dockerfile. Every field linkworld documents is read (the list
/// is in docs/manifest.md); what has no home in `marina/v1` yet is kept under `linkworld` and
/// reported in the conversion notes. linkworld loads strictly, so any other field is refused.
enum LinkworldFormat: ImportedFormat {
    static let apiVersion = "linkworld.ai/v2"

    static let tool = ObjectShape(
        "LinkworldTool",
        [
            .required("name", .string(.toolName)),
            FieldSpec("description", .string(maxLength: 4000)),
            FieldSpec("scopes_required", .array(.string(.scope)), default: []),
            FieldSpec("agent_visible", .boolean, default: true),
            FieldSpec("input_schema", .jsonSchema),
            FieldSpec("output_schema", .jsonSchema),
        ])

    static let pricing = ObjectShape(
        "LinkworldPricing",
        [
            .required("model", .enumeration(["free", "one_time", "subscription", "per_invocation"])),
            FieldSpec("price_usd", .number(min: 0)),
            FieldSpec("billing_period", .nullable(.enumeration(["monthly", "yearly"]))),
            FieldSpec("trial_days", .integer(min: 0), default: 0),
        ])

    /// An install setting as linkworld writes it: `key` is another spelling of `id`, `help` of
    /// `description`.
    static let setting = ObjectShape(
        "LinkworldSetting",
        [
            FieldSpec("id", .string(.settingId)),
            FieldSpec("key", .string(.settingId)),
            .required("type", .enumeration(NativeShape.settingTypes)),
            FieldSpec("label", .string(maxLength: 120)),
            FieldSpec("description", .string(maxLength: 1000)),
            FieldSpec("help", .string(maxLength: 1000)),
            FieldSpec("required", .boolean, default: false),
            FieldSpec("default", .any),
            FieldSpec("options", .array(.either([.string(maxLength: 256), .object(NativeShape.settingOption)]), maxItems: 500)),
            FieldSpec("min", .number()),
            FieldSpec("max", .number()),
        ])

    static let shape = ObjectShape(
        "LinkworldManifest",
        [
            .required("apiVersion", .enumeration([apiVersion])),
            .required("app_id", .string(.slug)),
            .required("version", .string(.semver)),
            .required("name", .string(minLength: 1, maxLength: 120)),
            FieldSpec("description", .string(maxLength: 4000)),
            FieldSpec("icon", .string(maxLength: 2048)),
            FieldSpec("category", .string(maxLength: 64)),
            .required(
                "runtime",
                .object(
                    ObjectShape(
                        "LinkworldRuntime",
                        [
                            .required("image", .string(.image, maxLength: 512)),
                            FieldSpec("port", .integer(min: 1024, max: 65535), default: 8080),
                            FieldSpec(
                                "resources",
                                .object(
                                    ObjectShape(
                                        "LinkworldResources",
                                        [
                                            FieldSpec("memory_mb", .integer(min: 64, max: 4096), default: 256),
                                            FieldSpec("cpu_cores", .number(min: 0.1, max: 4), default: 1),
                                        ])), default: [:]),
                            FieldSpec("env", .map(.string(.envValue, maxLength: 32768), keyFormat: .importedEnvName), default: [:]),
                        ]))),
            FieldSpec(
                "network",
                .object(
                    ObjectShape(
                        "LinkworldNetwork",
                        [
                            FieldSpec("egress_hosts", .array(.string(.hostname), maxItems: 100), default: [])
                        ])), default: [:]),
            FieldSpec("required_scopes", .array(.string(.scope)), default: []),
            FieldSpec("tools", .array(.object(tool), maxItems: 256), default: []),
            FieldSpec(
                "lifecycle",
                .object(
                    ObjectShape(
                        "LinkworldLifecycle",
                        [
                            FieldSpec("on_install", .boolean, default: false),
                            FieldSpec("on_uninstall", .boolean, default: false),
                            FieldSpec("on_inbound", .boolean, default: false),
                            FieldSpec("on_user_added", .boolean, default: false),
                            FieldSpec(
                                "schedules",
                                .array(
                                    .object(
                                        ObjectShape(
                                            "LinkworldSchedule",
                                            [
                                                .required("name", .string(.eventName)),
                                                .required("cron", .string(.cron)),
                                            ])), maxItems: 64), default: []),
                        ])), default: [:]),
            FieldSpec("install_settings", .array(.object(setting), maxItems: 128), default: []),
            FieldSpec("pricing", .object(pricing)),
            FieldSpec("workflows", .array(.object(NativeShape.linkworldWorkflow))),
            FieldSpec("http_routes", .array(.object(NativeShape.linkworldHttpRoute))),
            FieldSpec("agents", .array(.object(NativeShape.linkworldAgent))),
            FieldSpec("emits", .array(.string(.linkworldEventName), maxItems: 30)),
            FieldSpec("subscribes_to", .array(.object(NativeShape.linkworldSubscription))),
        ])

    /// What the conversion notes call each kept field.
    static let kept: [String: String] = [
        "workflows": "workflows (hints for the tenant's orchestrator)", "http_routes": "custom HTTP routes",
        "agents": "agents and their heartbeats", "emits": "emitted events", "subscribes_to": "event subscriptions",
    ]

    /// A setting has an `id` (or `key`), and where both spellings are given they agree; a `PORT` in
    /// `runtime.env` is the port the app listens on, so it is a port number and agrees with
    /// `runtime.port`.
    static func extraRules(_ root: JSONValue, _ d: inout Diagnostics) {
        for (i, setting) in NativeRules.items(root["install_settings"]) {
            guard case .object(let s) = setting else { continue }
            let path = JSONPointer.root / "install_settings" / i
            for (name, other) in [("id", "key"), ("description", "help")] {
                if name == "id" && s["id"] == nil && s["key"] == nil {
                    d.add(.missingField, path / "id", "\"id\" (or \"key\") is required")
                }
                if let a = s[name]?.stringValue, let b = s[other]?.stringValue, ExactString(a) != ExactString(b) {
                    d.add(.invalidValue, path / other, "\"\(other)\" is another spelling of \"\(name)\"; give one of them, or the same value")
                }
            }
        }
        let runtime = root["runtime"]
        guard let value = runtime?["env"]?["PORT"]?.stringValue else { return }
        let path = JSONPointer.root / "runtime" / "env" / "PORT"
        guard let port = PortVariable.number(.string(value)), (1024...65535).contains(port) else {
            return d.add(.invalidValue, path, "PORT \"\(value)\" is the port the app listens on: a number from 1024 to 65535")
        }
        if case .number(let declared)? = runtime?["port"], declared != Double(port) {
            d.add(.invalidValue, path, "PORT is \(port) but runtime.port is \(CanonicalJSON.formatNumber(declared)): the app listens on one port")
        }
    }

    static func notes(_ source: JSONValue) -> [ManifestNote] {
        var out: [ManifestNote] = []
        if let port = PortVariable.number(source["runtime"]?["env"]?["PORT"]) {
            out.append(
                ManifestNote(
                    .portFromEnv, JSONPointer.root / "runtime" / "env" / "PORT",
                    "PORT is the platform's to set: runtime.port is \(port), and the platform sets PORT=\(port) for the app"))
        }
        for (i, setting) in NativeRules.items(source["install_settings"]) where setting["type"] == "project_picker" {
            out.append(
                ManifestNote(
                    .notActedOn, JSONPointer.root / "install_settings" / i / "type",
                    "project_picker is kept, but Marina has no project picker yet: the installer gives the project's id as text"))
        }
        for name in NativeShape.linkworldFields {
            guard case .array(let list)? = source[name], !list.isEmpty else { continue }
            out.append(
                ManifestNote(
                    .notActedOn, JSONPointer.root / name,
                    "kept as linkworld.\(name) in the marina/v1 form; Marina does not act on \(kept[name]!) yet"))
        }
        return out
    }

    static func convert(_ source: JSONValue) -> (JSONValue, Provenance) {
        let src = ShapeNormalizer.normalize(source, .object(shape))
        var p = Provenance()
        let root = JSONPointer.root
        var out = JSONObject()
        out["apiVersion"] = .string(NativeShape.apiVersion)
        p.map(root / "apiVersion", root / "apiVersion")

        var app = JSONObject()
        for (native, theirs) in [
            ("id", "app_id"), ("name", "name"), ("version", "version"), ("description", "description"),
            ("icon", "icon"), ("category", "category"),
        ] {
            app[native] = src[theirs]
            p.map(root / "app" / native, root / theirs)
        }
        out["app"] = .object(app)

        if case .object(var runtime)? = src["runtime"] {
            runtime["command"] = nil
            if case .object(let env)? = runtime["env"], let port = PortVariable.number(env["PORT"]) {
                // The app listens on PORT: that is the port the platform gives it (and sets PORT to).
                runtime["port"] = .number(Double(port))
                runtime["env"] = .object(JSONObject(env.pairs.filter { $0.key != "PORT" }))
                p.map(root / "runtime" / "port", root / "runtime" / "env" / "PORT")
            }
            out["runtime"] = .object(runtime)
        } else {
            out["runtime"] = src["runtime"]
        }
        p.map(root / "runtime", root / "runtime")
        out["network"] = src["network"]
        p.map(root / "network", root / "network")
        out["scopes"] = src["required_scopes"]
        p.map(root / "scopes", root / "required_scopes")

        if case .array(let tools)? = src["tools"] {
            out["tools"] = .array(
                tools.enumerated().map { i, tool in
                    guard case .object(var t) = tool else { return tool }
                    t["scopes"] = t["scopes_required"]
                    t["scopes_required"] = nil
                    p.map(root / "tools" / i / "scopes", root / "tools" / i / "scopes_required")
                    return .object(t)
                })
        }
        p.map(root / "tools", root / "tools")

        var events: [JSONValue] = []
        let lifecycle = src["lifecycle"]
        for (flag, event) in [("on_install", "install"), ("on_uninstall", "uninstall"), ("on_inbound", "inbound"), ("on_user_added", "user_added")]
        where lifecycle?[flag]?.boolValue == true {
            p.map(root / "events" / events.count, root / "lifecycle" / flag)
            events.append(.string(event))
        }
        out["events"] = .array(events)
        out["schedules"] = lifecycle?["schedules"] ?? []
        p.map(root / "schedules", root / "lifecycle" / "schedules")

        if case .array(let settings)? = src["install_settings"] {
            out["settings"] = .array(
                settings.enumerated().map { i, setting in
                    guard case .object(var s) = setting else { return setting }
                    for (name, other) in [("id", "key"), ("description", "help")] {
                        let spelled = s[other]
                        s[other] = nil
                        if let spelled, s[name] == nil {
                            s[name] = spelled
                            p.map(root / "settings" / i / name, root / "install_settings" / i / other)
                        }
                    }
                    return .object(s)
                })
        } else {
            out["settings"] = src["install_settings"]
        }
        p.map(root / "settings", root / "install_settings")

        if let pricing = src["pricing"] {
            out["billing"] = ["platform_fee": pricing]
            p.map(root / "billing" / "platform_fee", root / "pricing")
        }

        var kept = JSONObject()
        for name in NativeShape.linkworldFields {
            guard let value = src[name] else { continue }
            kept[name] = value
            p.map(root / "linkworld" / name, root / name)
        }
        if !kept.isEmpty { out["linkworld"] = .object(kept) }
        return (.object(out), p)
    }
}
