"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CronExpression = exports.CronParseError = void 0;
/** A five-field cron expression, parsed as Marina's scheduler parses it. */
class CronParseError extends Error {
    reason;
    constructor(reason) {
        super(reason);
        this.reason = reason;
        this.name = 'CronParseError';
    }
}
exports.CronParseError = CronParseError;
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
class CronExpression {
    text;
    minutes;
    hours;
    daysOfMonth;
    months;
    daysOfWeek;
    domRestricted;
    dowRestricted;
    constructor(text) {
        this.text = text;
        const fields = text.split(/[ \t]+/).filter((f) => f !== '');
        if (fields.length !== 5) {
            throw new CronParseError(`expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`);
        }
        this.minutes = field(fields[0], 'minute', 0, 59, []);
        this.hours = field(fields[1], 'hour', 0, 23, []);
        this.daysOfMonth = field(fields[2], 'day-of-month', 1, 31, []);
        this.months = field(fields[3], 'month', 1, 12, MONTH_NAMES, 1);
        const dow = field(fields[4], 'day-of-week', 0, 7, DAY_NAMES);
        if (dow.delete(7))
            dow.add(0);
        this.daysOfWeek = dow;
        this.domRestricted = fields[2] !== '*';
        this.dowRestricted = fields[4] !== '*';
    }
    /** Whether the minute (UTC fields given) matches. */
    matchesFields(minute, hour, day, month, weekday) {
        if (!this.minutes.has(minute) || !this.hours.has(hour) || !this.months.has(month))
            return false;
        const dom = this.daysOfMonth.has(day);
        const dowm = this.daysOfWeek.has(weekday);
        if (this.domRestricted && this.dowRestricted)
            return dom || dowm;
        if (this.domRestricted)
            return dom;
        if (this.dowRestricted)
            return dowm;
        return true;
    }
}
exports.CronExpression = CronExpression;
/** Swift's `Int(String)` on the digits-only text: digits that fit in an Int64. */
function parseInt64(text) {
    if (!/^[+-]?[0-9]+$/.test(text))
        return null;
    const n = BigInt(text);
    if (n > 9223372036854775807n || n < -9223372036854775808n)
        return null;
    return Number(n);
}
function field(text, name, lo, hi, names, nameBase = 0) {
    const result = new Set();
    for (const part of text.split(',')) {
        if (part === '')
            throw new CronParseError(`empty list item in the ${name} field`);
        let body = part;
        let step = 1;
        const slash = body.indexOf('/');
        if (slash >= 0) {
            const s = parseInt64(body.slice(slash + 1));
            if (s === null || s < 1 || s > hi)
                throw new CronParseError(`invalid step in the ${name} field: ${part}`);
            step = s;
            body = body.slice(0, slash);
        }
        let lower;
        let upper;
        if (body === '*') {
            lower = lo;
            upper = hi;
        }
        else {
            const dash = body.indexOf('-');
            if (dash >= 0) {
                lower = value(body.slice(0, dash), name, lo, hi, names, nameBase);
                upper = value(body.slice(dash + 1), name, lo, hi, names, nameBase);
                if (lower > upper)
                    throw new CronParseError(`range ${body} in the ${name} field runs backwards`);
            }
            else {
                lower = value(body, name, lo, hi, names, nameBase);
                upper = part.includes('/') ? hi : lower;
            }
        }
        for (let v = lower; v <= upper; v += step)
            result.add(v);
    }
    return result;
}
function value(text, name, lo, hi, names, base) {
    const i = names.indexOf(swiftUppercased(text));
    if (i >= 0)
        return i + base;
    if (text === '' || !/^[0-9]+$/.test(text))
        throw new CronParseError(`"${text}" is not a valid ${name}`);
    const n = parseInt64(text);
    if (n === null)
        throw new CronParseError(`"${text}" is not a valid ${name}`);
    if (n < lo || n > hi)
        throw new CronParseError(`${n} is outside ${lo}–${hi} for the ${name} field`);
    return n;
}
/** Swift's `uppercased()` (full Unicode case mapping, like JavaScript's). */
function swiftUppercased(s) {
    return s.toUpperCase();
}
