import MarinaCore
import Testing

@Suite struct ScopeCatalogTests {
    @Test func theDefaultCatalogHasTheRequiredScopesEachDescribedAndGatingTools() {
        let required = [
            "kv.read", "kv.write", "files.read", "files.write", "mail.read", "mail.send", "calendar.read", "calendar.write", "http.fetch",
            "apps.invoke", "ai.complete",
        ]
        for name in required {
            let scope = ScopeCatalog.default[name]
            #expect(scope != nil, "\(name) missing")
            #expect(scope?.description.isEmpty == false)
            #expect(scope?.tools.isEmpty == false)
        }
    }

    @Test func eachPlatformToolBelongsToExactlyOneScope() {
        let tools = ScopeCatalog.default.scopes.flatMap(\.tools)
        #expect(Set(tools).count == tools.count)
        #expect(ScopeCatalog.default.scope(forTool: "kv_set")?.name == "kv.write")
        #expect(ScopeCatalog.default.scope(forTool: "http_fetch")?.name == "http.fetch")
    }

    @Test func anOperatorFileExtendsTheCatalog() throws {
        let file = """
            scopes:
              - name: crm.read
                description: Read the tenant's CRM contacts
                tools: [crm_lookup, crm_search]
            """
        let catalog = try ScopeCatalogFile.extend(.default, with: Array(file.utf8), fileName: "scopes.yaml").get()
        #expect(catalog["crm.read"]?.tools == ["crm_lookup", "crm_search"])
        #expect(catalog.scope(forTool: "crm_search")?.name == "crm.read")
        #expect(catalog.contains("kv.read"))
    }

    @Test func anOperatorFileCannotRedefineScopesOrStealTools() {
        let file = """
            scopes:
              - {name: kv.read, description: again}
              - {name: crm.write, description: Write CRM, tools: [kv_set]}
              - {name: Bad Name, description: x}
              - {name: crm.read, descripton: typo}
            """
        guard case .failure(let error) = ScopeCatalogFile.extend(.default, with: Array(file.utf8)) else {
            Issue.record("accepted a bad catalog")
            return
        }
        #expect(
            Set(error.problems.map { "\($0.code.rawValue) \($0.path)" }) == [
                "duplicate_name /scopes/0/name", "duplicate_name /scopes/1/tools/0", "invalid_value /scopes/2/name",
                "unknown_field /scopes/3/descripton", "missing_field /scopes/3/description",
            ])
    }
}
