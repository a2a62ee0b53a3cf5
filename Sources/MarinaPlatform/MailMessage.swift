import Foundation
import MarinaStore

/// The RFC 5322 text of an outbox mail. Every header value comes from a field `mail_send`
/// checked (addresses and subject without CR or LF), so an app cannot add headers or recipients;
/// the body is base64, so nothing in it is read as SMTP.
public enum MailMessage {
    public static func render(_ mail: MailOutboxRepository.Mail, recipients: [String], from sender: String, date: Date) -> [UInt8] {
        var lines = [
            "From: <\(sender)>",
            "To: " + recipients.map { "<\($0)>" }.joined(separator: ",\r\n "),
            "Subject: " + encodedSubject(mail.subject),
            "Date: " + rfc5322Date(date),
            "Message-ID: <\(mail.id)@marina>",
            "X-Marina-Tenant: \(mail.tenantSlug)",
            "X-Marina-App: \(mail.appSlug)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        let body = Data(mail.body.utf8).base64EncodedString()
        var start = body.startIndex
        while start < body.endIndex {
            let end = body.index(start, offsetBy: 76, limitedBy: body.endIndex) ?? body.endIndex
            lines.append(String(body[start..<end]))
            start = end
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// The subject as it is when it is printable ASCII, else as RFC 2047 encoded words of at
    /// most 45 bytes of UTF-8 each (a word stays under 76 characters), never splitting a character.
    static func encodedSubject(_ subject: String) -> String {
        if subject.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) { return subject }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in subject {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append(word(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(word(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    private static func word(_ bytes: [UInt8]) -> String { "=?utf-8?B?" + Data(bytes).base64EncodedString() + "?=" }

    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return
            "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}
