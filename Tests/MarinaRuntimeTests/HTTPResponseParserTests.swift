import PropertyBased
import Testing

@testable import MarinaRuntime

/// The instance client's response reader: any split of the bytes gives the same response, every
/// bound holds, and a connection is reused only when HTTP says it may be.
@Suite struct HTTPResponseParserTests {
    typealias Response = HTTPResponseParser.Response

    /// Feeds `pieces` in turn; the response, and whether it completed before the end of input.
    static func parse(_ pieces: [[UInt8]], maxBody: Int = 1 << 20, bodyless: Bool = false, closeAtEnd: Bool = false) throws -> Response? {
        var parser = HTTPResponseParser(maxBody: maxBody, bodyless: bodyless)
        var done: Response?
        for piece in pieces {
            let got = try piece.withUnsafeBytes { try parser.feed($0) }
            if done == nil { done = got }
        }
        if done == nil, closeAtEnd { return try parser.end() }
        return done
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let chunked = bytes(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\ncontent-TYPE:  application/json \r\n\r\n"
            + "4;ext=1\r\n{\"a\"\r\nA\r\n:[1,2,3,4]\r\n1\r\n}\r\n0\r\nX-Trailer: yes\r\n\r\n")
    static let chunkedBody = bytes("{\"a\":[1,2,3,4]}")

    @Test func aResponseSplitAnywhereParsesTheSame() throws {
        let fixed = Self.bytes("HTTP/1.1 201 Created\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world")
        for whole in [fixed, Self.chunked] {
            let expected = try #require(try Self.parse([whole]))
            for cut in 1..<whole.count {
                #expect(try Self.parse([Array(whole[..<cut]), Array(whole[cut...])]) == expected, "cut at \(cut)")
            }
        }
        #expect(try Self.parse([Self.chunked]) == Response(status: 200, contentType: "application/json", body: Self.chunkedBody, keepAlive: true))
    }

    @Test func aChunkedResponseFedInRandomPiecesParsesTheSame() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...9).array(of: 1...200)) { sizes in
            var pieces: [[UInt8]] = []
            var at = 0
            for n in sizes.cycled() {
                guard at < Self.chunked.count else { break }
                pieces.append(Array(Self.chunked[at..<min(at + n, Self.chunked.count)]))
                at += n
            }
            let response = try? Self.parse(pieces)
            #expect(response?.body == Self.chunkedBody && response?.status == 200, "pieces of \(sizes)")
        }
    }

    @Test func theConnectionIsKeptOnlyWhenHTTPAllowsIt() throws {
        let cases: [(String, Bool)] = [
            ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true),
            ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false),
            ("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false),
            ("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", true),
            ("HTTP/1.1 204 No Content\r\n\r\n", true),
            ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", false),  // more than declared
        ]
        for (text, keep) in cases {
            let response = try #require(try Self.parse([Self.bytes(text)]), "\(text)")
            #expect(response.keepAlive == keep, "\(text)")
        }
    }

    @Test func aBodyWithoutLengthRunsToTheClose() throws {
        let head = Self.bytes("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"ok\":")
        var parser = HTTPResponseParser(maxBody: 100)
        #expect(try head.withUnsafeBytes { try parser.feed($0) } == nil)
        #expect(try Self.bytes("true}").withUnsafeBytes { try parser.feed($0) } == nil)
        #expect(try parser.end() == Response(status: 200, contentType: "application/json", body: Self.bytes("{\"ok\":true}"), keepAlive: false))
        // A delimited body cut short by the close is not an answer.
        #expect(throws: HTTPResponseParser.Failure.truncated) {
            try Self.parse([Self.bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")], closeAtEnd: true)
        }
    }

    @Test func aHeadRequestsAnswerHasNoBodyWhateverItsLength() throws {
        let response = try Self.parse([Self.bytes("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n")], bodyless: true)
        #expect(response == Response(status: 200, contentType: nil, body: [], keepAlive: true))
    }

    @Test func everyBodyIsBounded() {
        let answers = [
            "HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n",  // refused by its head alone
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + String(repeating: "x", count: 64) + "\r\n40\r\n",
            "HTTP/1.1 200 OK\r\n\r\n" + String(repeating: "y", count: 101),
        ]
        for text in answers {
            #expect(throws: HTTPResponseParser.Failure.tooLarge, "\(text.prefix(60))") { try Self.parse([Self.bytes(text)], maxBody: 100) }
        }
    }

    @Test func garbageIsMalformedNotAnAnswer() {
        let answers = [
            "not http at all\r\n\r\n",
            "HTTP/2 200\r\n\r\n",
            "HTTP/1.1 2x0 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX",
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: " + String(repeating: "h", count: 70_000),
        ]
        for text in answers {
            guard case .malformed = Self.failure(text) else {
                Issue.record("\(text.prefix(60)): \(String(describing: Self.failure(text))), not malformed")
                continue
            }
        }
    }

    /// The head bound holds whether its end arrives in the same read or later, and a head sent a
    /// byte at a time is still read (the search resumes where it stopped).
    @Test func theHeadIsBoundedHoweverItArrives() throws {
        let big = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "h", count: 70_000) + "\r\nContent-Length: 0\r\n\r\n"
        guard case .malformed = Self.failure(big) else { Issue.record("a 70 KB head in one read was accepted"); return }
        let head = Self.bytes("HTTP/1.1 200 OK\r\nX: " + String(repeating: "h", count: 60_000) + "\r\nContent-Length: 2\r\n\r\nok")
        let response = try Self.parse(head.map { [$0] })
        #expect(response?.body == Self.bytes("ok") && response?.keepAlive == true)
    }

    /// Transfer-Encoding overrides Content-Length wherever each stands, and a message with both
    /// does not keep its connection.
    @Test func transferEncodingWinsOverContentLength() throws {
        let chunkedAndLength = try #require(
            try Self.parse([Self.bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")]))
        #expect(chunkedAndLength.body == Self.bytes("ok") && !chunkedAndLength.keepAlive)
        let gzipThenLength = try Self.parse(
            [Self.bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nabcdef")], closeAtEnd: true)
        #expect(gzipThenLength?.body == Self.bytes("abcdef") && gzipThenLength?.keepAlive == false)
    }

    static func failure(_ text: String) -> HTTPResponseParser.Failure? {
        do { _ = try parse([bytes(text)]); return nil } catch { return error as? HTTPResponseParser.Failure }
    }
}

extension Array {
    /// The elements over and over (an empty array yields nothing).
    func cycled() -> some Sequence<Element> {
        sequence(state: 0) { i -> Element? in
            guard !isEmpty else { return nil }
            defer { i += 1 }
            return self[i % count]
        }
    }
}
