/// Rules of `marina/v1` that span several fields. They run on the native form of every manifest
/// (imported ones after conversion, with paths mapped back to the original document), so each
/// rule is written once. The tree may be malformed here: rules skip what they cannot read.
enum NativeRules {
    static func check(_ root: JSONValue, _ d: inout Diagnostics, _ context: ValidationContext) {
        let declared = strings(root["scopes"])
        duplicates(in: root["scopes"], at: JSONPointer.root / "scopes", &d)
        duplicates(in: root["events"], at: JSONPointer.root / "events", &d)
        duplicates(in: root["network"]?["egress_hosts"], at: JSONPointer.root / "network" / "egress_hosts", &d)

        duplicateNames(root["tools"], key: "name", at: JSONPointer.root / "tools", what: "tool", &d)
        for (i, tool) in items(root["tools"]) {
            let path = JSONPointer.root / "tools" / i / "scopes"
            duplicates(in: tool["scopes"], at: path, &d)
            for (j, scope) in strings(tool["scopes"]).enumerated() where context.catalog.contains(scope) && !declared.contains(scope) {
                d.add(.scopeNotDeclared, path / j, "the tool uses \"\(scope)\", which the app's scopes do not declare")
            }
        }

        duplicateNames(root["schedules"], key: "name", at: JSONPointer.root / "schedules", what: "schedule", &d)
        for (i, schedule) in items(root["schedules"]) where schedule["cron"] == nil && (schedule["trigger"]?.stringValue ?? "cron") == "cron" {
            d.add(.missingField, JSONPointer.root / "schedules" / i / "cron", "a schedule triggered by cron needs a cron expression")
        }
        duplicateNames(root["webhooks"], key: "name", at: JSONPointer.root / "webhooks", what: "webhook", &d)
        duplicateNames(root["connectors"], key: "id", at: JSONPointer.root / "connectors", what: "connector", &d)

        checkSettings(root["settings"], &d)
        checkContainers(root, &d)
        checkLinkworld(root["linkworld"], &d)

        for (i, surface) in items(root["surfaces"]) {
            if let kind = surface["kind"]?.stringValue, ["ui", "chat"].contains(kind), surface["entrypoint"] == nil {
                d.add(.missingField, JSONPointer.root / "surfaces" / i / "entrypoint", "a \(kind) surface needs an entrypoint")
            }
        }

        if let minimum = root["listing"]?["minimum_rollback_version"]?.stringValue.flatMap(SemanticVersion.init),
            let version = root["app"]?["version"]?.stringValue.flatMap(SemanticVersion.init), version < minimum
        {
            d.add(.invalidValue, JSONPointer.root / "listing" / "minimum_rollback_version", "\(minimum) is above the app's own version \(version)")
        }
    }

    private static func checkSettings(_ settings: JSONValue?, _ d: inout Diagnostics) {
        duplicateNames(settings, key: "id", at: JSONPointer.root / "settings", what: "setting", &d)
        var secretKeys: [String: Int] = [:]
        for (i, setting) in items(settings) {
            let path = JSONPointer.root / "settings" / i
            guard let type = setting["type"]?.stringValue else { continue }
            let isSelect = type == "select" || type == "select_or_custom"
            let options = setting["options"]?.arrayValue?.compactMap { $0.stringValue ?? $0["value"]?.stringValue } ?? []
            if isSelect, setting["options"] == nil {
                d.add(.missingField, path / "options", "a \(type) setting needs options")
            } else if isSelect, setting["options"]?.arrayValue?.isEmpty == true {
                d.add(.invalidValue, path / "options", "a \(type) setting needs at least one option")
            } else if !isSelect, setting["options"] != nil {
                d.add(.invalidValue, path / "options", "only select settings have options")
            }
            if isSelect { duplicates(in: .array(options.map(JSONValue.string)), at: path / "options", &d) }
            let exactOptions = Set(options.map(ExactString.init))
            for bound in ["min", "max"] where type != "number" && setting[bound] != nil {
                d.add(.invalidValue, path / bound, "only number settings have \(bound)")
            }
            let lo = setting["min"]?.numberValue, hi = setting["max"]?.numberValue
            if let lo, let hi, lo > hi { d.add(.invalidValue, path / "max", "max is below min") }
            if type == "secret", let id = setting["id"]?.stringValue {
                let key = id.uppercased()
                if let first = secretKeys[key] {
                    d.add(.duplicateName, path / "id", "secret settings \(first) and \(i) are both stored as \(key)")
                } else {
                    secretKeys[key] = i
                }
            }
            guard let value = setting["default"] else { continue }
            let p = path / "default"
            switch type {
            case "secret":
                d.add(.invalidValue, p, "a secret setting cannot have a default: the manifest is public")
            case "string", "text", "select_or_custom", "project_picker":
                if value.stringValue == nil { d.add(.invalidType, p, "expected string, got \(value.typeName)") }
            case "select":
                if let s = value.stringValue {
                    if !options.isEmpty && !exactOptions.contains(ExactString(s)) { d.add(.invalidValue, p, "\"\(s)\" is not one of the options") }
                } else {
                    d.add(.invalidType, p, "expected string, got \(value.typeName)")
                }
            case "number":
                guard let n = value.numberValue else { d.add(.invalidType, p, "expected number, got \(value.typeName)"); break }
                if let lo, n < lo { d.add(.invalidValue, p, "the default is below min") }
                if let hi, n > hi { d.add(.invalidValue, p, "the default is above max") }
            case "boolean":
                if value.boolValue == nil { d.add(.invalidType, p, "expected boolean, got \(value.typeName)") }
            default: break
            }
        }
    }

    private static func checkContainers(_ root: JSONValue, _ d: inout Diagnostics) {
        let containers = items(root["containers"])
        duplicateNames(root["containers"], key: "name", at: JSONPointer.root / "containers", what: "container", &d)
        if !containers.isEmpty {
            let primaries = containers.filter { $0.1["primary"]?.boolValue == true }
            if primaries.isEmpty {
                d.add(.invalidValue, JSONPointer.root / "containers", "exactly one container must be primary; none is")
            }
            for (i, _) in primaries.dropFirst() {
                d.add(
                    .invalidValue, JSONPointer.root / "containers" / i / "primary",
                    "exactly one container must be primary; container \(primaries[0].0) already is")
            }
        }
        let names = Set(containers.compactMap { $0.1["name"]?.stringValue }.map(ExactString.init))
        for (i, connection) in items(root["connections"]) {
            for end in ["source_container", "target_container"] {
                if let name = connection[end]?.stringValue, !names.contains(ExactString(name)) {
                    d.add(.invalidValue, JSONPointer.root / "connections" / i / end, "no container is named \"\(name)\"")
                }
            }
        }
    }

    /// The fields each heartbeat `schedule_type` needs to say when it fires.
    static let heartbeatNeeds: [String: [String]] = [
        "cron": ["cron_expression"], "daily": ["time_of_day"], "weekly": ["day_of_week", "time_of_day"],
    ]

    /// Agents are unique by id and their heartbeats by slug; each heartbeat has what its
    /// `schedule_type` needs; a subscription's `target_agent` names an agent of this app, and its
    /// `target_heartbeat` a heartbeat of that agent.
    private static func checkLinkworld(_ section: JSONValue?, _ d: inout Diagnostics) {
        let base = JSONPointer.root / "linkworld"
        duplicateNames(section?["agents"], key: "id", at: base / "agents", what: "agent", &d)
        var slugs: [ExactString: Set<ExactString>] = [:]
        for (i, agent) in items(section?["agents"]) {
            let path = base / "agents" / i / "heartbeats"
            duplicateNames(agent["heartbeats"], key: "slug", at: path, what: "heartbeat", &d)
            let id = agent["id"]?.stringValue.map(ExactString.init)
            var known = id.flatMap { slugs[$0] } ?? []
            for (j, heartbeat) in items(agent["heartbeats"]) {
                if let slug = heartbeat["slug"]?.stringValue { known.insert(ExactString(slug)) }
                let kind = heartbeat["schedule_type"]?.stringValue ?? "interval"
                for name in heartbeatNeeds[kind] ?? [] where heartbeat[name] == nil {
                    d.add(.missingField, path / j / name, "a \(kind) heartbeat needs \(name)")
                }
            }
            if let id { slugs[id] = known }
        }
        for (k, subscription) in items(section?["subscribes_to"]) {
            guard let target = subscription["target_agent"]?.stringValue else { continue }
            let path = base / "subscribes_to" / k
            guard let known = slugs[ExactString(target)] else {
                d.add(.invalidValue, path / "target_agent", "no agent of this app has the id \"\(target)\"")
                continue
            }
            if let heartbeat = subscription["target_heartbeat"]?.stringValue, !known.contains(ExactString(heartbeat)) {
                d.add(.invalidValue, path / "target_heartbeat", "the agent \"\(target)\" has no heartbeat \"\(heartbeat)\"")
            }
        }
    }

    static func items(_ value: JSONValue?) -> [(Int, JSONValue)] {
        Array((value?.arrayValue ?? []).enumerated()).map { ($0.offset, $0.element) }
    }

    static func strings(_ value: JSONValue?) -> [String] { value?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// Reports the second and later occurrences of a string in an array.
    static func duplicates(in value: JSONValue?, at path: JSONPointer, _ d: inout Diagnostics) {
        var seen = Set<ExactString>()
        for (i, item) in items(value) {
            guard let s = item.stringValue else { continue }
            if !seen.insert(ExactString(s)).inserted { d.add(.duplicateName, path / i, "\"\(s)\" is listed more than once") }
        }
    }

    static func duplicateNames(_ value: JSONValue?, key: String, at path: JSONPointer, what: String, _ d: inout Diagnostics) {
        var seen = Set<ExactString>()
        for (i, item) in items(value) {
            guard let s = item[key]?.stringValue else { continue }
            if !seen.insert(ExactString(s)).inserted { d.add(.duplicateName, path / i / key, "another \(what) is already named \"\(s)\"") }
        }
    }
}
