import Foundation

/// Everything needed to run one instance: one per (tenant, app, version).
public struct InstanceSpec: Sendable, Equatable {
    /// Stable, path-safe key of the instance.
    public var id: String
    public var tenant: String
    public var app: String
    public var version: String
    /// The unpacked bundle, mounted read-only at `/app`.
    public var bundleDirectory: URL
    /// The instance's private data, mounted read-write at `/data`.
    public var dataDirectory: URL
    public var command: [String]
    public var port: Int
    /// The environment the app sees (SPEC §4's variables plus the manifest's env, resolved).
    public var environment: [String: String]
    public var memoryMB: Int
    public var cpuCores: Double
    public var maxProcesses: Int
    public var idleTimeout: Duration
    /// The published manifest hash `GET /manifest` must match.
    public var manifestHash: String
    /// The unprivileged host user the instance runs as.
    public var uid: UInt32
    /// DNS names the egress proxy lets the instance reach (`*.example.com` for subdomains).
    public var egressHosts: [String] = []

    public init(
        id: String, tenant: String, app: String, version: String, bundleDirectory: URL, dataDirectory: URL, command: [String], port: Int,
        environment: [String: String], memoryMB: Int, cpuCores: Double, maxProcesses: Int, idleTimeout: Duration, manifestHash: String, uid: UInt32
    ) {
        (self.id, self.tenant, self.app, self.version) = (id, tenant, app, version)
        (self.bundleDirectory, self.dataDirectory, self.command, self.port, self.environment) = (
            bundleDirectory, dataDirectory, command, port, environment
        )
        (self.memoryMB, self.cpuCores, self.maxProcesses, self.idleTimeout, self.manifestHash, self.uid) = (
            memoryMB, cpuCores, maxProcesses, idleTimeout, manifestHash, uid
        )
    }
}

extension InstanceSpec {
    /// Who the instance's egress connections are recorded for.
    public var egressRequester: EgressProxy.Requester { EgressProxy.Requester(id: id, tenant: tenant, app: app, version: version) }
}

/// The limits actually in force for an instance, as reported by `marina instances`.
public struct LimitsInForce: Sendable, Codable, Equatable {
    public var mechanism: String
    public var memoryMB: Int
    public var cpuCores: Double?
    public var maxProcesses: Int
    public var sandbox: String
    /// The size of the instance's own `/data` file system (nil: `/data` shares serve's disk).
    public var diskMB: Int?
    enum CodingKeys: String, CodingKey {
        case mechanism, sandbox, memoryMB = "memory_mb", cpuCores = "cpu_cores", maxProcesses = "max_processes", diskMB = "disk_mb"
    }

    public init(mechanism: String, memoryMB: Int, cpuCores: Double?, maxProcesses: Int, sandbox: String, diskMB: Int? = nil) {
        (self.mechanism, self.memoryMB, self.cpuCores, self.maxProcesses, self.sandbox, self.diskMB) = (
            mechanism, memoryMB, cpuCores, maxProcesses, sandbox, diskMB
        )
    }
}
