import Foundation
import MarinaCore
import MarinaPlatform
import MarinaRuntime
import MarinaTestSupport
import SQLKit
import Testing

@testable import MarinaStore

/// The egress proxy of a platform built as serve builds it, recording into its audit log: the
/// audit fails closed for egress as for every other record.
@Suite struct EgressAuditTests {
    static func spec(_ root: URL) -> InstanceSpec {
        InstanceSpec(
            id: "egress-audit", tenant: "acme", app: "fetcher", version: "1.0.0", bundleDirectory: root, dataDirectory: root, command: ["true"],
            port: 8080,
            environment: [:], memoryMB: 64, cpuCores: 1, maxProcesses: 8, idleTimeout: .seconds(60), manifestHash: "", uid: getuid())
    }

    /// Makes every insert into the audit table fail, as a full disk or a lost database would.
    static func refuseAuditWrites(_ store: Store, _ kind: TestDatabase, _ refuse: Bool) async throws {
        let statements: [String]
        switch (kind, refuse) {
        case (.sqlite, true): statements = ["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'refused'); END"]
        case (.sqlite, false): statements = ["DROP TRIGGER refuse_audit"]
        case (.postgres, true):
            statements = [
                "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
            ]
        case (.postgres, false): statements = ["DROP TRIGGER refuse_audit ON audit_records", "DROP FUNCTION refuse_audit()"]
        }
        try await store.transaction { db in
            for statement in statements { try await db.raw(SQLQueryString(statement)).run() }
        }
    }

    @Test(arguments: TestDatabase.available)
    func aConnectionIsRefusedWhileItsRecordCannotBeWritten(_ kind: TestDatabase) async throws {
        let f = try await PlatformFixture.make(kind)
        defer { Task { await f.drop() } }
        let origin = LoopbackHTTPServer { _ in ("200 OK", "text/plain", "fetched") }
        defer { origin.stop() }
        try FileManager.default.createDirectory(at: f.root, withIntermediateDirectories: true)
        let proxy = try f.platform.egress.serve(
            path: f.root.appendingPathComponent("egress.sock").path, spec: Self.spec(f.root), allowed: ["api.example.test"])
        defer { proxy.stop() }
        let request = "GET http://api.example.test:\(origin.port)/ HTTP/1.1\r\nHost: api.example.test\r\n\r\n"

        try await Self.refuseAuditWrites(f.services.store, kind, true)
        let refused = await UnixSocketExchange.send(request, to: proxy.path)
        #expect(refused.hasPrefix("HTTP/1.1 503") && refused.contains("deny:audit_unavailable"), "\(refused)")
        #expect(origin.requests.isEmpty, "the upstream was reached without a record")

        try await Self.refuseAuditWrites(f.services.store, kind, false)
        let answered = await UnixSocketExchange.send(request, to: proxy.path)
        #expect(answered.hasPrefix("HTTP/1.1 200") && answered.hasSuffix("fetched"))
        #expect(origin.requests.count == 1)
        // The decision, then the end with what went each way (written once the connection closed).
        var records: [AuditView] = []
        for _ in 0..<100 {
            records = try await f.services.audit.allRecords(f.admin, AuditService.Query(filter: AuditFilter(tenant: "acme"), ascending: true)).records
            if records.count >= 2 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let name = "api.example.test:\(origin.port)"
        #expect(records.map { "\($0.kind) \($0.name) \($0.decision) \($0.status)" } == ["egress \(name) allow ok", "egress_end \(name) allow ok"])
        let summary = try #require(records.last?.summary)
        #expect(summary.contains("bytes_in") && summary.contains("bytes_out"), "\(summary)")
    }
}
