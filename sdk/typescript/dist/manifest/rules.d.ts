import { JSONPointer, JSONValue } from '../json/value';
import { Diagnostics } from './diagnostics';
import { ValidationContext } from './formats';
/** `(index, item)` of an array; nothing for anything else. */
export declare function items(value: JSONValue | undefined): [number, JSONValue][];
export declare function strings(value: JSONValue | undefined): string[];
/** Reports the second and later occurrences of a string in an array. */
export declare function duplicates(value: JSONValue | undefined, path: JSONPointer, d: Diagnostics): void;
export declare function duplicateNames(value: JSONValue | undefined, key: string, path: JSONPointer, what: string, d: Diagnostics): void;
/**
 * Rules of `marina/v1` that span several fields. They run on the native form of every manifest
 * (imported ones after conversion, paths mapped back). The tree may be malformed here.
 */
export declare function checkNativeRules(root: JSONValue, d: Diagnostics, context: ValidationContext): void;
