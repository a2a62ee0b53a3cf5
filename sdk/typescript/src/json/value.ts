/**
 * The document tree. Objects are `Map`s so that key order is kept (diagnostics come out in
 * document order), any string can be a key (`__proto__` included) and keys compare code unit by
 * code unit, which for well-formed strings is code point by code point: no Unicode
 * normalisation ever happens. Numbers are IEEE doubles, as in RFC 8785.
 */
export type JSONValue = null | boolean | number | string | JSONValue[] | JSONObject;
export type JSONObject = Map<string, JSONValue>;

export function isObject(v: JSONValue | undefined): v is JSONObject {
  return v instanceof Map;
}

export function isArray(v: JSONValue | undefined): v is JSONValue[] {
  return Array.isArray(v);
}

/** The JSON type name used in diagnostics ("string", "integer", "object", …). */
export function typeName(v: JSONValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'number';
    case 'string':
      return 'string';
  }
  return Array.isArray(v) ? 'array' : 'object';
}

/** `value[key]` for objects, undefined otherwise (Swift's optional subscript). */
export function member(v: JSONValue | undefined, key: string): JSONValue | undefined {
  return v instanceof Map ? v.get(key) : undefined;
}

export function stringValue(v: JSONValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function numberValue(v: JSONValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export function boolValue(v: JSONValue | undefined): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

export function arrayValue(v: JSONValue | undefined): JSONValue[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

/** JSON equality: objects regardless of key order, strings code point by code point. */
export function jsonEqual(a: JSONValue | undefined, b: JSONValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !jsonEqual(v, b.get(k))) return false;
    }
    return true;
  }
  return false;
}

/** Converts a plain JavaScript value (e.g. from `JSON.parse`) to the document tree. */
export function fromPlain(v: unknown): JSONValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError('JSON has no representation for ' + String(v));
    return v;
  }
  if (Array.isArray(v)) return v.map(fromPlain);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [String(k), fromPlain(x)]));
  if (typeof v === 'object') {
    const out: JSONObject = new Map();
    for (const k of Object.keys(v as object)) out.set(k, fromPlain((v as Record<string, unknown>)[k]));
    return out;
  }
  throw new TypeError('not a JSON value: ' + typeof v);
}

/** Converts the document tree to plain JavaScript (objects without a prototype chain surprise). */
export function toPlain(v: JSONValue): unknown {
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) Object.defineProperty(out, k, { value: toPlain(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** An RFC 6901 JSON Pointer: `""` is the whole document, `/tools/0/name` a field inside it. */
export class JSONPointer {
  readonly tokens: readonly string[];

  constructor(tokens: readonly string[] = []) {
    this.tokens = tokens;
  }

  static readonly root = new JSONPointer();

  /** Parses the textual form; null when it does not start with `/` (and is not empty). */
  static parse(text: string): JSONPointer | null {
    if (text === '') return JSONPointer.root;
    if (!text.startsWith('/')) return null;
    return new JSONPointer(text.slice(1).split('/').map((t) => t.split('~1').join('/').split('~0').join('~')));
  }

  child(token: string | number): JSONPointer {
    return new JSONPointer([...this.tokens, String(token)]);
  }

  hasPrefix(other: JSONPointer): boolean {
    if (other.tokens.length > this.tokens.length) return false;
    return other.tokens.every((t, i) => this.tokens[i] === t);
  }

  toString(): string {
    return this.tokens.map((t) => '/' + t.split('~').join('~0').split('/').join('~1')).join('');
  }
}
