import Foundation
import Logging
import MarinaCore
import MarinaOutbound
import MarinaRuntime
import MarinaStore
import ServiceLifecycle

/// Drains the mail outbox into the operator's SMTP relay. Each due mail is claimed (so that
/// several servers on one database send it once), rendered, handed to the relay and settled:
/// `sent`; `queued` again after a backoff when the failure may pass (a 4xx, an unreachable relay);
/// `failed` with the relay's answer after a 5xx or the last attempt. A claim older than
/// `staleClaim` belongs to a sender that died and is taken over. Every attempt is audited as an
/// `egress` record named `smtp` of the app that queued the mail.
public final class MailDrainer: Service, Sendable {
    public struct Configuration: Sendable {
        /// The envelope sender and `From:` address.
        public var sender: String
        public var maxAttempts: Int
        /// The wait after the first failure; it doubles with each one, up to `maxBackoff`.
        public var backoff: Duration
        public var maxBackoff: Duration
        public var staleClaim: Duration
        /// How often the outbox is looked at.
        public var pollInterval: Duration
        public var batch: Int

        public init(
            sender: String = "marina@localhost", maxAttempts: Int = 8, backoff: Duration = .seconds(5), maxBackoff: Duration = .seconds(3600),
            staleClaim: Duration = .seconds(300), pollInterval: Duration = .seconds(2), batch: Int = 20
        ) {
            (self.sender, self.maxAttempts, self.backoff, self.maxBackoff) = (sender, maxAttempts, backoff, maxBackoff)
            (self.staleClaim, self.pollInterval, self.batch) = (staleClaim, pollInterval, batch)
        }
    }

    let store: Store
    let client: SMTPClient
    let audit: AuditLog
    let env: PlatformEnvironment
    let configuration: Configuration
    let logger: Logger
    let outbox = MailOutboxRepository()

    public init(
        store: Store, client: SMTPClient, audit: AuditLog, env: PlatformEnvironment = .live, configuration: Configuration = .init(),
        logger: Logger = Logger(label: "marina.mail")
    ) {
        (self.store, self.client, self.audit, self.env, self.configuration, self.logger) = (store, client, audit, env, configuration, logger)
    }

    public func run() async throws {
        logger.notice("delivering queued mail", metadata: ["relay": .string("\(client.host):\(client.port)"), "from": .string(configuration.sender)])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // A full batch means more may be waiting: look again at once.
                if try await drainOnce() >= configuration.batch { continue }
            } catch {
                logger.warning("the mail outbox could not be read", metadata: ["error": .string("\(error)")])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.pollInterval) }
        }
    }

    /// Claims the due mails and tries each once; returns how many were tried.
    @discardableResult
    public func drainOnce() async throws -> Int {
        let now = env.millis
        let stale = now - Self.millis(configuration.staleClaim)
        let batch = configuration.batch
        let claimed = try await store.transaction { db in try await self.outbox.claimDue(now: now, staleBefore: stale, limit: batch, in: db) }
        for mail in claimed { await attempt(mail, claimedAt: now) }
        return claimed.count
    }

    private func attempt(_ mail: MailOutboxRepository.Mail, claimedAt: Int64) async {
        let recipients = (try? JSONParser.parse(Array(mail.recipients.utf8)))?.arrayValue?.compactMap(\.stringValue) ?? []
        let started = env.millis
        let attempts = mail.attempts + 1
        var outcome: (state: MailOutboxRepository.State, status: String, error: String?, next: Int64)
        var answer: String?
        if recipients.isEmpty {
            outcome = (.failed, "smtp_failed", "the mail has no recipients", 0)
        } else {
            let message = MailMessage.render(mail, recipients: recipients, from: configuration.sender, date: env.now())
            do throws(SMTPClient.Failure) {
                answer = try await client.send(from: configuration.sender, to: recipients, message: message)
                outcome = (.sent, "ok", nil, 0)
            } catch {
                if error.transient && attempts < configuration.maxAttempts {
                    outcome = (.queued, "smtp_retry", error.message, env.millis + backoff(afterAttempt: attempts))
                } else {
                    outcome = (.failed, "smtp_failed", error.message, 0)
                }
            }
        }
        let finished = env.millis
        let result = outcome
        do {
            let settled = try await store.transaction { db in
                try await self.outbox.settle(
                    id: mail.id, claimedAt: claimedAt, state: result.state, attempts: attempts, nextAttemptAt: result.next,
                    error: result.error, sentAt: result.state == .sent ? finished : nil, in: db)
            }
            if !settled { logger.warning("another sender took this mail over while it was being sent", metadata: ["mail": .string(mail.id)]) }
        } catch {
            // The claim goes stale and the mail is tried again: at worst it is delivered twice.
            logger.error("the outcome of a mail delivery could not be recorded", metadata: ["mail": .string(mail.id), "error": .string("\(error)")])
        }
        var input = JSONObject([
            ("mail_id", .string(mail.id)), ("relay", .string("\(client.host):\(client.port)")),
            ("recipients", .number(Double(recipients.count))), ("attempt", .number(Double(attempts))),
        ])
        if let error = outcome.error { input["error"] = .string(String(error.prefix(300))) }
        if let answer { input["relay_answer"] = .string(String(answer.prefix(300))) }
        do {
            try await audit.record(
                AuditEntry(
                    at: started, actor: "platform:mail", tenant: mail.tenantSlug, app: mail.appSlug, kind: .egress, name: "smtp",
                    status: outcome.status, durationMs: finished - started, input: .object(input)))
        } catch {
            logger.error("a mail delivery could not be audited", metadata: ["mail": .string(mail.id), "error": .string("\(error)")])
        }
        if outcome.state == .failed {
            logger.warning(
                "a mail could not be delivered",
                metadata: [
                    "mail": .string(mail.id), "tenant": .string(mail.tenantSlug), "app": .string(mail.appSlug),
                    "error": .string(outcome.error ?? ""),
                ])
        }
    }

    /// 5 s, 10 s, 20 s, … after the first, second, third failure, at most `maxBackoff`.
    func backoff(afterAttempt attempt: Int) -> Int64 {
        let base = Self.millis(configuration.backoff)
        let doubled = base << Int64(min(max(attempt - 1, 0), 30))
        return min(doubled, Self.millis(configuration.maxBackoff))
    }

    static func millis(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
