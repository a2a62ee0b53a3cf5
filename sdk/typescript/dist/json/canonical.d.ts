import { JSONValue } from './value';
/**
 * RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units, no insignificant
 * whitespace, numbers as ECMAScript writes them, strings with only `"`, `\` and control
 * characters escaped. Every Marina implementation produces the same bytes for the same value.
 */
export declare function canonicalJSON(value: JSONValue): string;
/** `sha256:<64 hex digits>` of the canonical UTF-8 bytes. */
export declare function canonicalHash(value: JSONValue): string;
export declare function sha256Hex(text: string | Uint8Array): string;
/** ECMAScript `Number.prototype.toString()` for finite doubles. */
export declare function formatNumber(n: number): string;
export declare function writeString(s: string, out: string[]): void;
