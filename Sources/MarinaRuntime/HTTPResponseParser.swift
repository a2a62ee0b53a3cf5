/// Reads one HTTP/1.x response from the bytes of a connection, as they arrive in any split: the
/// status, `Content-Type` and the body (by `Content-Length`, chunked, or up to the close), and
/// whether the connection can carry another request. Interim (1xx) responses are skipped.
/// Everything is bounded: the head (64 KiB), chunk-size lines and trailers, and the body
/// (`maxBody`, `tooLarge` beyond it).
struct HTTPResponseParser {
    struct Response: Equatable {
        var status: Int
        var contentType: String?
        var body: [UInt8]
        /// The connection may carry another request: HTTP/1.1 without `Connection: close` (or 1.0
        /// with `keep-alive`), a delimited body and no bytes after it.
        var keepAlive: Bool
    }

    enum Failure: Error, Equatable {
        case malformed(String)
        case tooLarge
        /// The connection ended before the response did.
        case truncated
    }

    static let maxHead = 64 * 1024
    static let maxLine = 1024

    let maxBody: Int
    /// The request was HEAD: whatever the head says, no body follows.
    let bodyless: Bool

    private enum State {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers(seen: Int)
        case untilClose
        case done
    }

    private var state = State.head
    private var pending: [UInt8] = []
    private var status = 0
    private var contentType: String?
    private var keepAlive = true
    private var body: [UInt8] = []
    /// Bytes of a response have arrived (a closed connection with none is not a broken response).
    private(set) var started = false
    /// Where the search for the awaited CRLF or CRLFCRLF resumes, as an index into `pending`:
    /// what lies before it was searched already. Without it a head sent a byte at a time would be
    /// searched from its start at every byte (quadratic, on an event loop).
    private var resumeSearch = 0

    init(maxBody: Int, bodyless: Bool = false) {
        (self.maxBody, self.bodyless) = (maxBody, bodyless)
    }

    /// Takes the next bytes; the response once it is complete.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> Response? {
        guard !bytes.isEmpty else { return nil }
        started = true
        if case .done = state {
            keepAlive = false  // more than the response: the connection cannot be trusted again
            return nil
        }
        pending.append(contentsOf: bytes)
        var at = 0
        defer {
            if at > 0 {
                pending.removeFirst(at)
                resumeSearch = max(0, resumeSearch - at)
            }
        }
        while true {
            switch state {
            case .head:
                guard let end = findTerminator(Self.headEnd, from: at), end - at <= Self.maxHead else {
                    if pending.count - at > Self.maxHead { throw .malformed("the response head is larger than \(Self.maxHead) bytes") }
                    return nil
                }
                try parseHead(pending[at..<end])
                at = end + 4
            case .fixed(let remaining):
                let left = moveToBody(remaining, from: &at)
                if left == 0 { state = .done } else { state = .fixed(remaining: left); return nil }
            case .chunkSize:
                guard let end = findTerminator(Self.lineEnd, from: at), end - at <= Self.maxLine else {
                    if pending.count - at > Self.maxLine { throw .malformed("a chunk-size line is longer than \(Self.maxLine) bytes") }
                    return nil
                }
                let size = try Self.chunkSize(pending[at..<end])
                at = end + 2
                if size == 0 { state = .trailers(seen: 0); continue }
                guard size <= maxBody - body.count else { throw .tooLarge }
                state = .chunkData(remaining: size)
            case .chunkData(let remaining):
                let left = moveToBody(remaining, from: &at)
                if left == 0 { state = .chunkEnd } else { state = .chunkData(remaining: left); return nil }
            case .chunkEnd:
                guard pending.count - at >= 2 else { return nil }
                guard pending[at] == 13, pending[at + 1] == 10 else { throw .malformed("a chunk does not end with CRLF") }
                at += 2
                state = .chunkSize
            case .trailers(let seen):
                guard let end = findTerminator(Self.lineEnd, from: at), seen + end - at <= Self.maxHead else {
                    if seen + pending.count - at > Self.maxHead { throw .malformed("the trailers are larger than \(Self.maxHead) bytes") }
                    return nil
                }
                let length = end - at
                at = end + 2
                state = length == 0 ? .done : .trailers(seen: seen + length + 2)
            case .untilClose:
                guard pending.count - at <= maxBody - body.count else { throw .tooLarge }
                body.append(contentsOf: pending[at...])
                at = pending.count
                return nil
            case .done:
                if pending.count > at { keepAlive = false }
                at = pending.count
                return response
            }
        }
    }

    /// The connection ended: the response when its body runs to the close.
    mutating func end() throws(Failure) -> Response {
        switch state {
        case .untilClose, .done:
            state = .done
            keepAlive = false
            return response
        default:
            throw .truncated
        }
    }

    /// Moves up to `remaining` of the pending bytes from `at` into the body; how many are still to come.
    private mutating func moveToBody(_ remaining: Int, from at: inout Int) -> Int {
        let n = min(remaining, pending.count - at)
        body.append(contentsOf: pending[at..<(at + n)])
        at += n
        return remaining - n
    }

    private var response: Response {
        Response(status: status, contentType: contentType, body: body, keepAlive: keepAlive)
    }

    private static let headEnd: [UInt8] = [13, 10, 13, 10]
    private static let lineEnd: [UInt8] = [13, 10]

    /// The status line and the headers that matter here; the state that follows the head.
    private mutating func parseHead(_ head: ArraySlice<UInt8>) throws(Failure) {
        var lines = Self.lines(head)
        guard let statusLine = lines.first else { throw .malformed("the response has no status line") }
        lines.removeFirst()
        // "HTTP/1.1 200 OK": the version, a space, three digits, then (optionally) a reason.
        let s = statusLine
        guard s.count >= 12, Array(s.prefix(7)) == Array("HTTP/1.".utf8), s[s.startIndex + 8] == 32,
            case let minor = s[s.startIndex + 7], minor == 0x30 || minor == 0x31,
            s.count == 12 || s[s.startIndex + 12] == 32
        else {
            throw .malformed("the status line is not HTTP/1.x")
        }
        var code = 0
        for byte in s[(s.startIndex + 9)..<(s.startIndex + 12)] {
            guard (0x30...0x39).contains(byte) else { throw .malformed("the status code is not three digits") }
            code = code * 10 + Int(byte - 0x30)
        }
        guard code >= 100 else { throw .malformed("the status code \(code) is out of range") }
        var length: Int?
        var lastCoding: ArraySlice<UInt8>?
        var connectionClose = false, connectionKeepAlive = false
        var type: String?
        for line in lines {
            guard let colon = line.firstIndex(of: 58), colon > line.startIndex else { throw .malformed("a header line has no name") }
            let name = line[line.startIndex..<colon]
            let value = Self.trimmed(line[(colon + 1)...])
            if Self.equalsLowercased(name, "content-length") {
                guard !value.isEmpty, value.count <= 18, value.allSatisfy({ (0x30...0x39).contains($0) }) else {
                    throw .malformed("Content-Length is not a number")
                }
                let n = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                if let length, length != n { throw .malformed("two different Content-Lengths") }
                length = n
            } else if Self.equalsLowercased(name, "transfer-encoding") {
                lastCoding = value.split(separator: 44).last.map { Self.trimmed($0) } ?? []
            } else if Self.equalsLowercased(name, "connection") {
                for token in value.split(separator: 44) {
                    let token = Self.trimmed(token)
                    if Self.equalsLowercased(token, "close") { connectionClose = true }
                    if Self.equalsLowercased(token, "keep-alive") { connectionKeepAlive = true }
                }
            } else if Self.equalsLowercased(name, "content-type") {
                type = String(decoding: value, as: UTF8.self)
            }
        }
        // Transfer-Encoding overrides Content-Length, wherever each stands. The last coding
        // decides: chunked delimits the body, anything else reads to the close. A message with
        // both is suspect (RFC 9112 §6.1): its connection is not reused.
        var chunked = false
        if let lastCoding {
            chunked = Self.equalsLowercased(lastCoding, "chunked")
            if length != nil || !chunked { connectionClose = true }
            length = nil
        }
        if (100..<200).contains(code) {
            guard code != 101 else { throw .malformed("the app switched protocols") }
            return  // an interim response: the real one follows
        }
        status = code
        contentType = type
        keepAlive = !connectionClose && (minor == 0x31 || connectionKeepAlive)
        if bodyless || code == 204 || code == 304 {
            state = .done
        } else if chunked {
            state = .chunkSize
        } else if let length {
            guard length <= maxBody else { throw .tooLarge }
            state = length == 0 ? .done : .fixed(remaining: length)
        } else {
            keepAlive = false
            state = .untilClose
        }
    }

    /// The lines of a head (CRLF-separated; a bare LF is taken as a line end too, as most
    /// clients do).
    private static func lines(_ head: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        head.split(separator: 10, omittingEmptySubsequences: false).map { $0.last == 13 ? $0.dropLast() : $0 }
    }

    private static func chunkSize(_ line: ArraySlice<UInt8>) throws(Failure) -> Int {
        let digits = trimmed(line.prefix { $0 != 59 })  // ";" starts a chunk extension
        guard !digits.isEmpty, digits.count <= 15 else { throw .malformed("a chunk size is missing or too long") }
        var size = 0
        for byte in digits {
            let value: Int
            switch byte {
            case 0x30...0x39: value = Int(byte - 0x30)
            case 0x61...0x66: value = Int(byte - 0x61 + 10)
            case 0x41...0x46: value = Int(byte - 0x41 + 10)
            default: throw .malformed("a chunk size is not hexadecimal")
            }
            size = size * 16 + value
        }
        return size
    }

    /// The next `needle` in `pending` from `at`, resuming where the last search gave up.
    private mutating func findTerminator(_ needle: [UInt8], from at: Int) -> Int? {
        if let found = Self.find(needle, in: pending, from: max(at, resumeSearch)) {
            resumeSearch = 0
            return found
        }
        resumeSearch = max(at, pending.count - needle.count + 1)
        return nil
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count - start >= needle.count else { return nil }
        var i = start
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == needle[0] {
                var j = 1
                while j < needle.count && bytes[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 32 || first == 9 { slice.removeFirst() }
        while let last = slice.last, last == 32 || last == 9 { slice.removeLast() }
        return slice
    }

    /// ASCII case-insensitive equality with a lowercase literal.
    private static func equalsLowercased(_ bytes: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            var i = 0
            for byte in bytes {
                let folded = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
                if folded != expected[i] { return false }
                i += 1
            }
            return true
        }
    }
}
