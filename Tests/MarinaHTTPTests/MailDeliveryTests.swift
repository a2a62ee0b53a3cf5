import Foundation
import HummingbirdTesting
import MarinaCore
import MarinaOutbound
import MarinaPlatform
import MarinaRuntime
import MarinaTestSupport
import SQLKit
import Synchronization
import Testing

@testable import MarinaStore

/// The outbox drained into a real (loopback) SMTP relay: what arrives, retries, failures,
/// claims shared by several drainers, and the audit trail.
@Suite struct MailDeliveryTests {
    final class TestClock: Sendable {
        private let date = Mutex(Date())
        var now: @Sendable () -> Date { { self.date.withLock { $0 } } }
        func advance(_ seconds: TimeInterval) { date.withLock { $0 += seconds } }
    }

    struct Setup {
        let h: Harness
        let relay: LoopbackSMTPServer
        let clock = TestClock()
        let token: String

        func drainer(_ configuration: MailDrainer.Configuration = .init(sender: "marina@test.example")) -> MailDrainer {
            MailDrainer(
                store: h.services.store, client: SMTPClient(host: "127.0.0.1", port: relay.port, timeout: .seconds(5)), audit: h.audit,
                env: PlatformEnvironment(now: clock.now), configuration: configuration)
        }

        func status(_ id: String) async throws -> MailOutboxRepository.Status {
            try #require(try await h.services.store.read { db in try await MailOutboxRepository().status(id: id, in: db) })
        }
    }

    /// A tenant `acme` with the app `mailer` (granted mail.send), a relay, and the app's token.
    static func withMailer(_ kind: TestDatabase, _ body: @escaping @Sendable (Setup, any TestClientProtocol) async throws -> Void) async throws {
        let h = try await Harness.make(kind)
        let relay = LoopbackSMTPServer()
        defer { relay.stop(); Task { await h.drop() } }
        try await h.test { client in
            try await client.call(.post, "/api/v1/tenants", key: h.adminKey, json: ["slug": "acme"])
            try await TrustBoundaryTests.installed(
                client, admin: h.adminKey, tenant: "acme", app: "mailer", scopes: ["mail.send"], grant: ["mail.send"])
            let token = try await TrustBoundaryTests.appToken(h, tenant: "acme", app: "mailer")
            try await body(Setup(h: h, relay: relay, token: token), client)
        }
    }

    static func queue(
        _ client: any TestClientProtocol, _ token: String, to: [String] = ["ap@acme.example"], subject: String = "Invoice 42",
        text: String = "Triaged."
    ) async throws -> String {
        let args: JSONValue = ["to": .array(to.map(JSONValue.string)), "subject": .string(subject), "text": .string(text)]
        let answer = try await TrustBoundaryTests.tool(client, token, "mail_send", args).json
        return try #require(answer["result"]?["id"]?.stringValue, "\(answer)")
    }

    /// Header name → value (folded lines joined) and the decoded body of a message the relay got.
    static func parse(_ data: String) -> (headers: [String: String], body: String) {
        let parts = data.components(separatedBy: "\r\n\r\n")
        var headers: [String: String] = [:]
        var last = ""
        for line in parts[0].components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") { headers[last, default: ""] += line; continue }
            let name = String(line.prefix { $0 != ":" })
            headers[name] = String(line.dropFirst(name.count + 2))
            last = name
        }
        let base64 = parts.dropFirst().joined().replacingOccurrences(of: "\r\n", with: "")
        return (headers, String(decoding: Data(base64Encoded: base64) ?? Data(), as: UTF8.self))
    }

    @Test(arguments: TestDatabase.available) func aQueuedMailArrivesAsTheAppWroteItAndNamesItsSender(_ kind: TestDatabase) async throws {
        try await Self.withMailer(kind) { s, client in
            let text = ".a line that starts with a dot\nGrüße ✓\n"
            let id = try await Self.queue(
                client, s.token, to: ["ap@acme.example", "cfo@acme.example"], subject: "Rechnung 42 — Grüße ✓ aus der Buchhaltung, bitte prüfen",
                text: text)
            #expect(try await s.drainer().drainOnce() == 1)
            try #require(s.relay.messages.count == 1)
            let message = s.relay.messages[0]
            #expect(message.mailFrom == "marina@test.example" && message.rcptTo == ["ap@acme.example", "cfo@acme.example"])
            let (headers, body) = Self.parse(message.data)
            #expect(body == text)
            #expect(headers["From"] == "<marina@test.example>")
            #expect(headers["To"] == "<ap@acme.example>, <cfo@acme.example>")
            #expect(headers["Message-ID"] == "<\(id)@marina>")
            #expect(headers["X-Marina-Tenant"] == "acme" && headers["X-Marina-App"] == "mailer")
            let words = (headers["Subject"] ?? "").split(separator: " ").map(String.init)
            #expect(words.count > 1 && words.allSatisfy { $0.hasPrefix("=?utf-8?B?") && $0.hasSuffix("?=") && $0.count <= 75 })
            let subject = words.map { String(decoding: Data(base64Encoded: String($0.dropFirst(10).dropLast(2))) ?? Data(), as: UTF8.self) }.joined()
            #expect(subject == "Rechnung 42 — Grüße ✓ aus der Buchhaltung, bitte prüfen")
            let status = try await s.status(id)
            #expect(status.state == "sent" && status.attempts == 1 && status.sentAt != nil && status.lastError == nil)
            // Sent is sent: nothing is due any more.
            #expect(try await s.drainer().drainOnce() == 0)
            #expect(s.relay.messages.count == 1)
            let audited = try await TrustBoundaryTests.records(client, s.h.adminKey, "&kind=egress")
            #expect(audited.map { [$0["name"], $0["status"], $0["tenant"], $0["app"]] } == [["smtp", "ok", "acme", "mailer"]])
            #expect(audited.first?["summary"]?.stringValue?.contains(id) == true)
        }
    }

    @Test(arguments: TestDatabase.available) func aDeferralIsRetriedAfterABackoffAndARefusalFailsTheMail(_ kind: TestDatabase) async throws {
        try await Self.withMailer(kind) { s, client in
            let drainer = s.drainer()
            s.relay.answer(.deferAll)
            let deferred = try await Self.queue(client, s.token)
            let before = s.clock.now()
            #expect(try await drainer.drainOnce() == 1)
            var status = try await s.status(deferred)
            #expect(status.state == "queued" && status.attempts == 1 && status.lastError?.contains("451") == true)
            #expect(status.nextAttemptAt == Int64((before.timeIntervalSince1970 * 1000).rounded()) + 5000)
            // Not due yet: nothing is sent, even though the relay would take it now.
            s.relay.answer(.accept)
            #expect(try await drainer.drainOnce() == 0)
            s.clock.advance(5)
            #expect(try await drainer.drainOnce() == 1)
            status = try await s.status(deferred)
            #expect(status.state == "sent" && status.attempts == 2 && status.lastError == nil)
            #expect(s.relay.messages.count == 1)

            s.relay.answer(.rejectRecipients)
            let refused = try await Self.queue(client, s.token, to: ["nobody@acme.example"])
            #expect(try await drainer.drainOnce() == 1)
            status = try await s.status(refused)
            #expect(status.state == "failed" && status.attempts == 1 && status.lastError?.contains("550") == true)
            s.clock.advance(7200)
            #expect(try await drainer.drainOnce() == 0)

            let statuses = try await TrustBoundaryTests.records(client, s.h.adminKey, "&kind=egress&name=smtp").compactMap {
                $0["status"]?.stringValue
            }
            #expect(statuses == ["smtp_failed", "ok", "smtp_retry"])
        }
    }

    @Test(arguments: TestDatabase.available) func deferralsBackOffAndEndAfterTheLastAttempt(_ kind: TestDatabase) async throws {
        try await Self.withMailer(kind) { s, client in
            let drainer = s.drainer(MailDrainer.Configuration(maxAttempts: 4, backoff: .seconds(1), maxBackoff: .seconds(3)))
            s.relay.answer(.deferAll)
            let id = try await Self.queue(client, s.token)
            var waits: [Int64] = []
            for _ in 1...4 {
                let now = Int64((s.clock.now().timeIntervalSince1970 * 1000).rounded())
                #expect(try await drainer.drainOnce() == 1)
                let status = try await s.status(id)
                if status.state == "queued" { waits.append(status.nextAttemptAt - now) }
                s.clock.advance(3600)
            }
            #expect(waits == [1000, 2000, 3000])
            let status = try await s.status(id)
            #expect(status.state == "failed" && status.attempts == 4 && status.lastError?.contains("451") == true)
            #expect(try await drainer.drainOnce() == 0)
        }
    }

    @Test(arguments: TestDatabase.available) func drainersShareTheOutboxAndTakeOverAbandonedClaims(_ kind: TestDatabase) async throws {
        try await Self.withMailer(kind) { s, client in
            var ids: [String] = []
            for n in 1...12 { ids.append(try await Self.queue(client, s.token, subject: "mail \(n)")) }
            let (a, b) = (s.drainer(MailDrainer.Configuration(batch: 5)), s.drainer(MailDrainer.Configuration(batch: 5)))
            var tried = 0
            while true {
                async let first = a.drainOnce()
                async let second = b.drainOnce()
                let round = try await first + second
                if round == 0 { break }
                tried += round
            }
            #expect(tried == 12)
            let delivered = s.relay.messages.compactMap { Self.parse($0.data).headers["Message-ID"] }
            #expect(delivered.sorted() == ids.map { "<\($0)@marina>" }.sorted())

            // A sender that died mid-delivery leaves its claim; once it is old it is taken over.
            let abandoned = try await Self.queue(client, s.token, subject: "abandoned")
            let now = Int64((s.clock.now().timeIntervalSince1970 * 1000).rounded())
            try await s.h.services.store.transaction { db in
                try await db.update("mail_outbox").set("state", to: "sending").set("claimed_at", to: now - 60_000).where("id", .equal, abandoned)
                    .run()
            }
            #expect(try await a.drainOnce() == 0)
            s.clock.advance(300)
            #expect(try await a.drainOnce() == 1)
            #expect(try await s.status(abandoned).state == "sent")
            #expect(s.relay.messages.count == 13)
        }
    }
}
