import Foundation
import MarinaCore
import Testing

/// Files generated from the Swift model are committed so that people and other languages can
/// read them; these tests fail when they fall out of step (regenerate with the named command).
@Suite struct GeneratedArtifactsTests {
    @Test func theJSONSchemaMatchesTheModel() throws {
        let committed = String(decoding: try Repo.bytes("schemas/marina-app-v1.schema.json"), as: UTF8.self)
        #expect(committed == ManifestJSONSchema.text() + "\n", "regenerate: marina manifest schema > schemas/marina-app-v1.schema.json")
    }

    @Test func theScopeCatalogFileMatchesTheDefaultCatalog() throws {
        let committed = try ManifestLoader.parseDocument(try Repo.bytes("schemas/scope-catalog.json"), fileName: "scope-catalog.json")
        let expected = JSONValue.array(
            ScopeCatalog.default.scopes.map {
                ["name": .string($0.name), "description": .string($0.description), "tools": .array($0.tools.map(JSONValue.string))]
            })
        #expect(committed == expected, "regenerate: marina scopes --json > schemas/scope-catalog.json")
    }

    @Test func theFieldReferenceInTheDocsMatchesTheModel() throws {
        let doc = String(decoding: try Repo.bytes("docs/manifest.md"), as: UTF8.self)
        let begin = try #require(doc.range(of: ManifestReference.beginMarker))
        let end = try #require(doc.range(of: ManifestReference.endMarker))
        let block = doc[begin.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            block == ManifestReference.markdown().trimmingCharacters(in: .whitespacesAndNewlines),
            "regenerate the block with: marina manifest reference")
    }

    @Test func everyValidNativeFixtureUsesOnlyFieldsTheSchemaNames() throws {
        let schema = ManifestJSONSchema.document()
        let defs = try #require(schema["$defs"]?.objectValue)
        #expect(defs.keys.contains("App") && defs.keys.contains("Tool") && defs.keys.contains("Container"))
        #expect(schema["additionalProperties"] == false)
        #expect(schema["required"] == ["apiVersion", "app"])
    }
}
