import Foundation
import MarinaCore
import MarinaStore

/// What an install or upgrade request asks for, checked against the version's manifest: the
/// scopes granted, and the settings (typed, required, secret ones apart).
extension InstallService {
    func grants(_ request: Request, _ manifest: Manifest) throws -> [String] {
        if request.grantAll == true { return manifest.scopes }
        let asked = request.grant ?? []
        for scope in asked where !manifest.scopes.contains(scope) {
            throw PlatformError(
                .invalid, .invalidGrant,
                "the app does not declare the scope \(scope); it declares \(manifest.scopes.isEmpty ? "none" : manifest.scopes.joined(separator: ", "))"
            )
        }
        return manifest.scopes.filter(asked.contains)
    }

    /// Checks install settings against the manifest's `settings`; secret settings are set with
    /// `marina secrets set --tenant`, never stored with the install.
    /// Plain settings (stored with the install) and secret ones (stored in the vault under the
    /// upper-cased id).
    func checkSettings(_ values: [String: JSONValue], _ manifest: Manifest) throws -> ([String: JSONValue], [String: String]) {
        var out: [String: JSONValue] = [:]
        var secretValues: [String: String] = [:]
        for (key, value) in values {
            guard let setting = manifest.settings.first(where: { $0.id == key }) else {
                throw PlatformError(.invalid, .invalidSetting, "the app has no setting \(key)")
            }
            if setting.type == "secret" {
                guard let text = value.stringValue, text.utf8.count <= SecretsService.maxValueBytes else {
                    throw PlatformError(.invalid, .invalidSetting, "\(key) is a secret: a string of at most 64 KB")
                }
                secretValues[key.uppercased().replacingOccurrences(of: "-", with: "_")] = text
                continue
            }
            out[key] = try coerce(value, setting)
        }
        for setting in manifest.settings where setting.type != "secret" && out[setting.id] == nil {
            if let d = setting.default {
                out[setting.id] = d
            } else if setting.required {
                throw PlatformError(.invalid, .invalidSetting, "the setting \(setting.id) is required")
            }
        }
        return (out, secretValues)
    }

    func coerce(_ value: JSONValue, _ setting: Manifest.Setting) throws -> JSONValue {
        let fail = { PlatformError(.invalid, .invalidSetting, "\(setting.id) takes a \(setting.type)") }
        switch setting.type {
        case "number":
            let n: Double
            if case .number(let v) = value { n = v } else if let s = value.stringValue, let v = Double(s) { n = v } else { throw fail() }
            if let min = setting.min, n < min {
                throw PlatformError(.invalid, .invalidSetting, "\(setting.id) is below \(CanonicalJSON.formatNumber(min))")
            }
            if let max = setting.max, n > max {
                throw PlatformError(.invalid, .invalidSetting, "\(setting.id) is above \(CanonicalJSON.formatNumber(max))")
            }
            return .number(n)
        case "boolean":
            if case .bool = value { return value }
            switch value.stringValue {
            case "true": return true;
            case "false": return false;
            default: throw fail()
            }
        case "select":
            let options = (setting.options ?? []).compactMap { $0.stringValue ?? $0["value"]?.stringValue }
            guard let s = value.stringValue, options.contains(s) else {
                throw PlatformError(.invalid, .invalidSetting, "\(setting.id) is one of \(options.joined(separator: ", "))")
            }
            return value
        default:
            guard value.stringValue != nil else { throw fail() }
            return value
        }
    }
}
