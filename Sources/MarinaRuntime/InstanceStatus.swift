import Foundation

/// What `marina instances` shows of one instance.
public struct InstanceStatus: Sendable, Codable, Equatable {
    public var id: String
    public var tenant: String
    public var app: String
    public var version: String
    public var state: String
    public var pid: Int32?
    public var uptimeSeconds: Double?
    public var memoryBytes: Int?
    public var restarts: Int
    public var lastError: String?
    public var limits: LimitsInForce?
    enum CodingKeys: String, CodingKey {
        case id, tenant, app, version, state, pid, restarts, limits
        case uptimeSeconds = "uptime_s", memoryBytes = "memory_bytes", lastError = "last_error"
    }
}
