import Foundation
import MarinaCore
import Testing

/// The platform's error codes are one list, and docs/errors.md documents exactly that list.
@Suite struct ErrorCodeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyCodeIsDocumentedAndNothingElse() throws {
        let page = try String(contentsOf: Self.root.appendingPathComponent("docs/errors.md"), encoding: .utf8)
        let documented = page.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 3)..<end])
        }
        let codes = ErrorCode.all.map(\.rawValue)
        #expect(Set(codes).count == codes.count, "a code is listed twice")
        #expect(
            documented.sorted() == codes.sorted(),
            "documented but not a code: \(Set(documented).subtracting(codes)); a code not documented: \(Set(codes).subtracting(documented))")
        #expect(codes.allSatisfy { $0.wholeMatch(of: /[a-z]+(_[a-z]+)*/) != nil })
    }
}
