import { JSONPointer, JSONValue } from '../json/value';
import { Diagnostics } from './diagnostics';
import { StringFormat, ValidationContext } from './formats';
/**
 * A declarative description of a manifest format: fields, types, limits, defaults and formats.
 * One description drives validation and the filling of defaults.
 */
export declare type Shape = {
    kind: 'string';
    format?: StringFormat;
    minLength?: number;
    maxLength?: number;
} | {
    kind: 'integer';
    min?: number;
    max?: number;
    allowed?: number[];
} | {
    kind: 'number';
    min?: number;
    max?: number;
} | {
    kind: 'boolean';
} | {
    kind: 'enumeration';
    options: string[];
} | {
    kind: 'array';
    item: Shape;
    minItems: number;
    maxItems?: number;
} | {
    kind: 'object';
    object: ObjectShape;
} | {
    kind: 'map';
    value: Shape;
    keyFormat?: StringFormat;
} | {
    kind: 'jsonSchema';
} | {
    kind: 'any';
} | {
    kind: 'nullable';
    inner: Shape;
} | {
    kind: 'either';
    alternatives: Shape[];
};
export interface FieldSpec {
    name: string;
    shape: Shape;
    required: boolean;
    defaultValue?: JSONValue;
}
export interface ObjectShape {
    name: string;
    fields: FieldSpec[];
    allowsUnknownFields: boolean;
}
export declare const S: {
    string: (format?: StringFormat, opts?: {
        minLength?: number;
        maxLength?: number;
    }) => Shape;
    integer: (opts?: {
        min?: number;
        max?: number;
        allowed?: number[];
    }) => Shape;
    number: (opts?: {
        min?: number;
        max?: number;
    }) => Shape;
    boolean: Shape;
    enumeration: (options: string[]) => Shape;
    array: (item: Shape, opts?: {
        minItems?: number;
        maxItems?: number;
    }) => Shape;
    object: (object: ObjectShape) => Shape;
    map: (value: Shape, keyFormat?: StringFormat) => Shape;
    jsonSchema: Shape;
    any: Shape;
    nullable: (inner: Shape) => Shape;
    either: (alternatives: Shape[]) => Shape;
};
export declare function objectShape(name: string, fields: FieldSpec[], allowsUnknownFields?: boolean): ObjectShape;
export declare function field(name: string, shape: Shape, defaultValue?: JSONValue): FieldSpec;
export declare function required(name: string, shape: Shape): FieldSpec;
/** Walks a document against a shape, reporting every problem with a JSON Pointer to it. */
export declare class ShapeValidator {
    private readonly context;
    readonly diagnostics: Diagnostics;
    constructor(context: ValidationContext);
    check(value: JSONValue, shape: Shape, path: JSONPointer): void;
    private checkObject;
    /** Tool schemas: `type` names real types, `properties` an object of schemas, `required` strings. */
    private checkSchema;
    private typeMismatch;
}
export declare function accepts(shape: Shape, value: JSONValue): boolean;
export declare function shapeTypeName(shape: Shape): string;
/** Fills defaults into a valid document and orders object keys as the shape lists them. */
export declare function normalize(value: JSONValue, shape: Shape): JSONValue;
export declare function cloneJSON(v: JSONValue): JSONValue;
