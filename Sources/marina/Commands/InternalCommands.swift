import ArgumentParser
import Foundation
import MarinaRuntime

/// `marina relay`: runs inside an instance's sandbox (see `Relay`). Not for people.
struct RelayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "relay", abstract: "Bridge a Unix socket to the app's port inside a sandbox (internal).", shouldDisplay: false)
    @Option var socket: String
    @Option var port: Int
    @Option(help: "PORT=PATH: relay connections to 127.0.0.1:PORT to the Unix socket PATH.") var forward: [String] = []
    @Argument(parsing: .captureForPassthrough) var command: [String]

    func run() throws {
        let argv = command.first == "--" ? Array(command.dropFirst()) : command
        guard !argv.isEmpty else { throw ValidationError("relay needs a command after --") }
        let forwards = try forward.map { text -> (port: Int, path: String) in
            guard let eq = text.firstIndex(of: "="), let port = Int(text[..<eq]) else { throw ValidationError("--forward takes PORT=PATH") }
            return (port, String(text[text.index(after: eq)...]))
        }
        Foundation.exit(Relay.run(socketPath: socket, port: port, forwards: forwards, command: argv))
    }
}

/// `marina sandbox-exec`: the first step of starting an instance (see `SandboxLauncher`).
struct SandboxExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sandbox-exec", abstract: "Join cgroups, drop privileges and exec bubblewrap (internal).", shouldDisplay: false)
    @Option(name: .customLong("cgroup-procs")) var cgroupProcs: [String] = []
    @Option var uid: UInt32
    @Option var gid: UInt32
    @Option(name: .customLong("rlimit-as")) var rlimitAS: UInt64?
    @Option(name: .customLong("rlimit-nproc")) var rlimitNproc: UInt64?
    @Argument(parsing: .captureForPassthrough) var command: [String]

    func run() throws {
        let argv = command.first == "--" ? Array(command.dropFirst()) : command
        guard !argv.isEmpty else { throw ValidationError("sandbox-exec needs a command after --") }
        var options = SandboxLauncher.Options(uid: uid, gid: gid, argv: argv)
        options.cgroupProcFiles = cgroupProcs
        options.addressSpaceBytes = rlimitAS
        options.processes = rlimitNproc
        SandboxLauncher.exec(options)
    }
}
