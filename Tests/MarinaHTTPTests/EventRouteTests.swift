import Foundation
import HummingbirdTesting
import MarinaCore
import MarinaTestSupport
import Testing

/// The events route: the platform's own lifecycle events cannot be forged, and what a caller
/// sends is audited under the caller.
@Suite struct EventRouteTests {
    @Test(arguments: TestDatabase.available) func platformEventsAreRefusedAndSentEventsAreAuditedUnderTheirSender(_ kind: TestDatabase) async throws {
        let h = try await Harness.make(kind)
        defer { Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            // No `install` event (the harness runs no instance to take it, and the install would wait).
            let manifest = Bundles.manifest(
                app: "crm",
                extra: """
                    scopes: [kv.read, kv.write]
                    events: [uninstall, inbound, user_added]
                    schedules: [{name: nightly, cron: "0 2 * * *"}]
                    """)
            #expect(try await client.publish(try Bundles.pack(manifest: manifest), app: "crm", key: h.adminKey).status == .created)
            try await client.call(.put, "/api/v1/apps/crm/channels/current", key: h.adminKey, json: ["version": "1.0.0"])
            #expect(
                try await client.call(.put, "/api/v1/tenants/acme/installs/crm", key: h.adminKey, json: ["grant": ["kv.read"]]).status == .created)
            let member = try await client.createKey(admin: h.adminKey, role: "tenant_member", tenant: "acme")
            let tenantAdmin = try await client.createKey(admin: h.adminKey, role: "tenant_admin", tenant: "acme")
            let memberId = try await client.call(.get, "/api/v1/whoami", key: member).json["id"]?.stringValue
            let tenantAdminId = try await client.call(.get, "/api/v1/whoami", key: tenantAdmin).json["id"]?.stringValue

            // The platform's own events, with a payload granting what the tenant never granted: refused
            // for every caller, the platform admin too, whether or not the app exists or handles them.
            for key in [member, tenantAdmin, h.adminKey] {
                for (app, type) in [("crm", "uninstall"), ("crm", "install"), ("no-such-app", "install")] {
                    let forged = try await client.call(
                        .post, "/api/v1/tenants/acme/apps/\(app)/events/\(type)", key: key, json: ["granted_scopes": ["kv.write"]])
                    #expect(forged.status == .forbidden && forged.errorCode == "platform_event", "\(type): \(String(buffer: forged.body))")
                }
            }
            // A schedule stands in for the scheduler: tenant admins only.
            #expect(
                try await client.call(.post, "/api/v1/tenants/acme/apps/crm/events/schedule.nightly", key: member, json: [:]).status == .forbidden)
            #expect(
                try await client.call(.post, "/api/v1/tenants/acme/apps/crm/events/schedule.nightly", key: tenantAdmin, json: [:]).status == .accepted
            )
            // A tenant's user event: any identity of the tenant, recorded as the sender.
            #expect(
                try await client.call(.post, "/api/v1/tenants/acme/apps/crm/events/inbound", key: member, json: ["text": "hi"]).status == .accepted)

            let deliveries = try await TrustBoundaryTests.records(client, h.adminKey, "&kind=event_delivery")
            let actors = Dictionary(
                deliveries.compactMap { r in r["name"]?.stringValue.map { ($0, r["actor"]?.stringValue ?? "") } }, uniquingKeysWith: { a, _ in a })
            #expect(actors["inbound"] == memberId && memberId != nil, "\(deliveries)")
            #expect(actors["schedule.nightly"] == tenantAdminId && tenantAdminId != nil, "\(deliveries)")
            #expect(!deliveries.contains { ["install", "uninstall"].contains($0["name"]?.stringValue ?? "") })
        }
    }
}
