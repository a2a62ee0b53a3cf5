import Handlers
import MarinaKit

// MarinaKit serves the HTTP contract (health, manifest, invocation tokens, error shapes,
// idempotent events) on MARINA_SOCKET or $PORT.
let app = try MarinaApp(manifest: "marina.app.yaml")
try register(app)
try await app.run()
