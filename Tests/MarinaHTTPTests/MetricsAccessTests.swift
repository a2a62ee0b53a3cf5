import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MarinaHTTP
import MarinaTestSupport
import Prometheus
import Testing

/// Every sandbox reaches the API, so `/metrics` there needs the platform admin's key; the
/// metrics-only router (`serve --metrics-listen`) serves them without one.
@Suite struct MetricsAccessTests {
    @Test func metricsNeedTheAdminsKey() async throws {
        let h = try await Harness.make(.sqlite)
        defer { Task { await h.drop() } }
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "marina_test_total")).increment()
        let app = Application(router: APIRouter.build(h.services, metrics: registry))
        try await app.test(.router) { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            let developer = try await client.createKey(admin: h.adminKey, role: "developer")
            let member = try await client.createKey(admin: h.adminKey, role: "tenant_member", tenant: "acme")
            let anonymous = try await client.execute(uri: "/metrics", method: .get)
            #expect(anonymous.status == .unauthorized && anonymous.errorCode == "unauthorized")
            #expect(!String(buffer: anonymous.body).contains("marina_test_total"))
            for key in [developer, member, "mk_bogus"] {
                let refused = try await client.execute(uri: "/metrics", method: .get, headers: auth(key))
                #expect(refused.status == .forbidden || refused.status == .unauthorized)
                #expect(!String(buffer: refused.body).contains("marina_test_total"))
            }
            let ok = try await client.execute(uri: "/metrics", method: .get, headers: auth(h.adminKey))
            #expect(ok.status == .ok && String(buffer: ok.body).contains("marina_test_total 1"))
        }
        try await Application(router: APIRouter.metricsOnly(registry)).test(.router) { client in
            let open = try await client.execute(uri: "/metrics", method: .get)
            let other = try await client.execute(uri: "/api/v1/whoami", method: .get)
            #expect(String(buffer: open.body).contains("marina_test_total 1"))
            #expect(other.status == .notFound)
        }
    }
}
