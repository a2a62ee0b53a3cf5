import SQLKit

/// The database as `Store.read` and `Store.transaction` hand it to their body: what repositories
/// take. Outside MarinaStore it is opaque — the services pass it from one repository call to the
/// next and never write SQL — so every dialect corner stays in this module.
public struct StoreHandle: Sendable {
    /// The connection (within the transaction, when there is one).
    let sql: any SQLDatabase

    init(_ sql: any SQLDatabase) { self.sql = sql }
}

// The query builders the repositories use, on the handle itself.
extension StoreHandle {
    func select() -> SQLSelectBuilder { sql.select() }
    func insert(into table: String) -> SQLInsertBuilder { sql.insert(into: table) }
    func update(_ table: String) -> SQLUpdateBuilder { sql.update(table) }
    func delete(from table: String) -> SQLDeleteBuilder { sql.delete(from: table) }
    func raw(_ query: SQLQueryString) -> SQLRawBuilder { sql.raw(query) }
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await sql.execute(sql: query, onRow)
    }
    var dialect: any SQLDialect { sql.dialect }
    /// Whether the connection is PostgreSQL's (else SQLite's).
    var isPostgres: Bool { sql.dialect.name == "postgresql" }
}
