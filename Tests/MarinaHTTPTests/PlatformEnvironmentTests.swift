import Foundation
import MarinaPlatform
import Synchronization
import Testing

@Suite struct PlatformEnvironmentTests {
    @Test func orderedIdsSortByTheirTimeAndStayUnique() {
        let clock = Mutex(Date(timeIntervalSince1970: 1_700_000_000))
        let env = PlatformEnvironment(now: { clock.withLock { $0 } })
        var ids: [String] = []
        for step in 0..<300 {
            ids.append(env.orderedId("aud"))
            // Several ids share a millisecond; later milliseconds always sort after.
            if step % 3 == 2 { clock.withLock { $0 += 0.001 * Double(1 + step % 7) } }
        }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.hasPrefix("aud_") && $0.count == 4 + 12 + 16 })
        let times = ids.map { $0.dropFirst(4).prefix(12) }
        #expect(times == times.sorted())
        #expect(ids.first?.dropFirst(4).prefix(12) == "018bcfe56800")
        #expect(zip(ids, ids.dropFirst()).allSatisfy { a, b in a.dropFirst(4).prefix(12) == b.dropFirst(4).prefix(12) || a < b })
    }
}
