/// The scope gate, as a pure rule: a platform tool needing `scope` may be called by an app only
/// when the version's manifest declares the scope **and** the tenant granted it to the install.
/// Declared but not granted, or granted but no longer declared (a newer version dropped it), is
/// refused alike; which of the two is said, so the developer or the tenant knows what to change.
public enum ScopeGate {
    public enum Decision: Sendable, Equatable {
        case allowed
        /// The version does not declare the scope (its developer must, in a new version).
        case notDeclared
        /// The tenant has not granted it (a tenant admin can).
        case notGranted
    }

    public static func check(needed scope: String, declared: some Collection<String>, granted: Set<String>) -> Decision {
        guard declared.contains(scope) else { return .notDeclared }
        return granted.contains(scope) ? .allowed : .notGranted
    }
}
