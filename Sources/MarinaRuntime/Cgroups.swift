import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Resource limits for instances: cgroup v2 where the platform may create groups under
/// `/sys/fs/cgroup/marina`, cgroup v1 (memory, cpu and pids hierarchies) where those are
/// writable, and rlimits (address space, process count) otherwise.
public struct Cgroups: Sendable {
    public enum Mode: String, Sendable, Codable {
        case v2 = "cgroup-v2"
        case v1 = "cgroup-v1"
        case rlimit
    }

    public let mode: Mode
    let root: String
    /// Groups live under `marina/<namespace>/`: each platform (data directory) cleans up only its own.
    let namespace: String

    public init(root: String = "/sys/fs/cgroup", namespace: String = "default") {
        self.root = root
        self.namespace = namespace
        self.mode = Self.detect(root: root, namespace: namespace)
    }

    static func writable(_ path: String) -> Bool { access(path, W_OK) == 0 }

    static func detect(root: String, namespace: String) -> Mode {
        if FileManager.default.fileExists(atPath: root + "/cgroup.controllers") {
            let base = root + "/marina", own = base + "/" + namespace
            try? FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
            let controllers = ProcFile.read(root + "/cgroup.controllers") ?? ""
            guard ["memory", "pids", "cpu"].allSatisfy(controllers.contains), writable(own) else { return .rlimit }
            for dir in [root, base, own] {
                _ = try? "+memory +pids +cpu".write(toFile: dir + "/cgroup.subtree_control", atomically: false, encoding: .utf8)
            }
            let enabled = ProcFile.read(own + "/cgroup.subtree_control") ?? ""
            return ["memory", "pids", "cpu"].allSatisfy(enabled.contains) ? .v2 : .rlimit
        }
        let hierarchies = ["memory", "cpu", "pids"].map { root + "/" + $0 }
        guard hierarchies.allSatisfy({ FileManager.default.fileExists(atPath: $0) && writable($0) }) else { return .rlimit }
        for h in hierarchies { try? FileManager.default.createDirectory(atPath: h + "/marina/" + namespace, withIntermediateDirectories: true) }
        return hierarchies.allSatisfy { writable($0 + "/marina/" + namespace) } ? .v1 : .rlimit
    }

    /// The groups of one instance; `procFiles` are what the launcher writes its pid into.
    public struct Group: Sendable {
        public var mode: Mode
        public var directories: [String]
        public var procFiles: [String] { directories.map { $0 + "/cgroup.procs" } }
    }

    /// Creates (or resets) the instance's groups with its limits.
    public func create(_ name: String, memoryMB: Int, cpuCores: Double, processes: Int) throws -> Group {
        let period = 100_000
        let quota = max(1000, Int(cpuCores * Double(period)))
        switch mode {
        case .v2:
            let dir = root + "/marina/" + namespace + "/" + name
            remove(Group(mode: mode, directories: [dir]))
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try write("\(memoryMB * 1024 * 1024)", dir + "/memory.max")
            try? write("0", dir + "/memory.swap.max")
            try write("\(quota) \(period)", dir + "/cpu.max")
            try write("\(processes)", dir + "/pids.max")
            return Group(mode: mode, directories: [dir])
        case .v1:
            let memory = root + "/memory/marina/\(namespace)/" + name, cpu = root + "/cpu/marina/\(namespace)/" + name,
                pids = root + "/pids/marina/\(namespace)/" + name
            remove(Group(mode: mode, directories: [memory, cpu, pids]))
            for dir in [memory, cpu, pids] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            try write("\(memoryMB * 1024 * 1024)", memory + "/memory.limit_in_bytes")
            try? write("\(memoryMB * 1024 * 1024)", memory + "/memory.memsw.limit_in_bytes")
            try write("\(period)", cpu + "/cpu.cfs_period_us")
            try write("\(quota)", cpu + "/cpu.cfs_quota_us")
            try write("\(processes)", pids + "/pids.max")
            return Group(mode: mode, directories: [memory, cpu, pids])
        case .rlimit:
            return Group(mode: .rlimit, directories: [])
        }
    }

    private func write(_ value: String, _ path: String) throws {
        do { try value.write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw RuntimeError(.sandboxUnavailable, "cannot set \(path): \(error.localizedDescription)")
        }
    }

    /// Kills whatever is left in the groups and removes them.
    public func remove(_ group: Group) {
        for dir in group.directories where FileManager.default.fileExists(atPath: dir) {
            if group.mode == .v2, (try? "1".write(toFile: dir + "/cgroup.kill", atomically: false, encoding: .utf8)) != nil {
                // killed by the kernel
            } else {
                for pid in pids(in: dir) { kill(pid, SIGKILL) }
            }
            for _ in 0..<50 {
                if rmdir(dir) == 0 || errno == ENOENT { break }
                for pid in pids(in: dir) { kill(pid, SIGKILL) }
                usleep(20_000)
            }
        }
    }

    public func pids(in dir: String) -> [pid_t] {
        (ProcFile.read(dir + "/cgroup.procs") ?? "").split(separator: "\n").compactMap { pid_t($0) }
    }

    /// Memory in use by the group, in bytes.
    public func memoryUsage(_ group: Group) -> Int? {
        switch group.mode {
        case .v2:
            return group.directories.first.flatMap {
                Int((ProcFile.read($0 + "/memory.current") ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
            }
        case .v1:
            return group.directories.first.flatMap {
                Int((ProcFile.read($0 + "/memory.usage_in_bytes") ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
            }
        case .rlimit: return nil
        }
    }

    /// Whether the kernel killed something in the group for exceeding its memory.
    public func sawOutOfMemory(_ group: Group) -> Bool {
        guard let dir = group.directories.first else { return false }
        let file = group.mode == .v2 ? dir + "/memory.events" : dir + "/memory.oom_control"
        let text = ProcFile.read(file) ?? ""
        return text.split(separator: "\n").contains { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 && parts[0] == "oom_kill" && (Int(parts[1]) ?? 0) > 0
        }
    }

    /// Removes every instance group a previous (crashed) platform of the same namespace left
    /// behind, killing what ran in them.
    public func removeAll() {
        let bases: [String]
        switch mode {
        case .v2: bases = [root + "/marina/" + namespace]
        case .v1: bases = ["memory", "cpu", "pids"].map { root + "/" + $0 + "/marina/" + namespace }
        case .rlimit: bases = []
        }
        for base in bases {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
            let dirs = names.map { base + "/" + $0 }.filter {
                var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && d.boolValue
            }
            remove(Group(mode: mode, directories: dirs))
        }
    }
}
