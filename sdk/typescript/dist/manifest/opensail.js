"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.convertOpenSail = exports.openSailExtraRules = exports.openSailShape = exports.OPENSAIL_SCHEMA_VERSION = void 0;
const value_1 = require("../json/value");
const formats_1 = require("./formats");
const native_1 = require("./native");
const provenance_1 = require("./provenance");
const rules_1 = require("./rules");
const scopes_1 = require("./scopes");
const shape_1 = require("./shape");
/** OpenSail's app manifest, `manifest_schema_version: "2025-02"`. */
exports.OPENSAIL_SCHEMA_VERSION = '2025-02';
const dimension = (0, shape_1.objectShape)('OpenSailDimensionBilling', [
    (0, shape_1.required)('payer', shape_1.S.enumeration(['creator', 'platform', 'installer', 'byok'])),
    (0, shape_1.field)('markup_pct', shape_1.S.number({ min: 0 }), 0),
    (0, shape_1.field)('cap_usd_per_session', shape_1.S.number({ min: 0 })),
    (0, shape_1.field)('cap_usd_per_month_per_install', shape_1.S.number({ min: 0 })),
    (0, shape_1.field)('on_cap', shape_1.S.enumeration(['pause', 'degrade', 'notify-only']), 'pause'),
    (0, shape_1.field)('free_tier', shape_1.S.object((0, shape_1.objectShape)('OpenSailFreeTier', [(0, shape_1.field)('cpu_seconds_per_month', shape_1.S.integer({ min: 0 })), (0, shape_1.field)('volume_gb', shape_1.S.number({ min: 0 }))], true))),
]);
const container = (0, shape_1.objectShape)('OpenSailContainer', [
    (0, shape_1.required)('name', shape_1.S.string(undefined, { minLength: 1, maxLength: 64 })),
    (0, shape_1.required)('image', shape_1.S.string('image', { maxLength: 512 })),
    (0, shape_1.field)('primary', shape_1.S.boolean, false),
    (0, shape_1.field)('ports', shape_1.S.array(shape_1.S.integer({ min: 1, max: 65535 })), []),
    (0, shape_1.field)('env', shape_1.S.map(shape_1.S.string('openSailEnvValue', { maxLength: 32768 }), 'envName'), new Map()),
    (0, shape_1.field)('startup_command', shape_1.S.string('nonEmpty', { maxLength: 8192 })),
    (0, shape_1.field)('resources', shape_1.S.map(shape_1.S.any)),
], true);
exports.openSailShape = (0, shape_1.objectShape)('OpenSailManifest', [
    (0, shape_1.required)('manifest_schema_version', shape_1.S.enumeration([exports.OPENSAIL_SCHEMA_VERSION])),
    (0, shape_1.required)('app', shape_1.S.object((0, shape_1.objectShape)('OpenSailApp', [
        (0, shape_1.required)('id', shape_1.S.string('reverseDNS')),
        (0, shape_1.required)('name', shape_1.S.string(undefined, { minLength: 1, maxLength: 120 })),
        (0, shape_1.required)('slug', shape_1.S.string('openSailSlug')),
        (0, shape_1.field)('creator_id', shape_1.S.nullable(shape_1.S.string('uuid'))),
        (0, shape_1.required)('version', shape_1.S.string('semver')),
        (0, shape_1.field)('description', shape_1.S.string(undefined, { maxLength: 4000 })),
        (0, shape_1.field)('category', shape_1.S.string(undefined, { maxLength: 64 })),
        (0, shape_1.field)('icon_ref', shape_1.S.nullable(shape_1.S.string(undefined, { maxLength: 2048 }))),
        (0, shape_1.field)('changelog', shape_1.S.string(undefined, { maxLength: 8000 })),
        (0, shape_1.field)('forkable', shape_1.S.enumeration(['true', 'restricted', 'no']), 'restricted'),
        (0, shape_1.field)('forked_from', shape_1.S.nullable(shape_1.S.string('appRef'))),
    ]))),
    (0, shape_1.field)('source_visibility', shape_1.S.object((0, shape_1.objectShape)('OpenSailSourceVisibility', [
        (0, shape_1.field)('level', shape_1.S.enumeration(['public', 'installers', 'private']), 'installers'),
        (0, shape_1.field)('excluded_paths', shape_1.S.array(shape_1.S.string()), ['.env*', 'secrets/**', '.git/**', '.tesslate/internal/**']),
        (0, shape_1.field)('manifest_always_public', shape_1.S.boolean, true),
    ]))),
    (0, shape_1.required)('compatibility', shape_1.S.object((0, shape_1.objectShape)('OpenSailCompatibility', [
        (0, shape_1.required)('studio', shape_1.S.object((0, shape_1.objectShape)('OpenSailStudio', [(0, shape_1.required)('min', shape_1.S.string()), (0, shape_1.field)('max', shape_1.S.string())]))),
        (0, shape_1.required)('manifest_schema', shape_1.S.enumeration([exports.OPENSAIL_SCHEMA_VERSION])),
        (0, shape_1.required)('runtime_api', shape_1.S.string(undefined, { maxLength: 64 })),
        (0, shape_1.field)('required_features', shape_1.S.array(shape_1.S.string()), []),
    ]))),
    (0, shape_1.required)('surfaces', shape_1.S.array(shape_1.S.object((0, shape_1.objectShape)('OpenSailSurface', [
        (0, shape_1.required)('kind', shape_1.S.enumeration(['ui', 'chat', 'scheduled', 'triggered', 'mcp-tool'])),
        (0, shape_1.field)('entrypoint', shape_1.S.string(undefined, { maxLength: 1024 })),
        (0, shape_1.field)('name', shape_1.S.string(undefined, { maxLength: 120 })),
        (0, shape_1.field)('description', shape_1.S.string(undefined, { maxLength: 4000 })),
        (0, shape_1.field)('tool_schema', shape_1.S.jsonSchema),
    ])), { maxItems: 256 })),
    (0, shape_1.field)('compute', shape_1.S.object((0, shape_1.objectShape)('OpenSailCompute', [
        (0, shape_1.field)('tier', shape_1.S.integer({ allowed: [0, 1, 2] }), 0),
        (0, shape_1.field)('model', shape_1.S.enumeration(['always-on', 'job-only']), 'always-on'),
        (0, shape_1.field)('compute_model', shape_1.S.enumeration(['per-invocation', 'per-installer', 'shared-singleton']), 'per-invocation'),
        (0, shape_1.field)('containers', shape_1.S.array(shape_1.S.object(container), { maxItems: 16 })),
        (0, shape_1.field)('connections', shape_1.S.array(shape_1.S.object(native_1.connection), { maxItems: 64 }), []),
        (0, shape_1.field)('hosted_agents', shape_1.S.array(shape_1.S.object(native_1.agent), { maxItems: 32 })),
    ]))),
    (0, shape_1.required)('state', shape_1.S.object(native_1.state)),
    (0, shape_1.field)('connectors', shape_1.S.array(shape_1.S.object(native_1.connector), { maxItems: 64 })),
    (0, shape_1.field)('schedules', shape_1.S.array(shape_1.S.object((0, shape_1.objectShape)('OpenSailSchedule', [
        (0, shape_1.required)('name', shape_1.S.string('eventName')),
        (0, shape_1.field)('default_cron', shape_1.S.string('cron')),
        (0, shape_1.field)('entrypoint', shape_1.S.string(undefined, { maxLength: 1024 })),
        (0, shape_1.field)('execution', shape_1.S.enumeration(['job', 'http-post']), 'job'),
        (0, shape_1.field)('trigger_kind', shape_1.S.enumeration(['cron', 'webhook']), 'cron'),
        (0, shape_1.field)('editable', shape_1.S.boolean, true),
        (0, shape_1.field)('optional', shape_1.S.boolean, true),
    ])), { maxItems: 64 })),
    (0, shape_1.field)('migrations', shape_1.S.array(shape_1.S.object(native_1.migration))),
    (0, shape_1.required)('billing', shape_1.S.object((0, shape_1.objectShape)('OpenSailBilling', [
        (0, shape_1.required)('ai_compute', shape_1.S.object(dimension)),
        (0, shape_1.required)('general_compute', shape_1.S.object(dimension)),
        (0, shape_1.required)('platform_fee', shape_1.S.object(native_1.platformFee)),
        (0, shape_1.field)('promotional_budget', shape_1.S.object((0, shape_1.objectShape)('OpenSailPromotionalBudget', [
            (0, shape_1.field)('fund_usd', shape_1.S.number({ min: 0 }), 0),
            (0, shape_1.field)('covers', shape_1.S.array(shape_1.S.enumeration(['ai_compute', 'general_compute', 'platform_fee']))),
            (0, shape_1.field)('on_exhaust', shape_1.S.enumeration(['disable', 'flip_to_installer', 'degrade_to_free']), 'flip_to_installer'),
        ]))),
    ]))),
    (0, shape_1.required)('listing', shape_1.S.object((0, shape_1.objectShape)('OpenSailListing', [
        (0, shape_1.required)('visibility', shape_1.S.string('visibility')),
        (0, shape_1.field)('update_policy_default', shape_1.S.enumeration(['manual', 'patch-auto', 'minor-auto', 'pinned']), 'manual'),
        (0, shape_1.field)('minimum_rollback_version', shape_1.S.string('semver')),
    ]))),
    (0, shape_1.field)('eval_scenarios', shape_1.S.array(shape_1.S.object((0, shape_1.objectShape)('OpenSailEvalScenario', [
        (0, shape_1.required)('entrypoint', shape_1.S.string(undefined, { minLength: 1, maxLength: 1024 })),
        (0, shape_1.required)('input', shape_1.S.any),
        (0, shape_1.required)('expected_behavior', shape_1.S.string(undefined, { minLength: 1, maxLength: 4000 })),
    ])), { minItems: 3, maxItems: 200 })),
]);
/** An `mcp-tool` surface becomes a tool, so it needs a tool's name. */
function openSailExtraRules(root, d) {
    for (const [i, surface] of (0, rules_1.items)((0, value_1.member)(root, 'surfaces'))) {
        if ((0, value_1.stringValue)((0, value_1.member)(surface, 'kind')) !== 'mcp-tool')
            continue;
        const path = value_1.JSONPointer.root.child('surfaces').child(i).child('name');
        const name = (0, value_1.member)(surface, 'name');
        if (name === undefined) {
            d.add('missing_field', path, 'an mcp-tool surface needs a name: it becomes the tool\'s name');
            continue;
        }
        if (typeof name === 'string') {
            const problem = (0, formats_1.checkFormat)('toolName', name, { catalog: scopes_1.ScopeCatalog.default });
            if (problem)
                d.add(problem[0], path, problem[1]);
        }
    }
}
exports.openSailExtraRules = openSailExtraRules;
function set(o, key, v) {
    if (v === undefined)
        o.delete(key);
    else
        o.set(key, v);
}
/** OpenSail's `startup_command` is a shell command line; Marina's `command` an argument vector. */
function shellCommand(value) {
    return typeof value === 'string' ? ['/bin/sh', '-c', value] : value;
}
function rewriteSecrets(env) {
    if (!(env instanceof Map))
        return env;
    return new Map([...env].map(([k, v]) => [k, typeof v === 'string' ? (0, formats_1.openSailToNative)(v) : v]));
}
/** Converts a (possibly invalid) OpenSail document to `marina/v1`, best-effort. */
function convertOpenSail(source) {
    const src = (0, shape_1.normalize)(source, shape_1.S.object(exports.openSailShape));
    const p = new provenance_1.Provenance();
    const root = value_1.JSONPointer.root;
    const out = new Map();
    out.set('apiVersion', native_1.NATIVE_API_VERSION);
    p.map(root.child('apiVersion'), root.child('manifest_schema_version'));
    const a = (0, value_1.member)(src, 'app');
    const app = new Map();
    p.map(root.child('app'), root.child('app'));
    for (const [native, theirs] of [
        ['id', 'slug'],
        ['name', 'name'],
        ['version', 'version'],
        ['description', 'description'],
        ['category', 'category'],
        ['icon', 'icon_ref'],
        ['changelog', 'changelog'],
        ['forked_from', 'forked_from'],
        ['qualified_id', 'id'],
        ['creator_id', 'creator_id'],
    ]) {
        const v = (0, value_1.member)(a, theirs);
        if (v === undefined || v === null)
            continue;
        app.set(native, v);
        p.map(root.child('app').child(native), root.child('app').child(theirs));
    }
    const forkable = (0, value_1.member)(a, 'forkable');
    if (forkable !== undefined)
        app.set('forkable', forkable === 'true' ? 'yes' : forkable);
    out.set('app', app);
    const runtime = new Map();
    p.map(root.child('runtime'), root.child('compute'));
    const tools = [];
    const surfaces = [];
    for (const [i, surface] of (0, rules_1.items)((0, value_1.member)(src, 'surfaces'))) {
        if (!(surface instanceof Map))
            continue;
        if (surface.get('kind') === 'mcp-tool') {
            const tool = new Map();
            for (const [native, theirs] of [
                ['name', 'name'],
                ['description', 'description'],
                ['input_schema', 'tool_schema'],
                ['entrypoint', 'entrypoint'],
            ]) {
                p.map(root.child('tools').child(tools.length).child(native), root.child('surfaces').child(i).child(theirs));
                const v = surface.get(theirs);
                if (v !== undefined)
                    tool.set(native, v);
            }
            p.map(root.child('tools').child(tools.length), root.child('surfaces').child(i));
            tools.push(tool);
        }
        else {
            p.map(root.child('surfaces').child(surfaces.length), root.child('surfaces').child(i));
            surfaces.push(surface);
        }
    }
    out.set('tools', tools);
    if (surfaces.length > 0)
        out.set('surfaces', surfaces);
    const compute = (0, value_1.member)(src, 'compute');
    if (compute !== undefined) {
        for (const key of ['tier', 'model', 'compute_model']) {
            const v = (0, value_1.member)(compute, key);
            if (v !== undefined) {
                runtime.set(key, v);
                p.map(root.child('runtime').child(key), root.child('compute').child(key));
            }
        }
        const list = (0, value_1.member)(compute, 'containers');
        if (Array.isArray(list)) {
            p.map(root.child('containers'), root.child('compute').child('containers'));
            const containers = [];
            list.forEach((item, i) => {
                if (!(item instanceof Map)) {
                    containers.push(item);
                    return;
                }
                const from = root.child('compute').child('containers').child(i);
                p.map(root.child('containers').child(i), from);
                const native = new Map();
                const extensions = new Map();
                for (const [key, value] of item) {
                    switch (key) {
                        case 'name':
                        case 'image':
                        case 'primary':
                        case 'ports':
                        case 'resources':
                            native.set(key, value);
                            break;
                        case 'env':
                            native.set('env', rewriteSecrets(value));
                            break;
                        case 'startup_command':
                            native.set('command', shellCommand(value));
                            break;
                        default:
                            extensions.set(key, value);
                    }
                }
                p.map(root.child('containers').child(i).child('command'), from.child('startup_command'));
                if (extensions.size > 0) {
                    native.set('extensions', extensions);
                    p.map(root.child('containers').child(i).child('extensions'), from);
                }
                containers.push(native);
                if (item.get('primary') === true) {
                    set(runtime, 'image', item.get('image'));
                    p.map(root.child('runtime').child('image'), from.child('image'));
                    const command = item.get('startup_command');
                    if (command !== undefined) {
                        runtime.set('command', shellCommand(command));
                        p.map(root.child('runtime').child('command'), from.child('startup_command'));
                    }
                    const ports = item.get('ports');
                    if (Array.isArray(ports) && ports.length > 0) {
                        runtime.set('port', ports[0]);
                        p.map(root.child('runtime').child('port'), from.child('ports').child(0));
                    }
                    const env = item.get('env');
                    if (env !== undefined) {
                        runtime.set('env', rewriteSecrets(env));
                        p.map(root.child('runtime').child('env'), from.child('env'));
                    }
                }
            });
            out.set('containers', containers);
        }
        const connections = (0, value_1.member)(compute, 'connections');
        if (connections !== undefined && !(0, value_1.jsonEqual)(connections, [])) {
            out.set('connections', connections);
            p.map(root.child('connections'), root.child('compute').child('connections'));
        }
        const agents = (0, value_1.member)(compute, 'hosted_agents');
        if (agents !== undefined) {
            out.set('agents', agents);
            p.map(root.child('agents'), root.child('compute').child('hosted_agents'));
        }
    }
    out.set('runtime', runtime);
    for (const [native, theirs] of [
        ['state', 'state'],
        ['connectors', 'connectors'],
        ['migrations', 'migrations'],
        ['billing', 'billing'],
        ['listing', 'listing'],
        ['eval_scenarios', 'eval_scenarios'],
        ['source', 'source_visibility'],
    ]) {
        const v = (0, value_1.member)(src, theirs);
        if (v === undefined)
            continue;
        out.set(native, v);
        p.map(root.child(native), root.child(theirs));
    }
    const compatibility = (0, value_1.member)(src, 'compatibility');
    if (compatibility !== undefined) {
        const c = new Map();
        const studio = (0, value_1.member)(compatibility, 'studio');
        if (studio !== undefined) {
            c.set('platform', studio);
            p.map(root.child('compatibility').child('platform'), root.child('compatibility').child('studio'));
        }
        for (const key of ['runtime_api', 'required_features'])
            set(c, key, (0, value_1.member)(compatibility, key));
        out.set('compatibility', c);
        p.map(root.child('compatibility'), root.child('compatibility'));
    }
    const schedules = (0, value_1.member)(src, 'schedules');
    if (Array.isArray(schedules)) {
        out.set('schedules', schedules.map((item, i) => {
            if (!(item instanceof Map))
                return item;
            const native = new Map();
            p.map(root.child('schedules').child(i), root.child('schedules').child(i));
            for (const [mine, theirs] of [
                ['name', 'name'],
                ['cron', 'default_cron'],
                ['entrypoint', 'entrypoint'],
                ['execution', 'execution'],
                ['trigger', 'trigger_kind'],
                ['editable', 'editable'],
                ['optional', 'optional'],
            ]) {
                p.map(root.child('schedules').child(i).child(mine), root.child('schedules').child(i).child(theirs));
                const v = item.get(theirs);
                if (v !== undefined)
                    native.set(mine, v);
            }
            return native;
        }));
    }
    return [out, p];
}
exports.convertOpenSail = convertOpenSail;
