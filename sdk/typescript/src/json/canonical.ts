import { createHash } from 'node:crypto';
import { JSONValue } from './value';

/**
 * RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units, no insignificant
 * whitespace, numbers as ECMAScript writes them, strings with only `"`, `\` and control
 * characters escaped. Every Marina implementation produces the same bytes for the same value.
 */
export function canonicalJSON(value: JSONValue): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

/** `sha256:<64 hex digits>` of the canonical UTF-8 bytes. */
export function canonicalHash(value: JSONValue): string {
  return 'sha256:' + sha256Hex(canonicalJSON(value));
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** ECMAScript `Number.prototype.toString()` for finite doubles. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`canonical JSON has no representation for ${n}`);
  if (n === 0) return '0';
  return String(n);
}

function compareUTF16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function writeString(s: string, out: string[]): void {
  let r = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22: r += '\\"'; break;
      case 0x5c: r += '\\\\'; break;
      case 0x08: r += '\\b'; break;
      case 0x0c: r += '\\f'; break;
      case 0x0a: r += '\\n'; break;
      case 0x0d: r += '\\r'; break;
      case 0x09: r += '\\t'; break;
      default:
        if (c < 0x20) r += '\\u' + c.toString(16).padStart(4, '0');
        else r += s[i];
    }
  }
  out.push(r + '"');
}

function write(value: JSONValue, out: string[]): void {
  if (value === null) {
    out.push('null');
  } else if (typeof value === 'boolean') {
    out.push(value ? 'true' : 'false');
  } else if (typeof value === 'number') {
    out.push(formatNumber(value));
  } else if (typeof value === 'string') {
    writeString(value, out);
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, out);
    });
    out.push(']');
  } else {
    out.push('{');
    const keys = [...value.keys()].sort(compareUTF16);
    keys.forEach((key, i) => {
      if (i > 0) out.push(',');
      writeString(key, out);
      out.push(':');
      write(value.get(key) as JSONValue, out);
    });
    out.push('}');
  }
}
