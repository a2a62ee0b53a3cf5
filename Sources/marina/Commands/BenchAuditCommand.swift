import ArgumentParser
import Foundation
import Logging
import MarinaCore
import MarinaPlatform
import MarinaStore

/// `marina bench-audit`: appends records through the audit log's group commit from many
/// concurrent writers, each waiting for its record to be durable, then verifies the chain.
/// Used by `Benchmarks/audit.sh` (hidden; the numbers go to docs/performance.md).
struct BenchAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-audit", abstract: "Measure audit log throughput (internal).", shouldDisplay: false)
    @Option(help: "A directory for the throwaway SQLite database.") var data: String
    @Option(help: "Records to append.") var records = 200_000
    @Option(help: "Concurrent writers, each awaiting durability before its next record.") var writers = 256
    @Option(help: "A postgres:// URL instead of SQLite.") var database: String?

    func run() async throws {
        let url = URL(fileURLWithPath: data)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let path = url.appendingPathComponent("bench-\(UUID().uuidString.prefix(8)).sqlite").path
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let store = try Store(database.map(StoreConfiguration.parse) ?? .sqlite(path: path), logger: logger)
        try await store.migrate()
        let audit = AuditLog(store: store, logger: logger)
        let perWriter = records / writers
        let input: JSONValue = ["tool": "kv_set", "args": ["key": "customer/42", "value": ["note": "a typical small input"], "token": "masked"]]
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    for i in 0..<perWriter {
                        try await audit.record(
                            AuditEntry(
                                at: Int64(Date().timeIntervalSince1970 * 1000), actor: "app:ins_bench\(w)", tenant: "bench", app: "bench-app",
                                version: "1.0.0", kind: .appCall, name: "kv_set", durationMs: 1, requestId: "req_\(w)_\(i)", input: input))
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let total = perWriter * writers
        let verifyStart = ContinuousClock.now
        let tenants = TenantService(store: store)
        let verdict = try await AuditService(store: store, tenants: tenants).verify(
            Principal(identityId: "bench", role: .admin, name: "bench", tenantId: nil, keyId: nil))
        let verifyElapsed = ContinuousClock.now - verifyStart
        let verifySeconds = Double(verifyElapsed.components.seconds) + Double(verifyElapsed.components.attoseconds) / 1e18
        print(
            String(
                format: "audit append: %d records, %d writers, %.2f s, %.0f records/s (durable, group commit)", total, writers, seconds,
                Double(total) / seconds))
        print(
            String(
                format: "audit verify: %lld records, %.2f s, %.0f records/s, chain %@", verdict.records, verifySeconds,
                Double(verdict.records) / verifySeconds, verdict.ok ? "intact" : "BROKEN"))
        await store.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        if !verdict.ok || verdict.records != Int64(total) { throw ExitCode(1) }
    }
}
