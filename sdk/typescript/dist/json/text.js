"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.requireYAMLPrintable = exports.requireText = exports.decodeUTF8 = exports.hasBOM = void 0;
const diagnostics_1 = require("../manifest/diagnostics");
const value_1 = require("./value");
const strictUTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function hasBOM(bytes) {
    return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}
exports.hasBOM = hasBOM;
/** Decodes UTF-8 strictly (no replacement characters); throws on malformed input. */
function decodeUTF8(bytes) {
    return strictUTF8.decode(bytes);
}
exports.decodeUTF8 = decodeUTF8;
/** The document must be UTF-8 text without control characters (a BOM is allowed). */
function requireText(bytes) {
    const body = hasBOM(bytes) ? bytes.subarray(3) : bytes;
    try {
        strictUTF8.decode(body);
    }
    catch {
        throw new diagnostics_1.DocumentError('invalid_encoding', value_1.JSONPointer.root, 'the document is not valid UTF-8 text');
    }
    for (let i = 0; i < body.length; i++) {
        const b = body[i];
        if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) {
            throw new diagnostics_1.DocumentError('invalid_encoding', value_1.JSONPointer.root, `the document holds a control character (0x${b.toString(16)}); is it binary?`);
        }
    }
}
exports.requireText = requireText;
/** YAML forbids the C1 control characters (except NEL). */
function requireYAMLPrintable(text) {
    let line = 1;
    let column = 1;
    for (const ch of text) {
        const c = ch.codePointAt(0);
        if (c >= 0x80 && c <= 0x9f && c !== 0x85) {
            throw new diagnostics_1.DocumentError('invalid_encoding', value_1.JSONPointer.root, `line ${line}, column ${column}: the control character U+00${c.toString(16).toUpperCase()} is not allowed in YAML`);
        }
        if (ch === '\n') {
            line++;
            column = 1;
        }
        else
            column++;
    }
}
exports.requireYAMLPrintable = requireYAMLPrintable;
