import Foundation
import Testing

@testable import MarinaPlatform

/// The hand-written ISO 8601 times of the API views agree with Foundation's formatter.
@Suite struct TimestampTests {
    @Test(arguments: [Int64(0), 1, 999, 1_000, 951_782_400_123, 1_795_322_401_705, 4_102_444_799_999])
    func matchesFoundation(_ millis: Int64) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        #expect(Timestamp.iso(millis) == formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000)))
    }
}
