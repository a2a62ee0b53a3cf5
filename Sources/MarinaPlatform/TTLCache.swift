import Foundation
import Synchronization

/// A small cache whose entries live for `ttl` seconds, for what every request reads (the caller's
/// key, the route to an install). Writes through this process clear it at once; another replica's
/// writes are seen within `ttl`.
final class TTLCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: (Value, Date)]>([:])
    let ttl: TimeInterval
    let capacity: Int

    init(ttl: TimeInterval, capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    func value(_ key: Key, now: Date) -> Value? {
        entries.withLock { cache in
            guard let (value, stored) = cache[key] else { return nil }
            if now.timeIntervalSince(stored) > ttl {
                cache[key] = nil
                return nil
            }
            return value
        }
    }

    func store(_ key: Key, _ value: Value, now: Date) {
        entries.withLock { cache in
            if cache.count >= capacity { cache.removeAll() }
            cache[key] = (value, now)
        }
    }

    func removeAll() { entries.withLock { $0.removeAll() } }
}
