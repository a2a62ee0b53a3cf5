import Foundation

/// Named string formats. Each SDK implements the same list with the same rules (the drift gate
/// holds them together); `docs/manifest.md` states every rule in words.
public enum StringFormat: String, Sendable, CaseIterable {
    case slug, semver, cron, hostname, scope, toolName, eventName, secretKey, settingId
    case envName, envValue, openSailEnvValue, uuid, reverseDNS, openSailSlug, appRef
    case timezone, visibility, volumeSize, image, nonEmpty
    /// `envName` of an imported format, where `PORT` is allowed: it becomes the app's port.
    case importedEnvName
    /// `HH:MM`, 00:00 to 23:59 (linkworld heartbeats).
    case clockTime
    /// `^[a-z][a-z0-9_]*$` (linkworld's emitted and subscribed events).
    case linkworldEventName

    /// Pattern written into the JSON Schema (where a regular expression can say it).
    public var pattern: String? {
        switch self {
        case .slug: return "^[a-z][a-z0-9-]{2,63}$"
        case .semver: return #"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"#
        case .toolName: return "^[a-z][a-z0-9_]{0,63}$"
        case .eventName: return "^[a-z][a-z0-9_-]{0,63}$"
        case .secretKey: return "^[A-Z][A-Z0-9_]{0,63}$"
        case .settingId: return "^[A-Za-z][A-Za-z0-9_]{0,63}$"
        case .envName, .importedEnvName: return "^[A-Za-z_][A-Za-z0-9_]{0,127}$"
        case .clockTime: return "^([01][0-9]|2[0-3]):[0-5][0-9]$"
        case .linkworldEventName: return "^[a-z][a-z0-9_]*$"
        case .scope: return #"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"#
        case .uuid: return "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
        case .reverseDNS: return #"^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$"#
        case .openSailSlug: return "^[a-z0-9]+(-[a-z0-9]+)*$"
        case .volumeSize: return #"^\d+(Mi|Gi)$"#
        case .image: return #"^\S+$"#
        case .visibility: return "^(public|private|team:[0-9a-f-]{36})$"
        case .nonEmpty: return #"\S"#
        case .hostname, .cron, .envValue, .openSailEnvValue, .appRef, .timezone: return nil
        }
    }

    /// Checks `value`; returns the error code and message when it does not conform.
    func check(_ value: String, context: ValidationContext) -> (ManifestErrorCode, String)? {
        switch self {
        case .slug:
            return Slug.isValid(value)
                ? nil : (.invalidValue, "\"\(value)\" is not a valid app id: 3–64 characters of a-z, 0-9 and '-', starting with a letter")
        case .semver:
            return SemanticVersion(value) != nil
                ? nil : (.invalidValue, "\"\(value)\" is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.4.0 or 2.0.0-beta.1)")
        case .cron:
            do { _ = try CronExpression(value); return nil } catch {
                return (.invalidCron, "\"\(value)\" is not a valid cron expression: \(error.reason)")
            }
        case .hostname:
            return HostName.problem(value).map { (.invalidValue, $0) }
        case .scope:
            guard value.wholeMatch(of: /[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+/) != nil else {
                return (.unknownScope, "\"\(value)\" is not a scope name (like kv.read)")
            }
            return context.catalog.contains(value)
                ? nil
                : (
                    .unknownScope,
                    "\"\(value)\" is not in the scope catalog\(context.catalog.suggestion(for: value).map { "; did you mean \"\($0)\"?" } ?? "")"
                )
        case .toolName:
            return value.wholeMatch(of: /[a-z][a-z0-9_]{0,63}/) != nil
                ? nil : (.invalidValue, "\"\(value)\" is not a valid tool name: a lowercase letter, then up to 63 of a-z, 0-9 and '_'")
        case .eventName:
            return value.wholeMatch(of: /[a-z][a-z0-9_-]{0,63}/) != nil
                ? nil : (.invalidValue, "\"\(value)\" is not a valid name: a lowercase letter, then up to 63 of a-z, 0-9, '_' and '-'")
        case .secretKey:
            return SecretReference.isValidKey(value)
                ? nil : (.invalidValue, "\"\(value)\" is not a valid secret key: an uppercase letter, then up to 63 of A-Z, 0-9 and '_'")
        case .settingId:
            return value.wholeMatch(of: /[A-Za-z][A-Za-z0-9_]{0,63}/) != nil
                ? nil : (.invalidValue, "\"\(value)\" is not a valid setting id: a letter, then up to 63 letters, digits or '_'")
        case .clockTime:
            return value.wholeMatch(of: /([01][0-9]|2[0-3]):[0-5][0-9]/) != nil
                ? nil : (.invalidValue, "\"\(value)\" is not a time of day (HH:MM, from 00:00 to 23:59)")
        case .linkworldEventName:
            return value.wholeMatch(of: /[a-z][a-z0-9_]*/) != nil
                ? nil : (.invalidValue, "\"\(value)\" is not a valid event name: a lowercase letter, then a-z, 0-9 and '_'")
        case .envName, .importedEnvName:
            guard value.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]{0,127}/) != nil else {
                return (.invalidValue, "\"\(value)\" is not a valid environment variable name")
            }
            if self == .importedEnvName && value == "PORT" { return nil }
            if value == "PORT" || value.hasPrefix("MARINA_") || value == "HTTP_PROXY" || value == "HTTPS_PROXY" || value == "NO_PROXY" {
                return (.invalidValue, "\(value) is set by the platform and cannot be set in the manifest")
            }
            return nil
        case .envValue:
            return SecretReference.problem(inNative: value).map { (.invalidValue, $0) }
        case .openSailEnvValue:
            return SecretReference.problem(inOpenSail: value).map { (.invalidValue, $0) }
        case .uuid, .reverseDNS, .volumeSize, .image, .nonEmpty:
            let ok: Bool
            switch self {
            case .uuid: ok = value.wholeMatch(of: /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/) != nil
            case .reverseDNS: ok = value.wholeMatch(of: /[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+/) != nil
            case .volumeSize: ok = value.wholeMatch(of: /\d+(Mi|Gi)/) != nil
            case .image: ok = !value.isEmpty && !value.contains(where: \.isWhitespace)
            default: ok = value.contains(where: { !$0.isWhitespace })
            }
            return ok ? nil : (.invalidValue, "\"\(value)\" is not a valid \(humanName)")
        case .openSailSlug:
            guard value.wholeMatch(of: /[a-z0-9]+(-[a-z0-9]+)*/) != nil, (1...80).contains(value.count) else {
                return (.invalidValue, "\"\(value)\" is not a valid slug")
            }
            return Slug.isValid(value)
                ? nil : (.invalidValue, "\"\(value)\" is a valid OpenSail slug but not a Marina app id: 3–64 characters, starting with a letter")
        case .appRef:
            let parts = value.split(separator: "@", omittingEmptySubsequences: false)
            let id = parts.first.map(String.init) ?? ""
            let idOK = Slug.isValid(id) || StringFormat.reverseDNS.check(id, context: context) == nil
            guard parts.count == 2, idOK, SemanticVersion(String(parts[1])) != nil else {
                return (.invalidValue, "\"\(value)\" is not an app reference (app-id@1.2.3)")
            }
            return nil
        case .timezone:
            let shaped = value.wholeMatch(of: /[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*/) != nil
            return shaped && TimeZone(identifier: value) != nil
                ? nil : (.invalidValue, "\"\(value)\" is not an IANA time zone (like UTC or Europe/Berlin)")
        case .visibility:
            return value.wholeMatch(of: /public|private|team:[0-9a-f-]{36}/) != nil
                ? nil : (.invalidValue, "\"\(value)\" is not a visibility (public, private or team:<uuid>)")
        }
    }

    var humanName: String {
        switch self {
        case .uuid: return "UUID"
        case .reverseDNS: return "reverse-DNS id (like com.example.app)"
        case .volumeSize: return "volume size (like 512Mi or 2Gi)"
        case .image: return "container image reference"
        case .nonEmpty: return "non-blank string"
        default: return rawValue
        }
    }
}

/// A `PORT` given in an imported manifest's environment: the port its app listens on.
enum PortVariable {
    /// The port `value` names: one to five decimal digits, else nil.
    static func number(_ value: JSONValue?) -> Int? {
        guard let text = value?.stringValue, (1...5).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            return nil
        }
        return Int(text)
    }
}

/// App slugs: `^[a-z][a-z0-9-]{2,63}$`, immutable once an app exists.
public enum Slug {
    public static func isValid(_ s: String) -> Bool { s.wholeMatch(of: /[a-z][a-z0-9-]{2,63}/) != nil }
}

/// Egress allow-list entries: DNS names (optionally `*.` for every subdomain), never IP literals.
public enum HostName {
    public static func problem(_ value: String) -> String? {
        if value.isEmpty { return "a host name cannot be empty" }
        if value.contains(":") || value.wholeMatch(of: /[0-9.]+/) != nil {
            return "\"\(value)\" is an IP address or has a port; egress_hosts lists DNS names only"
        }
        var name = Substring(value)
        if name.hasPrefix("*.") { name = name.dropFirst(2) }
        guard name.count <= 253 else { return "\"\(value)\" is longer than 253 characters" }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return "\"\(value)\" is not a fully qualified host name (like api.example.com)" }
        for label in labels {
            guard label.wholeMatch(of: /[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?/) != nil else {
                return "\"\(value)\" is not a valid lowercase host name"
            }
        }
        if labels.last!.allSatisfy(\.isNumber) { return "\"\(value)\" has a numeric top-level label" }
        return nil
    }
}

/// `${secret:KEY}` references in environment values.
public enum SecretReference {
    public static func isValidKey(_ s: String) -> Bool { s.wholeMatch(of: /[A-Z][A-Z0-9_]{0,63}/) != nil }

    /// The secret keys referenced by a native env value, in order.
    public static func keys(inNative value: String) -> [String] {
        value.matches(of: /\$\{secret:([A-Z][A-Z0-9_]{0,63})\}/).map { String($0.output.1) }
    }

    static func problem(inNative value: String) -> String? {
        var rest = Substring(value)
        while let r = rest.range(of: "${secret:") {
            let after = rest[r.upperBound...]
            guard let close = after.firstIndex(of: "}") else { return "unterminated secret reference in \"\(value)\"; write ${secret:KEY}" }
            let key = String(after[..<close])
            guard isValidKey(key) else { return "\"${secret:\(key)}\" does not name a valid secret key (A-Z, 0-9, '_', starting with a letter)" }
            rest = after[after.index(after: close)...]
        }
        return nil
    }

    /// OpenSail writes `${secret:name/key}`; Marina stores it as secret key `NAME_KEY`.
    public static func nativeKey(openSailName name: String, key: String) -> String {
        (name + "_" + key).uppercased().replacingOccurrences(of: "-", with: "_")
    }

    static func problem(inOpenSail value: String) -> String? {
        var rest = Substring(value)
        while let r = rest.range(of: "${secret:") {
            let after = rest[r.upperBound...]
            guard let close = after.firstIndex(of: "}") else { return "unterminated secret reference in \"\(value)\"; write ${secret:name/key}" }
            let body = String(after[..<close])
            let parts = body.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].wholeMatch(of: /[a-zA-Z][a-zA-Z0-9_-]*/) != nil,
                parts[1].wholeMatch(of: /[a-zA-Z0-9][a-zA-Z0-9_-]*/) != nil
            else {
                return "\"${secret:\(body)}\" is not a well-formed secret reference; write ${secret:name/key}"
            }
            let key = nativeKey(openSailName: String(parts[0]), key: String(parts[1]))
            guard isValidKey(key) else { return "\"${secret:\(body)}\" maps to secret key \(key), which is longer than 64 characters" }
            rest = after[after.index(after: close)...]
        }
        return nil
    }

    /// Rewrites OpenSail references to native ones.
    static func openSailToNative(_ value: String) -> String {
        value.replacing(/\$\{secret:([a-zA-Z][a-zA-Z0-9_-]*)\/([a-zA-Z0-9][a-zA-Z0-9_-]*)\}/) { m in
            "${secret:" + nativeKey(openSailName: String(m.output.1), key: String(m.output.2)) + "}"
        }
    }
}
