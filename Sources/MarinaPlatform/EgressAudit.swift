import Logging
import MarinaCore
import MarinaRuntime

/// The egress proxy's records in the audit log. A decision is an `egress` record written before
/// the proxy acts on it, fail-closed like every other record (a connection whose record cannot be
/// written is refused); what an allowed connection carried is an `egress_end` record once it has
/// ended. An `egress_end` that cannot be written is logged: the connection is over by then.
public struct EgressAudit: EgressRecorder {
    let audit: AuditLog
    let env: PlatformEnvironment
    let logger: Logger

    public init(audit: AuditLog, env: PlatformEnvironment = .live, logger: Logger = Logger(label: "marina.egress")) {
        (self.audit, self.env, self.logger) = (audit, env, logger)
    }

    public func decided(_ connection: EgressProxy.Connection, for requester: EgressProxy.Requester) async throws {
        try await audit.record(
            entry(.egress, connection, requester, input: ["host": .string(connection.host), "port": .number(Double(connection.port))]))
    }

    public func ended(_ connection: EgressProxy.Connection, for requester: EgressProxy.Requester) async {
        let input: JSONValue = [
            "host": .string(connection.host), "port": .number(Double(connection.port)),
            "bytes_out": .number(Double(connection.bytesOut)), "bytes_in": .number(Double(connection.bytesIn)),
        ]
        do { try await audit.record(entry(.egressEnd, connection, requester, input: input)) } catch {
            logger.warning(
                "the end of an egress connection could not be recorded",
                metadata: [
                    "instance": .string(requester.id), "target": .string("\(connection.host):\(connection.port)"), "error": .string("\(error)"),
                ])
        }
    }

    func entry(_ kind: AuditKind, _ c: EgressProxy.Connection, _ spec: EgressProxy.Requester, input: JSONValue) -> AuditEntry {
        AuditEntry(
            at: env.millis - Int64(c.durationMs), actor: "instance:" + spec.id, tenant: spec.tenant, app: spec.app, version: spec.version, kind: kind,
            name: "\(c.host):\(c.port)", decision: c.decision, status: c.status, durationMs: Int64(c.durationMs), input: input)
    }
}
