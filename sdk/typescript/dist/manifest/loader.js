"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.loadManifestFile = exports.readManifestBytes = exports.locateManifest = exports.ManifestFileError = exports.loadManifestDocument = exports.loadManifestText = exports.loadManifest = exports.parseDocument = exports.MANIFEST_FILE_NAMES = void 0;
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const canonical_1 = require("../json/canonical");
const parser_1 = require("../json/parser");
const text_1 = require("../json/text");
const value_1 = require("../json/value");
const composer_1 = require("../yaml/composer");
const diagnostics_1 = require("./diagnostics");
const linkworld_1 = require("./linkworld");
const native_1 = require("./native");
const opensail_1 = require("./opensail");
const provenance_1 = require("./provenance");
const rules_1 = require("./rules");
const scopes_1 = require("./scopes");
const shape_1 = require("./shape");
/** File names searched for, in order, when a directory is given. */
exports.MANIFEST_FILE_NAMES = ['marina.app.yaml', 'marina.app.yml', 'marina.app.json', 'linkworld.app.yaml', 'linkworld.app.yml', 'app.manifest.json'];
/** Reads bytes as one JSON or YAML document (by extension; `{` first means JSON otherwise). */
function parseDocument(bytes, fileName, limits = diagnostics_1.defaultLimits) {
    if (bytes.length > limits.maxBytes) {
        throw new diagnostics_1.DocumentError('document_too_large', value_1.JSONPointer.root, `document is ${bytes.length} bytes; the limit is ${limits.maxBytes}`);
    }
    (0, text_1.requireText)(bytes);
    const lower = (fileName ?? '').toLowerCase();
    const body = (0, text_1.hasBOM)(bytes) ? bytes.subarray(3) : bytes;
    let isJSON;
    if (lower.endsWith('.json'))
        isJSON = true;
    else if (lower.endsWith('.yaml') || lower.endsWith('.yml'))
        isJSON = false;
    else {
        let first = -1;
        for (const b of body) {
            if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) {
                first = b;
                break;
            }
        }
        isJSON = first === 0x7b;
    }
    return isJSON ? parser_1.JSONParser.parse(body, limits) : (0, composer_1.composeYAML)(body, limits);
}
exports.parseDocument = parseDocument;
/** Parses and validates a manifest; pure: bytes in, report out. */
function loadManifest(bytes, options = {}) {
    let document;
    try {
        document = parseDocument(bytes, options.fileName, options.limits ?? diagnostics_1.defaultLimits);
    }
    catch (e) {
        if (e instanceof diagnostics_1.DocumentError)
            return { format: null, diagnostics: [e.diagnostic], valid: false };
        throw e;
    }
    return loadManifestDocument(document, options.context);
}
exports.loadManifest = loadManifest;
function loadManifestText(text, options = {}) {
    return loadManifest(new TextEncoder().encode(text), options);
}
exports.loadManifestText = loadManifestText;
function detect(root) {
    const supported = 'Marina reads marina/v1, linkworld.ai/v2 and OpenSail manifest_schema_version 2025-02';
    const api = root.get('apiVersion');
    if (api !== undefined) {
        if (typeof api !== 'string')
            return { code: 'invalid_type', path: '/apiVersion', message: `expected string, got ${(0, value_1.typeName)(api)}` };
        if (api === native_1.NATIVE_API_VERSION)
            return 'marina/v1';
        if (api === linkworld_1.LINKWORLD_API_VERSION)
            return 'linkworld.ai/v2';
        return { code: 'unsupported_version', path: '/apiVersion', message: `apiVersion "${api}" is not supported; ${supported}` };
    }
    const version = root.get('manifest_schema_version');
    if (version !== undefined) {
        if (version === opensail_1.OPENSAIL_SCHEMA_VERSION)
            return 'opensail/2025-02';
        if (typeof version !== 'string') {
            return { code: 'invalid_type', path: '/manifest_schema_version', message: `expected string, got ${(0, value_1.typeName)(version)}` };
        }
        return { code: 'unsupported_version', path: '/manifest_schema_version', message: `manifest_schema_version "${version}" is not supported; ${supported}` };
    }
    return { code: 'missing_field', path: '/apiVersion', message: '"apiVersion" is required (apiVersion: marina/v1)' };
}
/** Validates a document tree and, when valid, builds its native form and hash. */
function loadManifestDocument(document, context = { catalog: scopes_1.ScopeCatalog.default }) {
    if (!(document instanceof Map)) {
        return { format: null, diagnostics: [{ code: 'invalid_type', path: '', message: `a manifest is an object (a mapping), not ${(0, value_1.typeName)(document)}` }], valid: false };
    }
    const detected = detect(document);
    if (typeof detected !== 'string')
        return { format: null, diagnostics: [detected], valid: false };
    const format = detected;
    const validator = new shape_1.ShapeValidator(context);
    let nativeTree;
    let provenance;
    switch (format) {
        case 'marina/v1':
            validator.check(document, native_1.nativeRootShape, value_1.JSONPointer.root);
            nativeTree = document;
            provenance = new provenance_1.Provenance();
            break;
        case 'linkworld.ai/v2':
            validator.check(document, shape_1.S.object(linkworld_1.linkworldShape), value_1.JSONPointer.root);
            [nativeTree, provenance] = (0, linkworld_1.convertLinkworld)(document);
            break;
        case 'opensail/2025-02':
            validator.check(document, shape_1.S.object(opensail_1.openSailShape), value_1.JSONPointer.root);
            (0, opensail_1.openSailExtraRules)(document, validator.diagnostics);
            [nativeTree, provenance] = (0, opensail_1.convertOpenSail)(document);
            break;
    }
    const diagnostics = validator.diagnostics;
    const rules = new diagnostics_1.Diagnostics();
    (0, rules_1.checkNativeRules)(nativeTree, rules, context);
    for (const d of rules.items)
        diagnostics.add(d.code, provenance.source(value_1.JSONPointer.parse(d.path) ?? value_1.JSONPointer.root), d.message);
    if (format !== 'marina/v1' && diagnostics.isEmpty) {
        // The conversion must yield a valid native manifest; if not, that is an importer bug, reported.
        const check = new shape_1.ShapeValidator(context);
        check.check(nativeTree, native_1.nativeRootShape, value_1.JSONPointer.root);
        for (const d of check.diagnostics.items) {
            diagnostics.add(d.code, provenance.source(value_1.JSONPointer.parse(d.path) ?? value_1.JSONPointer.root), 'after conversion to marina/v1: ' + d.message);
        }
    }
    if (!diagnostics.isEmpty)
        return { format, diagnostics: diagnostics.items, valid: false };
    return finish(nativeTree, format);
}
exports.loadManifestDocument = loadManifestDocument;
/** Integer fields the reference reads into a 64-bit `Int` without an upper bound of their own. */
function int64Problem(native) {
    const tooBig = (v) => typeof v === 'number' && Math.abs(v) >= 9223372036854775807;
    const agents = (0, value_1.member)(native, 'agents');
    if (Array.isArray(agents) && agents.some((a) => tooBig((0, value_1.member)(a, 'max_tokens')) || tooBig((0, value_1.member)(a, 'warm_pool_size'))))
        return true;
    return tooBig((0, value_1.member)((0, value_1.member)((0, value_1.member)(native, 'billing'), 'platform_fee'), 'trial_days'));
}
function finish(tree, format) {
    const native = (0, shape_1.normalize)(tree, native_1.nativeRootShape);
    if (int64Problem(native)) {
        return {
            format,
            diagnostics: [{ code: 'invalid_value', path: '', message: 'the manifest could not be read: an integer does not fit in 64 bits' }],
            valid: false,
        };
    }
    const canonical = (0, canonical_1.canonicalJSON)(native);
    return {
        format,
        diagnostics: [],
        valid: true,
        native,
        canonicalJSON: canonical,
        hash: 'sha256:' + (0, canonical_1.sha256Hex)(canonical),
        manifest: (0, value_1.toPlain)(native),
    };
}
/** A manifest file could not be found or read (the CLI's exit status 2). */
class ManifestFileError extends Error {
    constructor(message) {
        super(message);
        this.name = 'ManifestFileError';
    }
}
exports.ManifestFileError = ManifestFileError;
/** Resolves PATH (a manifest file or an app directory) to the manifest file. */
function locateManifest(path) {
    if (!(0, node_fs_1.existsSync)(path))
        throw new ManifestFileError(`${path}: no such file or directory`);
    if (!(0, node_fs_1.statSync)(path).isDirectory())
        return path;
    const found = exports.MANIFEST_FILE_NAMES.map((n) => (0, node_path_1.join)(path, n)).filter((p) => (0, node_fs_1.existsSync)(p));
    if (found.length === 0)
        throw new ManifestFileError(`${path}: no manifest found (looked for ${exports.MANIFEST_FILE_NAMES.join(', ')})`);
    return found[0];
}
exports.locateManifest = locateManifest;
/** Reads at most one byte more than the limit, so that a huge file is refused without loading it. */
function readManifestBytes(file, limit = diagnostics_1.defaultLimits.maxBytes) {
    let fd;
    try {
        fd = (0, node_fs_1.openSync)(file, 'r');
    }
    catch (e) {
        throw new ManifestFileError(`${file}: cannot be read: ${e.message}`);
    }
    try {
        const buffer = new Uint8Array(limit + 1);
        let total = 0;
        while (total < buffer.length) {
            const n = (0, node_fs_1.readSync)(fd, buffer, total, buffer.length - total, null);
            if (n === 0)
                break;
            total += n;
        }
        return buffer.subarray(0, total);
    }
    catch (e) {
        throw new ManifestFileError(`${file}: cannot be read: ${e.message}`);
    }
    finally {
        (0, node_fs_1.closeSync)(fd);
    }
}
exports.readManifestBytes = readManifestBytes;
/** Loads a manifest file (or an app directory's manifest). Throws `ManifestFileError` when unreadable. */
function loadManifestFile(path, options = {}) {
    const file = locateManifest(path);
    const bytes = readManifestBytes(file);
    return { file, ...loadManifest(bytes, { ...options, fileName: (0, node_path_1.basename)(file) }) };
}
exports.loadManifestFile = loadManifestFile;
