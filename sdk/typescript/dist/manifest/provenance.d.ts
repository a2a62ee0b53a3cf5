import { JSONPointer } from '../json/value';
/**
 * Where each field of a converted manifest came from, so that a rule broken in the native form
 * is reported at the field the author wrote.
 */
export declare class Provenance {
    private readonly pairs;
    map(native: JSONPointer, source: JSONPointer): void;
    /** The source pointer of the longest mapped prefix (the first such), extended by the rest. */
    source(native: JSONPointer): JSONPointer;
}
