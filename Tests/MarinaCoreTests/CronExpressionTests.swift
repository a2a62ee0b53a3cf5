import Foundation
import MarinaCore
import Testing

@Suite struct CronExpressionTests {
    @Test(arguments: ["* * * * *", "0 2 * * *", "*/15 9-17 * * MON-FRI", "0 0 1,15 * *", "5 4 * jan sun", "0 0 * * 7", "0-30/10 * * * *"])
    func valid(_ text: String) throws { _ = try CronExpression(text) }

    @Test(arguments: [
        "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *",
        "@daily", "1,,2 * * * *", "? * * * *",
    ])
    func invalid(_ text: String) {
        #expect(throws: CronExpression.ParseError.self) { try CronExpression(text) }
    }

    @Test func nextDateFindsTheNextMatchingMinute() throws {
        let utc = TimeZone(identifier: "UTC")!
        let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01 00:00:00 UTC, a Thursday
        #expect(try CronExpression("0 2 * * *").nextDate(after: start, in: utc) == start.addingTimeInterval(2 * 3600))
        #expect(try CronExpression("30 9 * * MON").nextDate(after: start, in: utc) == start.addingTimeInterval(4 * 86400 + 9 * 3600 + 1800))
        #expect(try CronExpression("* * * * *").nextDate(after: start.addingTimeInterval(30), in: utc) == start.addingTimeInterval(60))
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        #expect(try CronExpression("0 2 * * *").nextDate(after: start, in: berlin) == start.addingTimeInterval(1 * 3600))
        #expect(try CronExpression("0 0 31 2 *").nextDate(after: start, in: utc) == nil)
    }

    @Test func restrictedDayFieldsMatchEitherDay() throws {
        let utc = TimeZone(identifier: "UTC")!
        let cron = try CronExpression("0 0 13 * FRI")
        let thursday1st = Date(timeIntervalSince1970: 1_767_225_600)
        #expect(cron.matches(thursday1st.addingTimeInterval(86400), in: utc))  // Friday the 2nd
        #expect(cron.matches(thursday1st.addingTimeInterval(12 * 86400), in: utc))  // Tuesday the 13th
        #expect(!cron.matches(thursday1st, in: utc))
    }
}
