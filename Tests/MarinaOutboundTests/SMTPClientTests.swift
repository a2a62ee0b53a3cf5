import Foundation
import MarinaOutbound
import MarinaTestSupport
import Testing

@Suite struct SMTPClientTests {
    @Test func aMessageReachesTheRelayWithItsEnvelopeAndDotsIntact() async throws {
        let relay = LoopbackSMTPServer()
        defer { relay.stop() }
        let client = try #require(SMTPClient(relay: "127.0.0.1:\(relay.port)"))
        let text = "Subject: hi\r\n\r\n.leading dot\r\n..two\r\nlast line without CRLF"
        let answer = try await client.send(from: "marina@localhost", to: ["a@example.com", "b@example.com"], message: Array(text.utf8))
        #expect(answer.hasPrefix("250"))
        #expect(relay.messages == [.init(mailFrom: "marina@localhost", rcptTo: ["a@example.com", "b@example.com"], data: text + "\r\n")])
    }

    @Test func aDeferralIsTransientAndARefusalIsNot() async throws {
        let relay = LoopbackSMTPServer()
        defer { relay.stop() }
        let client = try #require(SMTPClient(relay: "127.0.0.1:\(relay.port)"))
        relay.answer(.deferAll)
        await #expect(throws: SMTPClient.Failure.self) { try await client.send(from: "m@x", to: ["a@example.com"], message: Array("x".utf8)) }
        do { _ = try await client.send(from: "m@x", to: ["a@example.com"], message: Array("x".utf8)) } catch {
            #expect(error.transient && error.message.contains("451"))
        }
        relay.answer(.rejectRecipients)
        do {
            _ = try await client.send(from: "m@x", to: ["a@example.com"], message: Array("x".utf8)); Issue.record("a refused recipient was accepted")
        } catch {
            #expect(!error.transient && error.message.contains("550") && error.message.contains("RCPT TO:<a@example.com>"))
        }
        relay.answer(.hangUp)
        do {
            _ = try await client.send(from: "m@x", to: ["a@example.com"], message: Array("x".utf8)); Issue.record("a silent relay was accepted")
        } catch {
            #expect(error.transient && error.message.contains("closed the connection"))
        }
        #expect(relay.messages.isEmpty)
    }

    @Test func anUnreachableRelayIsTransient() async throws {
        let relay = LoopbackSMTPServer()
        let port = relay.port
        relay.stop()
        let client = try #require(SMTPClient(relay: "127.0.0.1:\(port)", timeout: .seconds(2)))
        do { _ = try await client.send(from: "m@x", to: ["a@example.com"], message: [120]); Issue.record("no relay, yet sent") } catch {
            #expect(error.transient && error.message.contains("cannot connect"))
        }
    }

    @Test func relayAddressesAreParsed() {
        #expect(SMTPClient(relay: "mail.internal:25").map { [$0.host, "\($0.port)"] } == ["mail.internal", "25"])
        #expect(SMTPClient(relay: "[::1]:2525").map { [$0.host, "\($0.port)"] } == ["::1", "2525"])
        for bad in ["mail.internal", ":25", "mail:0", "mail:70000", "mail:x", "a b:25"] { #expect(SMTPClient(relay: bad) == nil, "\(bad)") }
    }

    @Test func dotStuffingEndsTheDataOnce() {
        #expect(String(decoding: SMTPClient.dotStuffed(Array(".\r\na\r\n".utf8)), as: UTF8.self) == "..\r\na\r\n.\r\n")
        #expect(String(decoding: SMTPClient.dotStuffed(Array("a".utf8)), as: UTF8.self) == "a\r\n.\r\n")
    }
}
