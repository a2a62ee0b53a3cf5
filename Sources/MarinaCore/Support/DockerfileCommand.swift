/// The start command of a Dockerfile: the exec form (`["prog", "arg"]`) of its last `ENTRYPOINT`
/// followed by its last `CMD`. Shell-form instructions are not used (there is no shell contract).
public enum DockerfileCommand {
    public static func parse(_ text: String) -> [String]? {
        var entrypoint: [String]?
        var cmd: [String]?
        var logical = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") && logical.isEmpty { continue }
            if line.hasSuffix("\\") {
                logical += line.dropLast() + " "
                continue
            }
            logical += line
            defer { logical = "" }
            let parts = logical.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let instruction = parts[0].uppercased()
            guard instruction == "CMD" || instruction == "ENTRYPOINT" else { continue }
            guard let array = try? JSONParser.parse(Array(parts[1].utf8)), case .array(let items) = array else {
                if instruction == "CMD" { cmd = nil } else { entrypoint = nil }
                continue
            }
            let strings = items.compactMap(\.stringValue)
            guard strings.count == items.count else { continue }
            if instruction == "CMD" { cmd = strings } else { entrypoint = strings }
        }
        let command = (entrypoint ?? []) + (cmd ?? [])
        return command.isEmpty ? nil : command
    }
}
