"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JSONPointer = exports.toPlain = exports.fromPlain = exports.jsonEqual = exports.arrayValue = exports.boolValue = exports.numberValue = exports.stringValue = exports.member = exports.typeName = exports.isArray = exports.isObject = void 0;
function isObject(v) {
    return v instanceof Map;
}
exports.isObject = isObject;
function isArray(v) {
    return Array.isArray(v);
}
exports.isArray = isArray;
/** The JSON type name used in diagnostics ("string", "integer", "object", …). */
function typeName(v) {
    if (v === null)
        return 'null';
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
exports.typeName = typeName;
/** `value[key]` for objects, undefined otherwise (Swift's optional subscript). */
function member(v, key) {
    return v instanceof Map ? v.get(key) : undefined;
}
exports.member = member;
function stringValue(v) {
    return typeof v === 'string' ? v : undefined;
}
exports.stringValue = stringValue;
function numberValue(v) {
    return typeof v === 'number' ? v : undefined;
}
exports.numberValue = numberValue;
function boolValue(v) {
    return typeof v === 'boolean' ? v : undefined;
}
exports.boolValue = boolValue;
function arrayValue(v) {
    return Array.isArray(v) ? v : undefined;
}
exports.arrayValue = arrayValue;
/** JSON equality: objects regardless of key order, strings code point by code point. */
function jsonEqual(a, b) {
    if (a === b)
        return true;
    if (a === undefined || b === undefined || a === null || b === null)
        return false;
    if (Array.isArray(a)) {
        if (!Array.isArray(b) || a.length !== b.length)
            return false;
        return a.every((x, i) => jsonEqual(x, b[i]));
    }
    if (a instanceof Map) {
        if (!(b instanceof Map) || a.size !== b.size)
            return false;
        for (const [k, v] of a) {
            if (!b.has(k) || !jsonEqual(v, b.get(k)))
                return false;
        }
        return true;
    }
    return false;
}
exports.jsonEqual = jsonEqual;
/** Converts a plain JavaScript value (e.g. from `JSON.parse`) to the document tree. */
function fromPlain(v) {
    if (v === null || v === undefined)
        return null;
    if (typeof v === 'boolean' || typeof v === 'string')
        return v;
    if (typeof v === 'number') {
        if (!Number.isFinite(v))
            throw new TypeError('JSON has no representation for ' + String(v));
        return v;
    }
    if (Array.isArray(v))
        return v.map(fromPlain);
    if (v instanceof Map)
        return new Map([...v].map(([k, x]) => [String(k), fromPlain(x)]));
    if (typeof v === 'object') {
        const out = new Map();
        for (const k of Object.keys(v))
            out.set(k, fromPlain(v[k]));
        return out;
    }
    throw new TypeError('not a JSON value: ' + typeof v);
}
exports.fromPlain = fromPlain;
/** Converts the document tree to plain JavaScript (objects without a prototype chain surprise). */
function toPlain(v) {
    if (Array.isArray(v))
        return v.map(toPlain);
    if (v instanceof Map) {
        const out = {};
        for (const [k, x] of v)
            Object.defineProperty(out, k, { value: toPlain(x), enumerable: true, writable: true, configurable: true });
        return out;
    }
    return v;
}
exports.toPlain = toPlain;
/** An RFC 6901 JSON Pointer: `""` is the whole document, `/tools/0/name` a field inside it. */
class JSONPointer {
    tokens;
    constructor(tokens = []) {
        this.tokens = tokens;
    }
    static root = new JSONPointer();
    /** Parses the textual form; null when it does not start with `/` (and is not empty). */
    static parse(text) {
        if (text === '')
            return JSONPointer.root;
        if (!text.startsWith('/'))
            return null;
        return new JSONPointer(text.slice(1).split('/').map((t) => t.split('~1').join('/').split('~0').join('~')));
    }
    child(token) {
        return new JSONPointer([...this.tokens, String(token)]);
    }
    hasPrefix(other) {
        if (other.tokens.length > this.tokens.length)
            return false;
        return other.tokens.every((t, i) => this.tokens[i] === t);
    }
    toString() {
        return this.tokens.map((t) => '/' + t.split('~').join('~0').split('/').join('~1')).join('');
    }
}
exports.JSONPointer = JSONPointer;
