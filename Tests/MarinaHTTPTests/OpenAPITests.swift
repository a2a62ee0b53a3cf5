import Foundation
import Hummingbird
import MarinaCore
import MarinaHTTP
import MarinaTestSupport
import Testing

/// `openapi.yaml` describes exactly the routes the router has.
@Suite struct OpenAPITests {
    @Test func theDocumentNamesEveryRouteAndNoOther() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bytes = Array(try Data(contentsOf: root.appendingPathComponent("openapi.yaml")))
        let document = try ManifestLoader.parseDocument(
            bytes, fileName: "openapi.yaml", limits: DocumentLimits(maxBytes: 4 << 20, maxDepth: 64, maxNodes: 1_000_000))
        #expect(document["openapi"]?.stringValue?.hasPrefix("3.") == true)
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        var documented = Set<String>()
        for (path, item) in document["paths"]?.objectValue?.pairs ?? [] {
            for (method, _) in item.objectValue?.pairs ?? [] where methods.contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let h = try await Harness.make(.sqlite)
        defer { Task { await h.drop() } }
        let router = APIRouter.build(h.services)
        let actual = Set(
            router.routes.map { route -> String in
                let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(
                    separator: "/")
                return "\(route.method.rawValue) /\(path)"
            })
        #expect(
            documented == actual, "undocumented: \(actual.subtracting(documented).sorted()), not routes: \(documented.subtracting(actual).sorted())")
    }
}
