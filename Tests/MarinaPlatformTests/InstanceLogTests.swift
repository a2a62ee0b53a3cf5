import Foundation
import MarinaCore
import MarinaPlatform
import MarinaTestSupport
import Testing

/// An instance's log as the platform gives it to its readers: what was kept, then what comes.
@Suite struct InstanceLogTests {
    @Test(arguments: TestDatabase.available)
    func aReaderSeesTheKeptLinesThenTheNewOnes(_ kind: TestDatabase) async throws {
        let f = try await PlatformFixture.make(kind)
        defer { Task { await f.drop() } }
        try await f.installed(DispatchTests.manifest)
        _ = try await DispatchTests.greet(f)

        let tail = try #require(try await f.services.runtime!.instances.log(f.admin, tenant: "acme", app: "echo"))
        #expect(tail.lines().contains { $0.text.hasPrefix("ready") }, "\(tail.lines().map(\.text))")
        let live = tail.follow()
        let reader = Task { () -> [String] in
            var seen: [String] = []
            for await line in live {
                seen.append(line.text)
                if line.text.hasPrefix("crashed") { break }
            }
            return seen
        }
        let id = try #require(await f.platform.supervisor.status().first?.id)
        f.driver.crash(instanceId: id)
        let seen = await reader.value
        #expect(seen.last?.hasPrefix("crashed: exited with status 1") == true, "\(seen)")
    }
}
