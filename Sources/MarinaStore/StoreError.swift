import PostgresKit
import SQLiteKit

/// Failures of the store that callers act on. Everything else is an internal error.
public enum StoreError: Error, Sendable, Equatable {
    /// A unique constraint refused the write (a concurrent writer got there first).
    case conflict(String)
    case notFound(String)
    /// The database holds migrations this build does not know, or one was edited after it ran.
    case schemaMismatch(String)
    case unavailable(String)

    /// Whether `error` is a unique-constraint violation, on either database.
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        if let e = error as? PSQLError, let state = e.serverInfo?[.sqlState] { return state == "23505" }
        if let e = error as? SQLiteError {
            return e.reason == .constraint && e.message.contains("UNIQUE") || e.reason == .constraintUniqueFailed
                || e.reason == .constraintPrimaryKeyFailed
        }
        return false
    }
}
