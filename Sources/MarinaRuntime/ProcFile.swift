import Foundation

/// Reads files of /proc and /sys, whose reported size is 0 or a page (so size-based readers come
/// back empty or cut).
enum ProcFile {
    static func read(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
