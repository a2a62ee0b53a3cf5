import Foundation
import Logging
import MarinaCore

/// Structured logs: one JSON object per line on standard error, with time, level, label,
/// message and metadata.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String, function: String, line: UInt
    ) {
        var object = JSONObject([
            ("time", .string(Self.formatter.string(from: Date()))),
            ("level", .string(level.rawValue)),
            ("logger", .string(label)),
            ("message", .string(message.description)),
        ])
        for (key, value) in metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 }) where object[key] == nil {
            object[key] = Self.json(value)
        }
        FileHandle.standardError.write(Data((CanonicalJSON.string(.object(object)) + "\n").utf8))
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let a): return .array(a.map(json))
        case .dictionary(let d): return .object(JSONObject(d.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) }))
        }
    }

    nonisolated(unsafe) private static let formatter: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
