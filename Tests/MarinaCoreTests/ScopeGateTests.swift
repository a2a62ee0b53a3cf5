import MarinaCore
import Testing

@Suite struct ScopeGateTests {
    @Test func aScopeMustBeBothDeclaredAndGranted() {
        #expect(ScopeGate.check(needed: "kv.read", declared: ["kv.read", "kv.write"], granted: ["kv.read"]) == .allowed)
        #expect(ScopeGate.check(needed: "kv.write", declared: ["kv.read", "kv.write"], granted: ["kv.read"]) == .notGranted)
        // A grant the version no longer declares (an upgrade dropped it) is worth nothing.
        #expect(ScopeGate.check(needed: "mail.send", declared: ["kv.read"], granted: ["kv.read", "mail.send"]) == .notDeclared)
        #expect(ScopeGate.check(needed: "kv.read", declared: [String](), granted: []) == .notDeclared)
    }
}
