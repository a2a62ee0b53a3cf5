import { DocumentError } from '../manifest/diagnostics';
import { JSONPointer } from './value';

const strictUTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function hasBOM(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** Decodes UTF-8 strictly (no replacement characters); throws on malformed input. */
export function decodeUTF8(bytes: Uint8Array): string {
  return strictUTF8.decode(bytes);
}

/** The document must be UTF-8 text without control characters (a BOM is allowed). */
export function requireText(bytes: Uint8Array): void {
  const body = hasBOM(bytes) ? bytes.subarray(3) : bytes;
  try {
    strictUTF8.decode(body);
  } catch {
    throw new DocumentError('invalid_encoding', JSONPointer.root, 'the document is not valid UTF-8 text');
  }
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) {
      throw new DocumentError('invalid_encoding', JSONPointer.root, `the document holds a control character (0x${b.toString(16)}); is it binary?`);
    }
  }
}

/** YAML forbids the C1 control characters (except NEL). */
export function requireYAMLPrintable(text: string): void {
  let line = 1;
  let column = 1;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (c >= 0x80 && c <= 0x9f && c !== 0x85) {
      throw new DocumentError(
        'invalid_encoding',
        JSONPointer.root,
        `line ${line}, column ${column}: the control character U+00${c.toString(16).toUpperCase()} is not allowed in YAML`,
      );
    }
    if (ch === '\n') {
      line++;
      column = 1;
    } else column++;
  }
}
