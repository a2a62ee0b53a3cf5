import MarinaRuntime
import Testing

/// The one spelling of a host the egress rules accept, and the allow-list's label matching.
@Suite struct EgressTargetTests {
    func reason(_ body: () throws -> EgressTarget) -> String {
        do { _ = try body(); return "accepted" } catch { return (error as? EgressTarget.Invalid)?.reason ?? "\(error)" }
    }

    @Test func hostsInAnyOtherSpellingAreRefusedBeforeAnyRuleSeesThem() {
        // The bypass: a NUL (raw or percent-encoded) cut the name for the resolver after the rule matched.
        #expect(reason { try .authority("evil.net\u{0}.example.com:443") } == "bad_request")
        #expect(reason { try .httpURL("http://evil.net%00.example.com/") } == "bad_request")
        #expect(reason { try .httpURL("http://evil.net%2eexample.com/") } == "bad_request")
        // Other control characters, spaces, backslashes, Unicode (IDNs must come as xn--).
        for host in [
            "evil\t.example.com", "evil .example.com", "evil\\.example.com", "ex\u{0430}mple.com", "bücher.example.com", "a\u{200B}.example.com",
        ] {
            #expect(reason { try .authority("\(host):443") } == "bad_request", "\(host)")
        }
        #expect((try? EgressTarget.authority("xn--bcher-kva.example.com:443"))?.host == "xn--bcher-kva.example.com")
        // Userinfo: whatever follows the @ is the host a URL parser would pick.
        #expect(reason { try .httpURL("http://api.example.com@evil.net/") } == "userinfo")
        #expect(reason { try .httpURL("http://evil.net:80@api.example.com/") } == "userinfo")
        // IP literals in every spelling.
        for literal in [
            "[::1]:80", "[::ffff:127.0.0.1]:80", "[0:0:0:0:0:ffff:7f00:1]:80", "127.0.0.1:80", "2130706433:80", "0x7f.1:80", "0x7F000001:80",
            "017700000001:80", "127.1:80",
        ] {
            #expect(reason { try .authority(literal) } == "ip_literal", "\(literal)")
        }
        // Malformed names and ports.
        for authority in [
            "-evil.example.com:80", "evil-.example.com:80", "a..example.com:80", ".example.com:80", "example.com:0", "example.com:65536",
            "example.com:", "example.com:+80", "example.com", String(repeating: "a", count: 64) + ".example.com:80",
        ] {
            #expect(reason { try .authority(authority) } == "bad_request", "\(authority)")
        }
        #expect(reason { try .httpURL("https://api.example.com/") } == "bad_request")
        #expect(reason { try .httpURL("http://api.example.com/a b") } == "bad_request")
        #expect(reason { try .httpURL("http://api.example.com/#frag") } == "bad_request")
    }

    @Test func theAcceptedSpellingIsLowerCaseWithoutTheTrailingDot() throws {
        let t = try EgressTarget.httpURL("HTTP://API.Example.COM.:8080/x/y?q=%20z")
        #expect(t == EgressTarget(host: "api.example.com", port: 8080, path: "/x/y?q=%20z"))
        #expect(try EgressTarget.httpURL("http://api.example.com").path == "/")
        #expect(try EgressTarget.httpURL("http://api.example.com?x=1").path == "/?x=1")
        #expect(try EgressTarget.httpURL("http://api.example.com").port == 80)
    }

    @Test func allowListEntriesMatchWholeLabels() {
        let allowed = ["api.example.com", "*.cdn.example.com", "WWW.Example.org."]
        #expect(EgressTarget.allows(allowed, "api.example.com"))
        #expect(EgressTarget.allows(allowed, "a.cdn.example.com") && EgressTarget.allows(allowed, "a.b.cdn.example.com"))
        #expect(EgressTarget.allows(allowed, "www.example.org"))
        #expect(!EgressTarget.allows(allowed, "cdn.example.com"))
        #expect(!EgressTarget.allows(allowed, "evilcdn.example.com"))
        #expect(!EgressTarget.allows(allowed, "a.cdn.example.com.evil.net"))
        #expect(!EgressTarget.allows(allowed, "xapi.example.com"))
        #expect(!EgressTarget.allows(["*."], "example.com"))
    }

    @Test func printableShowsControlCharactersEscaped() {
        #expect(EgressTarget.printable("a\u{0}b\u{1B}c\u{E9}") == "a\\x00b\\x1bc\\xe9")
        #expect(EgressTarget.printable(String(repeating: "x", count: 100), limit: 10).hasSuffix("…"))
    }
}
