/// A token bucket: `capacity` tokens, refilled at `ratePerSecond`; each call takes one.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let ratePerSecond: Double
    public private(set) var tokens: Double
    public private(set) var updatedAt: Double

    public init(capacity: Double, ratePerSecond: Double, now: Double) {
        (self.capacity, self.ratePerSecond, self.tokens, self.updatedAt) = (capacity, ratePerSecond, capacity, now)
    }

    /// Takes a token if there is one; `now` in seconds.
    public mutating func take(now: Double) -> Bool {
        tokens = min(capacity, tokens + max(0, now - updatedAt) * ratePerSecond)
        updatedAt = max(updatedAt, now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
