import Foundation

/// The ids of events already handled (delivery is at least once), the most recent `capacity` of
/// them; with a file they survive a restart of the instance. A second delivery of an id that is
/// being handled right now waits for the first to finish.
public actor EventLedger {
    private var done: Set<String> = []
    private var order: [String] = []
    private var running: [String: [CheckedContinuation<Void, Never>]] = [:]
    let capacity: Int
    let file: URL?

    public init(capacity: Int = 100_000, file: URL? = nil) {
        self.capacity = capacity
        self.file = file
        if let file, let text = try? String(contentsOf: file, encoding: .utf8) {
            for line in text.split(separator: "\n") where !line.isEmpty { Self.add(String(line), &done, &order, capacity) }
        }
    }

    private static func add(_ id: String, _ done: inout Set<String>, _ order: inout [String], _ capacity: Int) {
        guard done.insert(id).inserted else { return }
        order.append(id)
        if order.count > capacity {
            let drop = order.count - capacity
            for old in order.prefix(drop) { done.remove(old) }
            order.removeFirst(drop)
        }
    }

    /// Claims an id: false when it was handled already.
    public func begin(_ id: String) async -> Bool {
        while running[id] != nil {
            await withCheckedContinuation { running[id, default: []].append($0) }
        }
        if done.contains(id) { return false }
        running[id] = []
        return true
    }

    /// The handler succeeded: later deliveries of the id are duplicates.
    public func finish(_ id: String) {
        Self.add(id, &done, &order, capacity)
        if let file, let line = (id.replacingOccurrences(of: "\n", with: " ") + "\n").data(using: .utf8) {
            if let handle = try? FileHandle(forWritingTo: file) {
                _ = try? handle.seekToEnd()
                try? handle.write(contentsOf: line)
                try? handle.close()
            } else {
                try? line.write(to: file)
            }
        }
        release(id)
    }

    /// The handler failed: the platform's retry runs it again.
    public func abandon(_ id: String) { release(id) }

    private func release(_ id: String) {
        for waiter in running.removeValue(forKey: id) ?? [] { waiter.resume() }
    }
}
