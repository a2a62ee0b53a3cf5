/// `.marinaignore`: gitignore-style patterns naming files to leave out of a bundle. `#` starts a
/// comment, `!` re-includes, a trailing `/` matches directories only, a leading `/` (or any `/`
/// inside) anchors the pattern to the app directory, `*` and `?` match within one path segment,
/// `**` across segments. A pattern without `/` matches the last segment at any depth. `.git/` and `.marina/` are always left out.
public struct IgnoreRules: Sendable {
    struct Rule: Sendable {
        var negated: Bool
        var directoryOnly: Bool
        var anchored: Bool
        var segments: [String]
    }

    private var rules: [Rule] = []

    public static let alwaysIgnored = [".git/", ".marina/"]

    public init(_ text: String = "") {
        // The fixed rules go last: later rules win, so a "!.git/" in the file cannot re-include them.
        for line in (text.split(whereSeparator: \.isNewline).map(String.init) + Self.alwaysIgnored) {
            var p = line.trimmingCharacters(in: .whitespaces)
            guard !p.isEmpty, !p.hasPrefix("#") else { continue }
            var rule = Rule(negated: false, directoryOnly: false, anchored: false, segments: [])
            if p.hasPrefix("!") { rule.negated = true; p.removeFirst() }
            if p.hasPrefix("\\") { p.removeFirst() }
            if p.hasSuffix("/") { rule.directoryOnly = true; p.removeLast() }
            if p.hasPrefix("/") { rule.anchored = true; p.removeFirst() }
            if p.contains("/") { rule.anchored = true }
            rule.segments = p.split(separator: "/").map(String.init)
            if !rule.segments.isEmpty { rules.append(rule) }
        }
    }

    /// Whether `path` (relative, `/`-separated) is left out. A directory that is left out takes
    /// everything below it along, as in git.
    public func isIgnored(_ path: String, isDirectory: Bool) -> Bool {
        var ignored = false
        let parts = path.split(separator: "/").map(String.init)
        for rule in rules {
            if rule.directoryOnly && !isDirectory { continue }
            if matches(rule, parts) { ignored = !rule.negated }
        }
        return ignored
    }

    private func matches(_ rule: Rule, _ parts: [String]) -> Bool {
        if rule.anchored { return Self.match(rule.segments[...], parts[...]) }
        return parts.indices.contains { Self.match(rule.segments[...], parts[$0...]) }
    }

    private static func match(_ pattern: ArraySlice<String>, _ parts: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return parts.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            return (parts.startIndex...parts.endIndex).contains { match(rest, parts[$0...]) }
        }
        guard let part = parts.first, glob(Array(first.utf8)[...], Array(part.utf8)[...]) else { return false }
        return match(pattern.dropFirst(), parts.dropFirst())
    }

    static func glob(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> Bool {
        guard let c = p.first else { return s.isEmpty }
        switch c {
        case UInt8(ascii: "*"):
            return (s.startIndex...s.endIndex).contains { glob(p.dropFirst(), s[$0...]) }
        case UInt8(ascii: "?"):
            return !s.isEmpty && glob(p.dropFirst(), s.dropFirst())
        default:
            return s.first == c && glob(p.dropFirst(), s.dropFirst())
        }
    }
}
