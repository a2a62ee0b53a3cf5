/** A five-field cron expression, parsed as Marina's scheduler parses it. */
export class CronParseError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CronParseError';
  }
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export class CronExpression {
  readonly minutes: Set<number>;
  readonly hours: Set<number>;
  readonly daysOfMonth: Set<number>;
  readonly months: Set<number>;
  readonly daysOfWeek: Set<number>;
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;

  constructor(readonly text: string) {
    const fields = text.split(/[ \t]+/).filter((f) => f !== '');
    if (fields.length !== 5) {
      throw new CronParseError(`expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`);
    }
    this.minutes = field(fields[0], 'minute', 0, 59, []);
    this.hours = field(fields[1], 'hour', 0, 23, []);
    this.daysOfMonth = field(fields[2], 'day-of-month', 1, 31, []);
    this.months = field(fields[3], 'month', 1, 12, MONTH_NAMES, 1);
    const dow = field(fields[4], 'day-of-week', 0, 7, DAY_NAMES);
    if (dow.delete(7)) dow.add(0);
    this.daysOfWeek = dow;
    this.domRestricted = fields[2] !== '*';
    this.dowRestricted = fields[4] !== '*';
  }

  /** Whether the minute (UTC fields given) matches. */
  matchesFields(minute: number, hour: number, day: number, month: number, weekday: number): boolean {
    if (!this.minutes.has(minute) || !this.hours.has(hour) || !this.months.has(month)) return false;
    const dom = this.daysOfMonth.has(day);
    const dowm = this.daysOfWeek.has(weekday);
    if (this.domRestricted && this.dowRestricted) return dom || dowm;
    if (this.domRestricted) return dom;
    if (this.dowRestricted) return dowm;
    return true;
  }
}

/** Swift's `Int(String)` on the digits-only text: digits that fit in an Int64. */
function parseInt64(text: string): number | null {
  if (!/^[+-]?[0-9]+$/.test(text)) return null;
  const n = BigInt(text);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return null;
  return Number(n);
}

function field(text: string, name: string, lo: number, hi: number, names: string[], nameBase = 0): Set<number> {
  const result = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') throw new CronParseError(`empty list item in the ${name} field`);
    let body = part;
    let step = 1;
    const slash = body.indexOf('/');
    if (slash >= 0) {
      const s = parseInt64(body.slice(slash + 1));
      if (s === null || s < 1 || s > hi) throw new CronParseError(`invalid step in the ${name} field: ${part}`);
      step = s;
      body = body.slice(0, slash);
    }
    let lower: number;
    let upper: number;
    if (body === '*') {
      lower = lo;
      upper = hi;
    } else {
      const dash = body.indexOf('-');
      if (dash >= 0) {
        lower = value(body.slice(0, dash), name, lo, hi, names, nameBase);
        upper = value(body.slice(dash + 1), name, lo, hi, names, nameBase);
        if (lower > upper) throw new CronParseError(`range ${body} in the ${name} field runs backwards`);
      } else {
        lower = value(body, name, lo, hi, names, nameBase);
        upper = part.includes('/') ? hi : lower;
      }
    }
    for (let v = lower; v <= upper; v += step) result.add(v);
  }
  return result;
}

function value(text: string, name: string, lo: number, hi: number, names: string[], base: number): number {
  const i = names.indexOf(swiftUppercased(text));
  if (i >= 0) return i + base;
  if (text === '' || !/^[0-9]+$/.test(text)) throw new CronParseError(`"${text}" is not a valid ${name}`);
  const n = parseInt64(text);
  if (n === null) throw new CronParseError(`"${text}" is not a valid ${name}`);
  if (n < lo || n > hi) throw new CronParseError(`${n} is outside ${lo}–${hi} for the ${name} field`);
  return n;
}

/** Swift's `uppercased()` (full Unicode case mapping, like JavaScript's). */
function swiftUppercased(s: string): string {
  return s.toUpperCase();
}
