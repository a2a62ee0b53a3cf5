"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.writeString = exports.formatNumber = exports.sha256Hex = exports.canonicalHash = exports.canonicalJSON = void 0;
const node_crypto_1 = require("node:crypto");
/**
 * RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units, no insignificant
 * whitespace, numbers as ECMAScript writes them, strings with only `"`, `\` and control
 * characters escaped. Every Marina implementation produces the same bytes for the same value.
 */
function canonicalJSON(value) {
    const out = [];
    write(value, out);
    return out.join('');
}
exports.canonicalJSON = canonicalJSON;
/** `sha256:<64 hex digits>` of the canonical UTF-8 bytes. */
function canonicalHash(value) {
    return 'sha256:' + sha256Hex(canonicalJSON(value));
}
exports.canonicalHash = canonicalHash;
function sha256Hex(text) {
    return (0, node_crypto_1.createHash)('sha256').update(text).digest('hex');
}
exports.sha256Hex = sha256Hex;
/** ECMAScript `Number.prototype.toString()` for finite doubles. */
function formatNumber(n) {
    if (!Number.isFinite(n))
        throw new RangeError(`canonical JSON has no representation for ${n}`);
    if (n === 0)
        return '0';
    return String(n);
}
exports.formatNumber = formatNumber;
function compareUTF16(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
function writeString(s, out) {
    let r = '"';
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        switch (c) {
            case 0x22:
                r += '\\"';
                break;
            case 0x5c:
                r += '\\\\';
                break;
            case 0x08:
                r += '\\b';
                break;
            case 0x0c:
                r += '\\f';
                break;
            case 0x0a:
                r += '\\n';
                break;
            case 0x0d:
                r += '\\r';
                break;
            case 0x09:
                r += '\\t';
                break;
            default:
                if (c < 0x20)
                    r += '\\u' + c.toString(16).padStart(4, '0');
                else
                    r += s[i];
        }
    }
    out.push(r + '"');
}
exports.writeString = writeString;
function write(value, out) {
    if (value === null) {
        out.push('null');
    }
    else if (typeof value === 'boolean') {
        out.push(value ? 'true' : 'false');
    }
    else if (typeof value === 'number') {
        out.push(formatNumber(value));
    }
    else if (typeof value === 'string') {
        writeString(value, out);
    }
    else if (Array.isArray(value)) {
        out.push('[');
        value.forEach((item, i) => {
            if (i > 0)
                out.push(',');
            write(item, out);
        });
        out.push(']');
    }
    else {
        out.push('{');
        const keys = [...value.keys()].sort(compareUTF16);
        keys.forEach((key, i) => {
            if (i > 0)
                out.push(',');
            writeString(key, out);
            out.push(':');
            write(value.get(key), out);
        });
        out.push('}');
    }
}
