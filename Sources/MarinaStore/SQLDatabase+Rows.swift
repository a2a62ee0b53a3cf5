import SQLKit

/// Column names are the snake_case forms of the records' property names.
extension StoreHandle {
    func insert<T: Encodable & Sendable>(_ record: T, into table: String) async throws {
        try await insert(into: table).model(record, keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil).run()
    }
}

extension SQLQueryFetcher {
    func rows<T: Decodable>(_ type: T.Type) async throws -> [T] {
        try await all(decoding: type, keyDecodingStrategy: .convertFromSnakeCase)
    }

    func row<T: Decodable>(_ type: T.Type) async throws -> T? {
        try await first(decoding: type, keyDecodingStrategy: .convertFromSnakeCase)
    }
}
