import Foundation
import Hummingbird
import MarinaCore
import MarinaPlatform
import NIOCore

/// The audit log: a tenant's records, the whole log (admin), NDJSON export and the chain check.
enum AuditRoutes {
    static func add(_ api: RouterGroup<MarinaRequestContext>, _ audit: AuditService) {
        api.get("tenants/:tenant/audit") { request, context in
            JSONResponse(
                value: try await audit.tenantRecords(try context.caller(), tenant: try context.parameters.require("tenant"), try query(request)))
        }
        api.get("audit") { request, context in
            JSONResponse(value: try await audit.allRecords(try context.caller(), try query(request)))
        }
        api.get("audit/verify") { _, context in
            JSONResponse(value: try await audit.verify(try context.caller()))
        }
        api.get("tenants/:tenant/audit/export") { request, context in
            let principal = try context.caller()
            let tenant = try context.parameters.require("tenant")
            return try await export(try query(request)) { try await audit.tenantRecords(principal, tenant: tenant, $0) }
        }
        api.get("audit/export") { request, context in
            let principal = try context.caller()
            return try await export(try query(request)) { try await audit.allRecords(principal, $0) }
        }
    }

    /// Streams every record matching `base`, oldest first, one JSON object per line. Access is
    /// checked (a first page is read) before the response starts, so a refusal is a plain error.
    static func export(
        _ base: AuditService.Query, page: @escaping @Sendable (AuditService.Query) async throws -> AuditService.Page
    ) async throws -> Response {
        var ascending = base
        (ascending.ascending, ascending.limit) = (true, 1000)
        let first = ascending
        let opening = try await page(first)
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson"],
            body: .init { writer in
                var records = opening.records
                while !records.isEmpty {
                    var buffer = ByteBuffer()
                    for record in records {
                        buffer.writeBytes(try JSONEncoder().encode(record))
                        buffer.writeInteger(UInt8(ascii: "\n"))
                    }
                    try await writer.write(buffer)
                    var next = first
                    next.filter.after = records.last?.seq
                    records = try await page(next).records
                }
                try await writer.finish(nil)
            })
    }

    /// Filters from the query string: app, kind, name, status, decision, since/until (ISO 8601 or
    /// milliseconds), cursor (older than), after (newer than), limit, order=asc.
    static func query(_ request: Request) throws -> AuditService.Query {
        let p = request.uri.queryParameters
        func text(_ name: String) -> String? { p.get(name).flatMap { $0.isEmpty ? nil : $0 } }
        func time(_ name: String) throws -> Int64? {
            guard let raw = text(name) else { return nil }
            if let ms = Int64(raw) { return ms }
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: raw) ?? ISO8601DateFormatter().date(from: raw) { return Int64(date.timeIntervalSince1970 * 1000) }
            throw PlatformError.invalid("\(name) is a time in ISO 8601 (2026-01-31T12:00:00Z) or milliseconds since 1970", code: .invalidQuery)
        }
        func number(_ name: String) throws -> Int64? {
            guard let raw = text(name) else { return nil }
            guard let n = Int64(raw), n >= 0 else { throw PlatformError.invalid("\(name) is a non-negative integer", code: .invalidQuery) }
            return n
        }
        if let kind = text("kind"), AuditKind(rawValue: kind) == nil {
            throw PlatformError.invalid("kind is one of " + AuditKind.allCases.map(\.rawValue).joined(separator: ", "), code: .invalidQuery)
        }
        let filter = AuditFilter(
            tenant: text("tenant"), app: text("app"), kind: text("kind"), name: text("name"), status: text("status"), decision: text("decision"),
            since: try time("since"), until: try time("until"), before: try number("cursor"), after: try number("after"))
        let limit = Int(try number("limit") ?? 100)
        guard (1...1000).contains(limit) else { throw PlatformError.invalid("limit is 1–1000", code: .invalidQuery) }
        return AuditService.Query(filter: filter, limit: limit, ascending: text("order") == "asc")
    }
}
