import { DocumentLimits } from '../manifest/diagnostics';
import { JSONValue } from './value';
/**
 * A strict RFC 8259 parser over bytes: one value, no trailing commas, no comments, duplicate keys
 * refused, depth and value count bounded. `JSON.parse` is not used: it accepts duplicate keys
 * silently and tells nothing about where a problem is.
 */
export declare class JSONParser {
    private readonly bytes;
    private readonly limits;
    private index;
    private nodes;
    private constructor();
    static parse(bytes: Uint8Array, limits?: DocumentLimits): JSONValue;
    private syntax;
    private skipWhitespace;
    private countNode;
    private parseValue;
    private expectWord;
    private parseObject;
    private parseArray;
    private digits;
    private parseNumber;
    private hex4;
    private parseString;
}
