#if canImport(Glibc)
import Glibc
#endif

/// `relay` and `sandbox-exec`: the two steps of every instance start that run as separate
/// processes (see `Relay` and `SandboxLauncher`), as `marina-sandbox relay|sandbox-exec` or as
/// `marina relay|sandbox-exec`. Not for people.
///
/// They are parsed by hand: in `marina`, before ArgumentParser is touched (building its command
/// tree costs a process of that size about 15 ms of protocol-conformance lookups); `marina-sandbox`
/// has nothing else in it.
public enum InternalCommand {
    /// The exit status of `arguments` when it names an internal command; nil for everything else.
    public static func runIfInternal(_ arguments: [String]) -> Int32? {
        guard arguments.count > 1, arguments[1] == "relay" || arguments[1] == "sandbox-exec" else { return nil }
        let name = arguments[1]
        do {
            var parsed = try Parsed(Array(arguments.dropFirst(2)))
            if name == "relay" {
                let socket = try parsed.single("socket")
                guard let port = Int(try parsed.single("port")) else { throw Problem("--port takes a number") }
                let forwards = try parsed.take("forward").map { text -> (port: Int, path: String) in
                    guard let eq = text.firstIndex(of: "="), let port = Int(text[..<eq]) else { throw Problem("--forward takes PORT=PATH") }
                    return (port, String(text[text.index(after: eq)...]))
                }
                try parsed.finish(name)
                return Relay.run(socketPath: socket, port: port, forwards: forwards, command: parsed.command)
            }
            guard let uid = UInt32(try parsed.single("uid")), let gid = UInt32(try parsed.single("gid")) else {
                throw Problem("--uid and --gid take numbers")
            }
            var options = SandboxLauncher.Options(uid: uid, gid: gid, argv: [])
            options.cgroupProcFiles = try parsed.take("cgroup-procs")
            options.addressSpaceBytes = try parsed.optionalNumber("rlimit-as")
            options.processes = try parsed.optionalNumber("rlimit-nproc")
            options.openFiles = try parsed.optionalNumber("rlimit-nofile")
            options.bubblewrapArgumentsOnStandardInput = try parsed.flag("args-on-stdin")
            options.seccomp = try parsed.flag("seccomp")
            options.nice = try parsed.optionalNumber("nice").map { Int32(clamping: $0) }
            try parsed.finish(name)
            options.argv = parsed.command
            SandboxLauncher.exec(options)
        } catch {
            writeStandardError("marina \(name): \((error as? Problem)?.message ?? "\(error)")")
            return 2
        }
    }

    struct Problem: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// `--name value` pairs up to `--`, then the command.
    struct Parsed {
        var options: [String: [String]] = [:]
        var command: [String] = []

        init(_ arguments: [String]) throws {
            var i = 0
            while i < arguments.count {
                let word = arguments[i]
                if word == "--" {
                    command = Array(arguments[(i + 1)...])
                    break
                }
                guard word.hasPrefix("--"), i + 1 < arguments.count else { throw Problem("unexpected \(word)") }
                options[String(word.dropFirst(2)), default: []].append(arguments[i + 1])
                i += 2
            }
        }

        mutating func take(_ name: String) throws -> [String] { options.removeValue(forKey: name) ?? [] }

        mutating func single(_ name: String) throws -> String {
            let values = try take(name)
            guard values.count == 1 else { throw Problem(values.isEmpty ? "--\(name) is required" : "--\(name) is given more than once") }
            return values[0]
        }

        mutating func optionalNumber(_ name: String) throws -> UInt64? {
            guard options[name] != nil else { return nil }
            guard let number = UInt64(try single(name)) else { throw Problem("--\(name) takes a number") }
            return number
        }

        /// `--name yes|no` (absent: no).
        mutating func flag(_ name: String) throws -> Bool {
            guard options[name] != nil else { return false }
            switch try single(name) {
            case "yes": return true
            case "no": return false
            default: throw Problem("--\(name) takes yes or no")
            }
        }

        func finish(_ name: String) throws {
            if let unknown = options.keys.sorted().first { throw Problem("unknown option --\(unknown)") }
            guard !command.isEmpty else { throw Problem("\(name) needs a command after --") }
        }
    }
}
