import Foundation
import MarinaCore
import MarinaStore
import Synchronization

/// Versions never change, so what is derived from one — the decoded manifest and the compiled
/// schema validators of its tools — is computed once per process and kept.
final class VersionCache: Sendable {
    struct Entry: Sendable {
        var manifest: Manifest
        var inputs: [String: JSONSchemaValidator]
        var outputs: [String: JSONSchemaValidator]
    }

    private let entries = Mutex<[String: Entry]>([:])
    let capacity: Int

    init(capacity: Int = 1000) { self.capacity = capacity }

    func entry(_ version: VersionRecord) throws -> Entry {
        if let hit = entries.withLock({ $0[version.id] }) { return hit }
        let manifest = try InstallService.manifest(version)
        var inputs: [String: JSONSchemaValidator] = [:], outputs: [String: JSONSchemaValidator] = [:]
        for tool in manifest.tools {
            inputs[tool.name] = try? JSONSchemaValidator(schema: tool.inputSchema)
            if let schema = tool.outputSchema {
                // A declared output schema that cannot be compiled refuses every result (see Dispatcher).
                outputs[tool.name] = (try? JSONSchemaValidator(schema: schema)) ?? (try? JSONSchemaValidator(schema: false))
            }
        }
        let entry = Entry(manifest: manifest, inputs: inputs, outputs: outputs)
        entries.withLock { cache in
            if cache.count >= capacity { cache.removeAll() }
            cache[version.id] = entry
        }
        return entry
    }
}
