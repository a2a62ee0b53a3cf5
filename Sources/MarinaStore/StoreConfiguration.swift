/// Where Marina keeps its data: an SQLite file (the embedded default) or a PostgreSQL database
/// (several `serve` processes may share one).
public enum StoreConfiguration: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    public enum Dialect: String, Sendable { case sqlite, postgres }

    public var dialect: Dialect {
        switch self {
        case .sqlite: return .sqlite
        case .postgres: return .postgres
        }
    }

    /// `postgres://…`/`postgresql://…` selects PostgreSQL; anything else is an SQLite file path.
    public static func parse(_ text: String) -> StoreConfiguration {
        let lower = text.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres+") || lower.hasPrefix("postgresql+") {
            return .postgres(url: text)
        }
        return .sqlite(path: text.hasPrefix("sqlite://") ? String(text.dropFirst("sqlite://".count)) : text)
    }

    /// The URL with its password hidden, for logs.
    public var redacted: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return url.replacing(/:\/\/([^:@\/]+):[^@\/]*@/) { "://\($0.output.1):***@" }
        }
    }
}
