import Foundation
import MarinaCore
import Synchronization

/// Token buckets per install and per tenant for app → platform calls. Both must have a token.
public final class RateLimiter: Sendable {
    public struct Limits: Sendable {
        public var perInstall: (burst: Double, perSecond: Double)
        public var perTenant: (burst: Double, perSecond: Double)
        public init(perInstall: (burst: Double, perSecond: Double) = (100, 50), perTenant: (burst: Double, perSecond: Double) = (400, 200)) {
            (self.perInstall, self.perTenant) = (perInstall, perTenant)
        }
    }

    let limits: Limits
    private let buckets = Mutex<[String: TokenBucket]>([:])

    public init(_ limits: Limits = Limits()) { self.limits = limits }

    /// Whether a call of `install` in `tenant` may go ahead now.
    public func allow(install: String, tenant: String, now: Date) -> Bool {
        let t = now.timeIntervalSince1970
        return buckets.withLock { all in
            var i = all["i:" + install] ?? TokenBucket(capacity: limits.perInstall.burst, ratePerSecond: limits.perInstall.perSecond, now: t)
            var n = all["t:" + tenant] ?? TokenBucket(capacity: limits.perTenant.burst, ratePerSecond: limits.perTenant.perSecond, now: t)
            // Both must have a token; a refusal takes none.
            guard i.take(now: t) else { return false }
            guard n.take(now: t) else { return false }
            all["i:" + install] = i
            all["t:" + tenant] = n
            return true
        }
    }
}
