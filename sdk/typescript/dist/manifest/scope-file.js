"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.extendScopeCatalog = void 0;
const value_1 = require("../json/value");
const diagnostics_1 = require("./diagnostics");
const loader_1 = require("./loader");
const rules_1 = require("./rules");
const scopes_1 = require("./scopes");
const shape_1 = require("./shape");
const scopeFileShape = shape_1.S.object((0, shape_1.objectShape)('ScopeCatalogFile', [
    (0, shape_1.required)('scopes', shape_1.S.array(shape_1.S.object((0, shape_1.objectShape)('ScopeDefinition', [
        (0, shape_1.required)('name', shape_1.S.string('nonEmpty', { maxLength: 128 })),
        (0, shape_1.required)('description', shape_1.S.string(undefined, { minLength: 1, maxLength: 1000 })),
        (0, shape_1.field)('tools', shape_1.S.array(shape_1.S.string('toolName')), []),
    ])), { maxItems: 1000 })),
]));
/**
 * An operator's extension of the scope catalog (YAML or JSON `{scopes: [{name, description,
 * tools}]}`): the extended catalog, or every problem found in the file.
 */
function extendScopeCatalog(base, bytes, fileName) {
    let document;
    try {
        document = (0, loader_1.parseDocument)(bytes, fileName);
    }
    catch (e) {
        if (e instanceof diagnostics_1.DocumentError)
            return [e.diagnostic];
        throw e;
    }
    const validator = new shape_1.ShapeValidator({ catalog: base });
    validator.check(document, scopeFileShape, value_1.JSONPointer.root);
    const d = validator.diagnostics;
    const scopes = [...base.scopes];
    const toolOwner = new Map();
    for (const s of base.scopes)
        for (const t of s.tools)
            toolOwner.set(t, s.name);
    for (const [i, item] of (0, rules_1.items)((0, value_1.member)(document, 'scopes'))) {
        const name = (0, value_1.stringValue)((0, value_1.member)(item, 'name'));
        const description = (0, value_1.stringValue)((0, value_1.member)(item, 'description'));
        if (name === undefined || description === undefined)
            continue;
        const path = value_1.JSONPointer.root.child('scopes').child(i);
        if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(name)) {
            d.add('invalid_value', path.child('name'), `"${name}" is not a scope name: dot-separated lowercase words, like crm.read`);
        }
        if (scopes.some((s) => s.name === name)) {
            d.add('duplicate_name', path.child('name'), `the scope "${name}" is already defined`);
            continue;
        }
        const tools = (0, rules_1.strings)((0, value_1.member)(item, 'tools'));
        tools.forEach((tool, j) => {
            const owner = toolOwner.get(tool);
            if (owner !== undefined)
                d.add('duplicate_name', path.child('tools').child(j), `the tool "${tool}" is already gated by "${owner}"`);
            else
                toolOwner.set(tool, name);
        });
        scopes.push({ name, description, tools });
    }
    return d.isEmpty ? new scopes_1.ScopeCatalog(scopes) : d.items;
}
exports.extendScopeCatalog = extendScopeCatalog;
