import { DocumentError, DocumentLimits, defaultLimits } from '../manifest/diagnostics';
import { JSONObject, JSONPointer, JSONValue } from './value';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/**
 * A strict RFC 8259 parser over bytes: one value, no trailing commas, no comments, duplicate keys
 * refused, depth and value count bounded. `JSON.parse` is not used: it accepts duplicate keys
 * silently and tells nothing about where a problem is.
 */
export class JSONParser {
  private index = 0;
  private nodes = 0;

  private constructor(private readonly bytes: Uint8Array, private readonly limits: DocumentLimits) {}

  static parse(bytes: Uint8Array, limits: DocumentLimits = defaultLimits): JSONValue {
    if (bytes.length > limits.maxBytes) {
      throw new DocumentError('document_too_large', JSONPointer.root, `document is ${bytes.length} bytes; the limit is ${limits.maxBytes}`);
    }
    const p = new JSONParser(bytes, limits);
    p.skipWhitespace();
    if (p.index >= bytes.length) throw new DocumentError('empty_document', JSONPointer.root, 'the document is empty');
    const value = p.parseValue(JSONPointer.root, 0);
    p.skipWhitespace();
    if (p.index !== bytes.length) throw p.syntax('unexpected content after the document', JSONPointer.root);
    return value;
  }

  private syntax(message: string, path: JSONPointer): DocumentError {
    let line = 1;
    let column = 1;
    const end = Math.min(this.index, this.bytes.length);
    for (let i = 0; i < end; i++) {
      if (this.bytes[i] === 0x0a) {
        line++;
        column = 1;
      } else column++;
    }
    return new DocumentError('invalid_syntax', path, `invalid JSON at line ${line}, column ${column}: ${message}`);
  }

  private skipWhitespace(): void {
    while (this.index < this.bytes.length && isWhitespace(this.bytes[this.index])) this.index++;
  }

  private countNode(path: JSONPointer): void {
    this.nodes++;
    if (this.nodes > this.limits.maxNodes) {
      throw new DocumentError('document_too_large', path, `the document has more than ${this.limits.maxNodes} values`);
    }
  }

  private parseValue(path: JSONPointer, depth: number): JSONValue {
    this.countNode(path);
    if (this.index >= this.bytes.length) throw this.syntax('unexpected end of input', path);
    const b = this.bytes[this.index];
    switch (b) {
      case 0x7b: // {
        if (depth >= this.limits.maxDepth) throw new DocumentError('nesting_too_deep', path, `nesting deeper than ${this.limits.maxDepth} levels`);
        return this.parseObject(path, depth + 1);
      case 0x5b: // [
        if (depth >= this.limits.maxDepth) throw new DocumentError('nesting_too_deep', path, `nesting deeper than ${this.limits.maxDepth} levels`);
        return this.parseArray(path, depth + 1);
      case 0x22:
        return this.parseString(path);
      case 0x74:
        this.expectWord('true', path);
        return true;
      case 0x66:
        this.expectWord('false', path);
        return false;
      case 0x6e:
        this.expectWord('null', path);
        return null;
      default:
        if (b === 0x2d || isDigit(b)) return this.parseNumber(path);
        throw this.syntax('unexpected character', path);
    }
  }

  private expectWord(word: string, path: JSONPointer): void {
    if (this.index + word.length > this.bytes.length) throw this.syntax('unexpected character', path);
    for (let i = 0; i < word.length; i++) {
      if (this.bytes[this.index + i] !== word.charCodeAt(i)) throw this.syntax('unexpected character', path);
    }
    this.index += word.length;
  }

  private parseObject(path: JSONPointer, depth: number): JSONValue {
    this.index++;
    const object: JSONObject = new Map();
    this.skipWhitespace();
    if (this.index < this.bytes.length && this.bytes[this.index] === 0x7d) {
      this.index++;
      return object;
    }
    for (;;) {
      this.skipWhitespace();
      if (!(this.index < this.bytes.length && this.bytes[this.index] === 0x22)) throw this.syntax('expected a string key', path);
      const key = this.parseString(path);
      if (object.has(key)) throw new DocumentError('duplicate_key', path.child(key), `the key "${key}" appears more than once`);
      this.skipWhitespace();
      if (!(this.index < this.bytes.length && this.bytes[this.index] === 0x3a)) throw this.syntax("expected ':'", path.child(key));
      this.index++;
      this.skipWhitespace();
      object.set(key, this.parseValue(path.child(key), depth));
      if (this.closes(0x7d, path)) return object;
    }
  }

  /** After a member or an element: true at the closing bracket, false after a comma. */
  private closes(close: number, path: JSONPointer): boolean {
    this.skipWhitespace();
    if (this.index >= this.bytes.length) throw this.syntax('unexpected end of input', path);
    const c = this.bytes[this.index];
    if (c === 0x2c || c === close) {
      this.index++;
      return c === close;
    }
    throw this.syntax(`expected ',' or '${String.fromCharCode(close)}'`, path);
  }

  private parseArray(path: JSONPointer, depth: number): JSONValue {
    this.index++;
    const items: JSONValue[] = [];
    this.skipWhitespace();
    if (this.index < this.bytes.length && this.bytes[this.index] === 0x5d) {
      this.index++;
      return items;
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.parseValue(path.child(items.length), depth));
      if (this.closes(0x5d, path)) return items;
    }
  }

  private digits(): number {
    const s = this.index;
    while (this.index < this.bytes.length && isDigit(this.bytes[this.index])) this.index++;
    return this.index - s;
  }

  private parseNumber(path: JSONPointer): JSONValue {
    const start = this.index;
    if (this.bytes[this.index] === 0x2d) this.index++;
    if (this.index >= this.bytes.length) throw this.syntax('incomplete number', path);
    if (this.bytes[this.index] === 0x30) this.index++;
    else if (this.digits() === 0) throw this.syntax('invalid number', path);
    if (this.index < this.bytes.length && this.bytes[this.index] === 0x2e) {
      this.index++;
      if (this.digits() === 0) throw this.syntax('invalid number', path);
    }
    if (this.index < this.bytes.length && (this.bytes[this.index] === 0x65 || this.bytes[this.index] === 0x45)) {
      this.index++;
      if (this.index < this.bytes.length && (this.bytes[this.index] === 0x2b || this.bytes[this.index] === 0x2d)) this.index++;
      if (this.digits() === 0) throw this.syntax('invalid number', path);
    }
    let text = '';
    for (let i = start; i < this.index; i++) text += String.fromCharCode(this.bytes[i]);
    const value = Number(text);
    if (!Number.isFinite(value)) throw new DocumentError('invalid_value', path, `the number ${text} is out of range`);
    return value;
  }

  private hex4(path: JSONPointer): number {
    if (this.index + 4 > this.bytes.length) throw this.syntax('invalid \\u escape', path);
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.bytes[this.index + i];
      v <<= 4;
      if (b >= 0x30 && b <= 0x39) v |= b - 0x30;
      else if (b >= 0x61 && b <= 0x66) v |= b - 0x61 + 10;
      else if (b >= 0x41 && b <= 0x46) v |= b - 0x41 + 10;
      else throw this.syntax('invalid \\u escape', path);
    }
    this.index += 4;
    return v;
  }

  private parseString(path: JSONPointer): string {
    this.index++;
    let out = '';
    // Runs of plain bytes are decoded at once; the document is known to be valid UTF-8.
    let runStart = this.index;
    const flush = (end: number): void => {
      if (end > runStart) out += utf8.decode(this.bytes.subarray(runStart, end));
    };
    for (;;) {
      if (this.index >= this.bytes.length) throw this.syntax('unterminated string', path);
      const b = this.bytes[this.index];
      this.index++;
      if (b === 0x22) {
        try {
          flush(this.index - 1);
        } catch {
          throw new DocumentError('invalid_encoding', path, 'a string is not valid UTF-8');
        }
        return out;
      }
      if (b === 0x5c) {
        try {
          flush(this.index - 1);
        } catch {
          throw new DocumentError('invalid_encoding', path, 'a string is not valid UTF-8');
        }
        if (this.index >= this.bytes.length) throw this.syntax('unterminated escape', path);
        const e = this.bytes[this.index];
        this.index++;
        switch (e) {
          case 0x22: out += '"'; break;
          case 0x5c: out += '\\'; break;
          case 0x2f: out += '/'; break;
          case 0x62: out += '\b'; break;
          case 0x66: out += '\f'; break;
          case 0x6e: out += '\n'; break;
          case 0x72: out += '\r'; break;
          case 0x74: out += '\t'; break;
          case 0x75: {
            let scalar = this.hex4(path);
            if (scalar >= 0xd800 && scalar <= 0xdbff) {
              if (!(this.index + 1 < this.bytes.length && this.bytes[this.index] === 0x5c && this.bytes[this.index + 1] === 0x75)) {
                throw this.syntax('unpaired surrogate', path);
              }
              this.index += 2;
              const low = this.hex4(path);
              if (!(low >= 0xdc00 && low <= 0xdfff)) throw this.syntax('unpaired surrogate', path);
              scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00);
            } else if (scalar >= 0xdc00 && scalar <= 0xdfff) {
              throw this.syntax('unpaired surrogate', path);
            }
            out += String.fromCodePoint(scalar);
            break;
          }
          default:
            throw this.syntax('invalid escape', path);
        }
        runStart = this.index;
        continue;
      }
      if (b < 0x20) throw this.syntax('control character in string', path);
    }
  }
}
