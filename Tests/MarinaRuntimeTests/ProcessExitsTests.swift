import Foundation
import MarinaRuntime
import MarinaSandbox
import Testing

/// Child processes' ends, told by one thread: through pidfds, and by checking every 50 ms where a
/// kernel has none.
@Suite struct ProcessExitsTests {
    @Test(arguments: [true, false]) func everyEndIsToldWithItsStatusWhateverTheOrder(usePidfds: Bool) async throws {
        let exits = ProcessExits(usePidfds: usePidfds)
        // Ten children ending in another order than they started, one killed, one gone before it is watched.
        var children: [(ChildProcess, Int32)] = []
        for i in 0..<8 { children.append((try ChildProcess.start(["/bin/sh", "-c", "sleep 0.\(8 - i); exit \(i)"]), Int32(i))) }
        let killed = try ChildProcess.start(["/bin/sleep", "30"])
        let early = try ChildProcess.start(["/bin/true"])
        try await Task.sleep(for: .milliseconds(300))
        let started = children
        let statuses = await withTaskGroup(of: (Int32, Int32).self) { group in
            for (child, expected) in started { group.addTask { (await exits.wait(for: child.pid), expected) } }
            group.addTask { (await exits.wait(for: killed.pid), 128 + SIGKILL) }
            group.addTask { (await exits.wait(for: early.pid), 0) }
            kill(killed.pid, SIGKILL)
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.count == 10)
        for (got, expected) in statuses { #expect(got == expected) }
        // Reaped: no zombie is left behind.
        for (child, _) in children { #expect(waitpid(child.pid, nil, WNOHANG) == -1 && errno == ECHILD) }
    }

    @Test(arguments: [true, false]) func aProcessThatIsNotAChildIsToldAtOnce(usePidfds: Bool) async {
        #expect(await ProcessExits(usePidfds: usePidfds).wait(for: 1) == -1)
    }
}
