/// `apiVersion: linkworld.ai/v2` (file `linkworld.app.yaml`), the format of the partner-app
/// platform Marina succeeds. It has no start command: the local driver uses the exec-form
/// `CMD`/`ENTRYPOINT` of the bundle's Dockerfile.
enum LinkworldFormat: ImportedFormat {
    static let apiVersion = "linkworld.ai/v2"

    static let tool = ObjectShape("LinkworldTool", [
        .required("name", .string(.toolName)),
        FieldSpec("description", .string(maxLength: 4000)),
        FieldSpec("scopes_required", .array(.string(.scope)), default: []),
        FieldSpec("agent_visible", .boolean, default: true),
        FieldSpec("input_schema", .jsonSchema),
        FieldSpec("output_schema", .jsonSchema),
    ])

    static let pricing = ObjectShape("LinkworldPricing", [
        .required("model", .enumeration(["free", "one_time", "subscription", "per_invocation"])),
        FieldSpec("price_usd", .number(min: 0)),
        FieldSpec("billing_period", .nullable(.enumeration(["monthly", "yearly"]))),
        FieldSpec("trial_days", .integer(min: 0), default: 0),
    ])

    static let shape = ObjectShape("LinkworldManifest", [
        .required("apiVersion", .enumeration([apiVersion])),
        .required("app_id", .string(.slug)),
        .required("version", .string(.semver)),
        .required("name", .string(minLength: 1, maxLength: 120)),
        .required("runtime", .object(ObjectShape("LinkworldRuntime", [
            .required("image", .string(.image, maxLength: 512)),
            FieldSpec("port", .integer(min: 1024, max: 65535), default: 8080),
            FieldSpec("resources", .object(ObjectShape("LinkworldResources", [
                FieldSpec("memory_mb", .integer(min: 64, max: 4096), default: 256),
                FieldSpec("cpu_cores", .number(min: 0.1, max: 4), default: 1),
            ])), default: [:]),
            FieldSpec("env", .map(.string(.envValue, maxLength: 32768), keyFormat: .envName), default: [:]),
        ]))),
        FieldSpec("network", .object(ObjectShape("LinkworldNetwork", [
            FieldSpec("egress_hosts", .array(.string(.hostname), maxItems: 100), default: []),
        ])), default: [:]),
        FieldSpec("required_scopes", .array(.string(.scope)), default: []),
        FieldSpec("tools", .array(.object(tool), maxItems: 256), default: []),
        FieldSpec("lifecycle", .object(ObjectShape("LinkworldLifecycle", [
            FieldSpec("on_install", .boolean, default: false),
            FieldSpec("on_uninstall", .boolean, default: false),
            FieldSpec("on_inbound", .boolean, default: false),
            FieldSpec("on_user_added", .boolean, default: false),
            FieldSpec("schedules", .array(.object(ObjectShape("LinkworldSchedule", [
                .required("name", .string(.eventName)),
                .required("cron", .string(.cron)),
            ])), maxItems: 64), default: []),
        ])), default: [:]),
        FieldSpec("install_settings", .array(.object(NativeShape.setting), maxItems: 128), default: []),
        FieldSpec("pricing", .object(pricing)),
    ])

    static func extraRules(_ root: JSONValue, _ d: inout Diagnostics) {}

    static func convert(_ source: JSONValue) -> (JSONValue, Provenance) {
        let src = ShapeNormalizer.normalize(source, .object(shape))
        var p = Provenance()
        let root = JSONPointer.root
        var out = JSONObject()
        out["apiVersion"] = .string(NativeShape.apiVersion)
        p.map(root / "apiVersion", root / "apiVersion")

        var app = JSONObject()
        for (native, theirs) in [("id", "app_id"), ("name", "name"), ("version", "version")] {
            app[native] = src[theirs]
            p.map(root / "app" / native, root / theirs)
        }
        out["app"] = .object(app)

        if case .object(var runtime)? = src["runtime"] {
            runtime["command"] = nil
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
            out["tools"] = .array(tools.enumerated().map { i, tool in
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

        out["settings"] = src["install_settings"]
        p.map(root / "settings", root / "install_settings")

        if let pricing = src["pricing"] {
            out["billing"] = ["platform_fee": pricing]
            p.map(root / "billing" / "platform_fee", root / "pricing")
        }
        return (.object(out), p)
    }
}
