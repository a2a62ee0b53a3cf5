import Foundation

/// A five-field cron expression (minute hour day-of-month month day-of-week) with `*`, lists,
/// ranges, steps and month/day names. When both day fields are restricted a day matches if
/// either does, as in Vixie cron. Precision is one minute.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public struct ParseError: Error, Sendable { public let reason: String }

    public let description: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let domRestricted: Bool
    let dowRestricted: Bool

    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public init(_ text: String) throws(ParseError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(reason: "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        description = text
        minutes = try Self.field(fields[0], "minute", 0...59, names: [])
        hours = try Self.field(fields[1], "hour", 0...23, names: [])
        daysOfMonth = try Self.field(fields[2], "day-of-month", 1...31, names: [])
        months = try Self.field(fields[3], "month", 1...12, names: Self.monthNames, nameBase: 1)
        var dow = try Self.field(fields[4], "day-of-week", 0...7, names: Self.dayNames)
        if dow.remove(7) != nil { dow.insert(0) }
        daysOfWeek = dow
        domRestricted = fields[2] != "*"
        dowRestricted = fields[4] != "*"
    }

    private static func field(
        _ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String], nameBase: Int = 0
    ) throws(ParseError) -> Set<Int> {
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw ParseError(reason: "empty list item in the \(name) field") }
            var body = Substring(part)
            var step = 1
            if let slash = body.firstIndex(of: "/") {
                guard let s = Int(body[body.index(after: slash)...]), s >= 1, s <= range.upperBound else {
                    throw ParseError(reason: "invalid step in the \(name) field: \(part)")
                }
                step = s
                body = body[..<slash]
            }
            var lower: Int, upper: Int
            if body == "*" {
                (lower, upper) = (range.lowerBound, range.upperBound)
            } else if let dash = body.firstIndex(of: "-") {
                lower = try value(body[..<dash], name, range, names, nameBase)
                upper = try value(body[body.index(after: dash)...], name, range, names, nameBase)
                guard lower <= upper else { throw ParseError(reason: "range \(body) in the \(name) field runs backwards") }
            } else {
                lower = try value(body, name, range, names, nameBase)
                upper = part.contains("/") ? range.upperBound : lower
            }
            result.formUnion(stride(from: lower, through: upper, by: step))
        }
        return result
    }

    private static func value(_ text: Substring, _ name: String, _ range: ClosedRange<Int>, _ names: [String], _ base: Int) throws(ParseError) -> Int
    {
        if let i = names.firstIndex(of: text.uppercased()) { return i + base }
        guard !text.isEmpty, text.allSatisfy({ ("0"..."9").contains($0) }), let n = Int(text) else {
            throw ParseError(reason: "\"\(text)\" is not a valid \(name)")
        }
        guard range.contains(n) else { throw ParseError(reason: "\(n) is outside \(range.lowerBound)–\(range.upperBound) for the \(name) field") }
        return n
    }

    /// Whether the minute starting at `date` (in `timeZone`) matches.
    public func matches(_ date: Date, in timeZone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
        return minutes.contains(c.minute!) && hours.contains(c.hour!) && months.contains(c.month!) && dayMatches(day: c.day!, weekday: c.weekday! - 1)
    }

    private func dayMatches(day: Int, weekday: Int) -> Bool {
        switch (domRestricted, dowRestricted) {
        case (true, true): return daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
        case (true, false): return daysOfMonth.contains(day)
        case (false, true): return daysOfWeek.contains(weekday)
        case (false, false): return true
        }
    }

    /// The first matching minute strictly after `date`, searching at most five years ahead.
    public func nextDate(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var t = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        while t < limit {
            let c = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: t)
            if !months.contains(c.month!) {
                t = calendar.dateInterval(of: .month, for: t)!.end
            } else if !dayMatches(day: c.day!, weekday: c.weekday! - 1) {
                t = calendar.dateInterval(of: .day, for: t)!.end
            } else if !hours.contains(c.hour!) {
                t = calendar.dateInterval(of: .hour, for: t)!.end
            } else if !minutes.contains(c.minute!) {
                t = t.addingTimeInterval(60)
            } else {
                return t
            }
        }
        return nil
    }
}
