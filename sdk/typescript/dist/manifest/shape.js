"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.cloneJSON = exports.normalize = exports.shapeTypeName = exports.accepts = exports.ShapeValidator = exports.required = exports.field = exports.objectShape = exports.S = void 0;
const canonical_1 = require("../json/canonical");
const value_1 = require("../json/value");
const diagnostics_1 = require("./diagnostics");
const formats_1 = require("./formats");
const scopes_1 = require("./scopes");
// Builders, named after the reference's.
exports.S = {
    string: (format, opts = {}) => ({ kind: 'string', format, ...opts }),
    integer: (opts = {}) => ({ kind: 'integer', ...opts }),
    number: (opts = {}) => ({ kind: 'number', ...opts }),
    boolean: { kind: 'boolean' },
    enumeration: (options) => ({ kind: 'enumeration', options }),
    array: (item, opts = {}) => ({ kind: 'array', item, minItems: opts.minItems ?? 0, maxItems: opts.maxItems }),
    object: (object) => ({ kind: 'object', object }),
    map: (value, keyFormat) => ({ kind: 'map', value, keyFormat }),
    jsonSchema: { kind: 'jsonSchema' },
    any: { kind: 'any' },
    nullable: (inner) => ({ kind: 'nullable', inner }),
    either: (alternatives) => ({ kind: 'either', alternatives }),
};
function objectShape(name, fields, allowsUnknownFields = false) {
    return { name, fields, allowsUnknownFields };
}
exports.objectShape = objectShape;
function field(name, shape, defaultValue) {
    return { name, shape, required: false, defaultValue };
}
exports.field = field;
function required(name, shape) {
    return { name, shape, required: true };
}
exports.required = required;
function findField(shape, name) {
    return shape.fields.find((f) => f.name === name);
}
function codePointLength(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
            const d = s.charCodeAt(i + 1);
            if (d >= 0xdc00 && d <= 0xdfff)
                i++;
        }
        n++;
    }
    return n;
}
/** Walks a document against a shape, reporting every problem with a JSON Pointer to it. */
class ShapeValidator {
    context;
    diagnostics = new diagnostics_1.Diagnostics();
    constructor(context) {
        this.context = context;
    }
    check(value, shape, path) {
        const d = this.diagnostics;
        switch (shape.kind) {
            case 'string': {
                if (typeof value !== 'string')
                    return this.typeMismatch('string', value, path);
                const length = codePointLength(value);
                if (shape.minLength !== undefined && length < shape.minLength) {
                    d.add('invalid_value', path, shape.minLength === 1 ? 'must not be empty' : `must be at least ${shape.minLength} characters long`);
                }
                if (shape.maxLength !== undefined && length > shape.maxLength) {
                    d.add('invalid_value', path, `is ${length} characters long; the limit is ${shape.maxLength}`);
                }
                if (shape.format) {
                    const problem = (0, formats_1.checkFormat)(shape.format, value, this.context);
                    if (problem)
                        d.add(problem[0], path, problem[1]);
                }
                return;
            }
            case 'integer': {
                if (typeof value !== 'number' || !Number.isInteger(value))
                    return this.typeMismatch('integer', value, path);
                if (shape.allowed && !shape.allowed.includes(value))
                    d.add('invalid_value', path, `must be one of ${shape.allowed.join(', ')}`);
                if (shape.min !== undefined && value < shape.min)
                    d.add('invalid_value', path, `${(0, canonical_1.formatNumber)(value)} is below the minimum ${shape.min}`);
                if (shape.max !== undefined && value > shape.max)
                    d.add('invalid_value', path, `${(0, canonical_1.formatNumber)(value)} is above the maximum ${shape.max}`);
                return;
            }
            case 'number': {
                if (typeof value !== 'number')
                    return this.typeMismatch('number', value, path);
                if (shape.min !== undefined && value < shape.min)
                    d.add('invalid_value', path, `${(0, canonical_1.formatNumber)(value)} is below the minimum ${(0, canonical_1.formatNumber)(shape.min)}`);
                if (shape.max !== undefined && value > shape.max)
                    d.add('invalid_value', path, `${(0, canonical_1.formatNumber)(value)} is above the maximum ${(0, canonical_1.formatNumber)(shape.max)}`);
                return;
            }
            case 'boolean':
                if (typeof value !== 'boolean')
                    this.typeMismatch('boolean', value, path);
                return;
            case 'enumeration':
                if (typeof value !== 'string')
                    return this.typeMismatch('string', value, path);
                if (!shape.options.includes(value))
                    d.add('invalid_value', path, `"${value}" is not one of ${shape.options.map((o) => `"${o}"`).join(', ')}`);
                return;
            case 'array': {
                if (!Array.isArray(value))
                    return this.typeMismatch('array', value, path);
                if (value.length < shape.minItems)
                    d.add('invalid_value', path, `needs at least ${shape.minItems} item${shape.minItems === 1 ? '' : 's'}`);
                if (shape.maxItems !== undefined && value.length > shape.maxItems)
                    d.add('invalid_value', path, `has ${value.length} items; the limit is ${shape.maxItems}`);
                value.forEach((v, i) => this.check(v, shape.item, path.child(i)));
                return;
            }
            case 'object':
                if (!(value instanceof Map))
                    return this.typeMismatch('object', value, path);
                return this.checkObject(value, shape.object, path);
            case 'map':
                if (!(value instanceof Map))
                    return this.typeMismatch('object', value, path);
                for (const [key, v] of value) {
                    if (shape.keyFormat) {
                        const problem = (0, formats_1.checkFormat)(shape.keyFormat, key, this.context);
                        if (problem)
                            d.add(problem[0], path.child(key), problem[1]);
                    }
                    this.check(v, shape.value, path.child(key));
                }
                return;
            case 'jsonSchema':
                if (!(value instanceof Map))
                    return this.typeMismatch('object', value, path);
                return this.checkSchema(value, path);
            case 'any':
                return;
            case 'nullable':
                if (value === null)
                    return;
                return this.check(value, shape.inner, path);
            case 'either': {
                const match = shape.alternatives.find((a) => accepts(a, value));
                if (match)
                    return this.check(value, match, path);
                d.add('invalid_type', path, `expected ${shape.alternatives.map(shapeTypeName).join(' or ')}, got ${(0, value_1.typeName)(value)}`);
                return;
            }
        }
    }
    checkObject(o, shape, path) {
        if (!shape.allowsUnknownFields) {
            for (const key of o.keys()) {
                if (findField(shape, key))
                    continue;
                let hint;
                for (const f of shape.fields) {
                    const dist = (0, scopes_1.editDistance)(f.name, key);
                    if (!hint || dist < hint[1])
                        hint = [f.name, dist];
                }
                const suggestion = hint && hint[1] <= Math.max(2, Math.floor(codePointLength(key) / 3)) ? `; did you mean "${hint[0]}"?` : '';
                this.diagnostics.add('unknown_field', path.child(key), `unknown field "${key}"${suggestion}`);
            }
        }
        for (const f of shape.fields) {
            const v = o.get(f.name);
            if (v !== undefined)
                this.check(v, f.shape, path.child(f.name));
            else if (f.required)
                this.diagnostics.add('missing_field', path.child(f.name), `"${f.name}" is required`);
        }
    }
    /** Tool schemas: `type` names real types, `properties` an object of schemas, `required` strings. */
    checkSchema(o, path) {
        const types = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
        const t = o.get('type');
        if (t !== undefined) {
            const ok = (typeof t === 'string' && types.includes(t)) ||
                (Array.isArray(t) && t.length > 0 && t.every((x) => typeof x === 'string' && types.includes(x)));
            if (!ok)
                this.diagnostics.add('invalid_value', path.child('type'), 'is not a JSON Schema type');
        }
        const p = o.get('properties');
        if (p !== undefined) {
            if (!(p instanceof Map)) {
                this.diagnostics.add('invalid_type', path.child('properties'), `expected object, got ${(0, value_1.typeName)(p)}`);
                return;
            }
            for (const [name, sub] of p) {
                if (!(sub instanceof Map)) {
                    if (typeof sub === 'boolean')
                        continue;
                    this.diagnostics.add('invalid_type', path.child('properties').child(name), `expected a schema object, got ${(0, value_1.typeName)(sub)}`);
                    continue;
                }
                this.checkSchema(sub, path.child('properties').child(name));
            }
        }
        const r = o.get('required');
        if (r !== undefined) {
            if (!(Array.isArray(r) && r.every((x) => typeof x === 'string'))) {
                this.diagnostics.add('invalid_type', path.child('required'), 'expected an array of strings');
                return;
            }
        }
        const items = o.get('items');
        if (items instanceof Map)
            this.checkSchema(items, path.child('items'));
    }
    typeMismatch(expected, value, path) {
        let message = `expected ${expected}, got ${(0, value_1.typeName)(value)}`;
        if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean'))
            message += ' (quote the value to make it a string)';
        if (expected === 'integer' && typeof value === 'number')
            message = 'expected integer, got a number with a fraction';
        this.diagnostics.add('invalid_type', path, message);
    }
}
exports.ShapeValidator = ShapeValidator;
function accepts(shape, value) {
    switch (shape.kind) {
        case 'string':
        case 'enumeration':
            return typeof value === 'string';
        case 'boolean':
            return typeof value === 'boolean';
        case 'number':
            return typeof value === 'number';
        case 'integer':
            return typeof value === 'number' && Number.isInteger(value);
        case 'array':
            return Array.isArray(value);
        case 'object':
        case 'map':
        case 'jsonSchema':
            return value instanceof Map;
        case 'any':
            return true;
        case 'nullable':
            return value === null || accepts(shape.inner, value);
        case 'either':
            return shape.alternatives.some((a) => accepts(a, value));
    }
}
exports.accepts = accepts;
function shapeTypeName(shape) {
    switch (shape.kind) {
        case 'string':
        case 'enumeration':
            return 'string';
        case 'integer':
            return 'integer';
        case 'number':
            return 'number';
        case 'boolean':
            return 'boolean';
        case 'array':
            return 'array';
        case 'object':
        case 'map':
        case 'jsonSchema':
            return 'object';
        case 'any':
            return 'any value';
        case 'nullable':
            return shapeTypeName(shape.inner) + ' or null';
        case 'either':
            return shape.alternatives.map(shapeTypeName).join(' or ');
    }
}
exports.shapeTypeName = shapeTypeName;
/** Fills defaults into a valid document and orders object keys as the shape lists them. */
function normalize(value, shape) {
    switch (shape.kind) {
        case 'object': {
            if (!(value instanceof Map))
                return value;
            const out = new Map();
            for (const f of shape.object.fields) {
                const v = value.get(f.name);
                if (v !== undefined)
                    out.set(f.name, normalize(v, f.shape));
                else if (f.defaultValue !== undefined)
                    out.set(f.name, normalize(cloneJSON(f.defaultValue), f.shape));
            }
            for (const [k, v] of value)
                if (!findField(shape.object, k))
                    out.set(k, v);
            return out;
        }
        case 'array':
            return Array.isArray(value) ? value.map((v) => normalize(v, shape.item)) : value;
        case 'map':
            return value instanceof Map ? new Map([...value].map(([k, v]) => [k, normalize(v, shape.value)])) : value;
        case 'nullable':
            return value === null ? null : normalize(value, shape.inner);
        case 'either': {
            const match = shape.alternatives.find((a) => accepts(a, value));
            return match ? normalize(value, match) : value;
        }
        default:
            return value;
    }
}
exports.normalize = normalize;
function cloneJSON(v) {
    if (Array.isArray(v))
        return v.map(cloneJSON);
    if (v instanceof Map)
        return new Map([...v].map(([k, x]) => [k, cloneJSON(x)]));
    return v;
}
exports.cloneJSON = cloneJSON;
