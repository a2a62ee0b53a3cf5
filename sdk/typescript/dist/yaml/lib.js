"use strict";
// Loads eemeli/yaml (Debian package `node-yaml`, installed under /usr/share/nodejs/yaml).
// `require('yaml')` works when NODE_PATH includes /usr/share/nodejs or when node_modules/yaml
// exists (scripts/build-and-test links it); otherwise the Debian location is used directly.
Object.defineProperty(exports, "__esModule", { value: true });
exports.yamlLibrary = void 0;
let cached;
function yamlLibrary() {
    if (cached)
        return cached;
    const errors = [];
    for (const id of ['yaml', '/usr/share/nodejs/yaml']) {
        try {
            cached = require(id);
            return cached;
        }
        catch (e) {
            errors.push(`${id}: ${e.message}`);
        }
    }
    throw new Error('the yaml package (Debian: node-yaml) cannot be loaded: ' + errors.join('; '));
}
exports.yamlLibrary = yamlLibrary;
