import Foundation
import Synchronization

/// The bounded rolling log of one instance: its stdout and stderr, line by line, the oldest
/// lines dropped past `capacity` (and over-long lines cut), with live followers.
public final class InstanceLog: Sendable {
    public struct Line: Sendable, Codable, Equatable {
        public var time: Date
        public var stream: String
        public var text: String
    }

    private struct State {
        var lines: [Line] = []
        var dropped = 0
        var followers: [UUID: AsyncStream<Line>.Continuation] = [:]
        var partial: [String: [UInt8]] = [:]
    }

    private let state = Mutex(State())
    public let capacity: Int
    public let maxLineBytes: Int

    public init(capacity: Int = 2000, maxLineBytes: Int = 4096) {
        self.capacity = capacity
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds raw output of a stream ("stdout"/"stderr").
    public func append(_ bytes: [UInt8], stream: String) {
        state.withLock { s in
            var buffer = s.partial[stream] ?? []
            buffer.append(contentsOf: bytes)
            while let newline = buffer.firstIndex(of: 0x0A) {
                emit(Array(buffer[..<newline]), stream, &s)
                buffer.removeSubrange(...newline)
            }
            if buffer.count > maxLineBytes {
                emit(buffer, stream, &s)
                buffer.removeAll()
            }
            s.partial[stream] = buffer
        }
    }

    public func note(_ text: String) {
        state.withLock { emit(Array(text.utf8), "marina", &$0) }
    }

    private func emit(_ bytes: [UInt8], _ stream: String, _ s: inout State) {
        var text = String(decoding: bytes.prefix(maxLineBytes), as: UTF8.self)
        if bytes.count > maxLineBytes { text += " …[cut]" }
        let line = Line(time: Date(), stream: stream, text: text)
        s.lines.append(line)
        if s.lines.count > capacity {
            s.lines.removeFirst(s.lines.count - capacity)
            s.dropped += 1
        }
        for follower in s.followers.values { follower.yield(line) }
    }

    public func lines(last n: Int? = nil) -> [Line] {
        state.withLock { s in n.map { Array(s.lines.suffix($0)) } ?? s.lines }
    }

    /// The last stderr lines, for failure reports.
    public func tail(_ n: Int = 20, stream: String = "stderr") -> [String] {
        state.withLock { s in s.lines.filter { $0.stream == stream }.suffix(n).map(\.text) }
    }

    /// New lines as they arrive, until the stream is cancelled.
    public func follow() -> AsyncStream<Line> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Line>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        state.withLock { $0.followers[id] = continuation }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.followers.removeValue(forKey: id) } }
        return stream
    }
}
