/**
 * The document tree. Objects are `Map`s so that key order is kept (diagnostics come out in
 * document order), any string can be a key (`__proto__` included) and keys compare code unit by
 * code unit, which for well-formed strings is code point by code point: no Unicode
 * normalisation ever happens. Numbers are IEEE doubles, as in RFC 8785.
 */
export declare type JSONValue = null | boolean | number | string | JSONValue[] | JSONObject;
export declare type JSONObject = Map<string, JSONValue>;
export declare function isObject(v: JSONValue | undefined): v is JSONObject;
export declare function isArray(v: JSONValue | undefined): v is JSONValue[];
/** The JSON type name used in diagnostics ("string", "integer", "object", …). */
export declare function typeName(v: JSONValue): string;
/** `value[key]` for objects, undefined otherwise (Swift's optional subscript). */
export declare function member(v: JSONValue | undefined, key: string): JSONValue | undefined;
export declare function stringValue(v: JSONValue | undefined): string | undefined;
export declare function numberValue(v: JSONValue | undefined): number | undefined;
export declare function boolValue(v: JSONValue | undefined): boolean | undefined;
export declare function arrayValue(v: JSONValue | undefined): JSONValue[] | undefined;
/** JSON equality: objects regardless of key order, strings code point by code point. */
export declare function jsonEqual(a: JSONValue | undefined, b: JSONValue | undefined): boolean;
/** Converts a plain JavaScript value (e.g. from `JSON.parse`) to the document tree. */
export declare function fromPlain(v: unknown): JSONValue;
/** Converts the document tree to plain JavaScript (objects without a prototype chain surprise). */
export declare function toPlain(v: JSONValue): unknown;
/** An RFC 6901 JSON Pointer: `""` is the whole document, `/tools/0/name` a field inside it. */
export declare class JSONPointer {
    readonly tokens: readonly string[];
    constructor(tokens?: readonly string[]);
    static readonly root: JSONPointer;
    /** Parses the textual form; null when it does not start with `/` (and is not empty). */
    static parse(text: string): JSONPointer | null;
    child(token: string | number): JSONPointer;
    hasPrefix(other: JSONPointer): boolean;
    toString(): string;
}
