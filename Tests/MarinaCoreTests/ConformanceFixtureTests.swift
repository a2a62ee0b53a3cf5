import Foundation
import MarinaCore
import Testing

/// Runs every fixture of `conformance/manifests/` against its expectation. The same files and
/// expectations drive the Python and TypeScript SDKs (the drift gate), so the format is plain
/// JSON: file, valid, format, hash (valid fixtures) or errors as (code, path) pairs.
@Suite struct ConformanceFixtureTests {
    struct Expectations: Decodable {
        struct Problem: Decodable, Hashable { var code: String; var path: String }
        struct Fixture: Decodable {
            var file: String
            var valid: Bool
            var format: String?
            var hash: String?
            var errors: [Problem]?
            /// Conversion notes as (code, path) pairs; none when absent.
            var notes: [Problem]?
        }
        var fixtures: [Fixture]
        var equivalent: [[String]]
    }

    static let directory = "conformance/manifests"

    static func expectations() throws -> Expectations {
        try JSONDecoder().decode(Expectations.self, from: Data(Repo.bytes(directory + "/expectations.json")))
    }

    static func report(_ file: String) throws -> ManifestReport {
        ManifestLoader.load(bytes: try Repo.bytes(directory + "/" + file), fileName: file)
    }

    @Test func thereAreAtLeastSixtyFixturesOverTheThreeFormats() throws {
        let fixtures = try Self.expectations().fixtures
        #expect(fixtures.count >= 60)
        for prefix in ["native/", "linkworld/", "opensail/", "document/"] {
            #expect(fixtures.contains { $0.file.hasPrefix(prefix) && $0.valid } || prefix == "document/", "no valid fixture in \(prefix)")
            #expect(fixtures.contains { $0.file.hasPrefix(prefix) && !$0.valid }, "no invalid fixture in \(prefix)")
        }
    }

    @Test func everyFileIsListedExactlyOnce() throws {
        let listed = try Self.expectations().fixtures.map(\.file)
        #expect(Set(listed).count == listed.count, "a fixture is listed twice")
        let root = Repo.url(Self.directory)
        let onDisk = FileManager.default.enumerator(atPath: root.path)!.compactMap { $0 as? String }
            .filter { !$0.hasSuffix("expectations.json") && !$0.hasSuffix(".md") }
            .filter {
                var d: ObjCBool = false;
                return FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path, isDirectory: &d) && !d.boolValue
            }
        #expect(Set(onDisk) == Set(listed), "unlisted: \(Set(onDisk).subtracting(listed)), missing: \(Set(listed).subtracting(onDisk))")
    }

    @Test(arguments: try ConformanceFixtureTests.expectations().fixtures.map(\.file))
    func fixture(_ file: String) throws {
        let expected = try #require(try Self.expectations().fixtures.first { $0.file == file })
        let report = try Self.report(file)
        #expect(report.format?.rawValue == expected.format, "format")
        #expect(report.isValid == expected.valid, "verdict; problems: \(report.diagnostics.map(\.description))")
        if expected.valid {
            #expect(report.hash == expected.hash, "canonical hash changed: \(report.hash ?? "none")")
        } else {
            let actual = Set(report.diagnostics.map { Expectations.Problem(code: $0.code.rawValue, path: $0.path) })
            let wanted = Set(expected.errors ?? [])
            #expect(
                actual == wanted,
                "unexpected: \(actual.subtracting(wanted).map { "\($0.code) \($0.path)" }), missing: \(wanted.subtracting(actual).map { "\($0.code) \($0.path)" }); messages: \(report.diagnostics.map(\.description))"
            )
        }
        let notes = Set(report.notes.map { Expectations.Problem(code: $0.code.rawValue, path: $0.path) })
        #expect(notes == Set(expected.notes ?? []), "notes: \(report.notes.map(\.description))")
    }

    @Test func equivalentManifestsHashTheSame() throws {
        for group in try Self.expectations().equivalent {
            let hashes = try group.map { try Self.report($0).hash }
            #expect(hashes.allSatisfy { $0 != nil && $0 == hashes[0] }, "\(group) hash to \(hashes)")
        }
    }
}
