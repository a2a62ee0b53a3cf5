/** A five-field cron expression, parsed as Marina's scheduler parses it. */
export declare class CronParseError extends Error {
    readonly reason: string;
    constructor(reason: string);
}
export declare class CronExpression {
    readonly text: string;
    readonly minutes: Set<number>;
    readonly hours: Set<number>;
    readonly daysOfMonth: Set<number>;
    readonly months: Set<number>;
    readonly daysOfWeek: Set<number>;
    readonly domRestricted: boolean;
    readonly dowRestricted: boolean;
    constructor(text: string);
    /** Whether the minute (UTC fields given) matches. */
    matchesFields(minute: number, hour: number, day: number, month: number, weekday: number): boolean;
}
