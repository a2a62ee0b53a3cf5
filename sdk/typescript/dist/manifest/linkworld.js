"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.convertLinkworld = exports.linkworldShape = exports.LINKWORLD_API_VERSION = void 0;
const value_1 = require("../json/value");
const native_1 = require("./native");
const provenance_1 = require("./provenance");
const shape_1 = require("./shape");
/** `apiVersion: linkworld.ai/v2` (file `linkworld.app.yaml`). It has no start command. */
exports.LINKWORLD_API_VERSION = 'linkworld.ai/v2';
const tool = (0, shape_1.objectShape)('LinkworldTool', [
    (0, shape_1.required)('name', shape_1.S.string('toolName')),
    (0, shape_1.field)('description', shape_1.S.string(undefined, { maxLength: 4000 })),
    (0, shape_1.field)('scopes_required', shape_1.S.array(shape_1.S.string('scope')), []),
    (0, shape_1.field)('agent_visible', shape_1.S.boolean, true),
    (0, shape_1.field)('input_schema', shape_1.S.jsonSchema),
    (0, shape_1.field)('output_schema', shape_1.S.jsonSchema),
]);
const pricing = (0, shape_1.objectShape)('LinkworldPricing', [
    (0, shape_1.required)('model', shape_1.S.enumeration(['free', 'one_time', 'subscription', 'per_invocation'])),
    (0, shape_1.field)('price_usd', shape_1.S.number({ min: 0 })),
    (0, shape_1.field)('billing_period', shape_1.S.nullable(shape_1.S.enumeration(['monthly', 'yearly']))),
    (0, shape_1.field)('trial_days', shape_1.S.integer({ min: 0 }), 0),
]);
exports.linkworldShape = (0, shape_1.objectShape)('LinkworldManifest', [
    (0, shape_1.required)('apiVersion', shape_1.S.enumeration([exports.LINKWORLD_API_VERSION])),
    (0, shape_1.required)('app_id', shape_1.S.string('slug')),
    (0, shape_1.required)('version', shape_1.S.string('semver')),
    (0, shape_1.required)('name', shape_1.S.string(undefined, { minLength: 1, maxLength: 120 })),
    (0, shape_1.required)('runtime', shape_1.S.object((0, shape_1.objectShape)('LinkworldRuntime', [
        (0, shape_1.required)('image', shape_1.S.string('image', { maxLength: 512 })),
        (0, shape_1.field)('port', shape_1.S.integer({ min: 1024, max: 65535 }), 8080),
        (0, shape_1.field)('resources', shape_1.S.object((0, shape_1.objectShape)('LinkworldResources', [
            (0, shape_1.field)('memory_mb', shape_1.S.integer({ min: 64, max: 4096 }), 256),
            (0, shape_1.field)('cpu_cores', shape_1.S.number({ min: 0.1, max: 4 }), 1),
        ])), new Map()),
        (0, shape_1.field)('env', shape_1.S.map(shape_1.S.string('envValue', { maxLength: 32768 }), 'envName'), new Map()),
    ]))),
    (0, shape_1.field)('network', shape_1.S.object((0, shape_1.objectShape)('LinkworldNetwork', [(0, shape_1.field)('egress_hosts', shape_1.S.array(shape_1.S.string('hostname'), { maxItems: 100 }), [])])), new Map()),
    (0, shape_1.field)('required_scopes', shape_1.S.array(shape_1.S.string('scope')), []),
    (0, shape_1.field)('tools', shape_1.S.array(shape_1.S.object(tool), { maxItems: 256 }), []),
    (0, shape_1.field)('lifecycle', shape_1.S.object((0, shape_1.objectShape)('LinkworldLifecycle', [
        (0, shape_1.field)('on_install', shape_1.S.boolean, false),
        (0, shape_1.field)('on_uninstall', shape_1.S.boolean, false),
        (0, shape_1.field)('on_inbound', shape_1.S.boolean, false),
        (0, shape_1.field)('on_user_added', shape_1.S.boolean, false),
        (0, shape_1.field)('schedules', shape_1.S.array(shape_1.S.object((0, shape_1.objectShape)('LinkworldSchedule', [(0, shape_1.required)('name', shape_1.S.string('eventName')), (0, shape_1.required)('cron', shape_1.S.string('cron'))])), { maxItems: 64 }), []),
    ])), new Map()),
    (0, shape_1.field)('install_settings', shape_1.S.array(shape_1.S.object(native_1.setting), { maxItems: 128 }), []),
    (0, shape_1.field)('pricing', shape_1.S.object(pricing)),
]);
function set(o, key, v) {
    if (v === undefined)
        o.delete(key);
    else
        o.set(key, v);
}
/** Converts a (possibly invalid) linkworld document to `marina/v1`, best-effort. */
function convertLinkworld(source) {
    const src = (0, shape_1.normalize)(source, shape_1.S.object(exports.linkworldShape));
    const p = new provenance_1.Provenance();
    const root = value_1.JSONPointer.root;
    const out = new Map();
    out.set('apiVersion', native_1.NATIVE_API_VERSION);
    p.map(root.child('apiVersion'), root.child('apiVersion'));
    const app = new Map();
    for (const [native, theirs] of [
        ['id', 'app_id'],
        ['name', 'name'],
        ['version', 'version'],
    ]) {
        set(app, native, (0, value_1.member)(src, theirs));
        p.map(root.child('app').child(native), root.child(theirs));
    }
    out.set('app', app);
    const runtime = (0, value_1.member)(src, 'runtime');
    if (runtime instanceof Map) {
        const r = new Map(runtime);
        r.delete('command');
        out.set('runtime', r);
    }
    else {
        set(out, 'runtime', runtime);
    }
    p.map(root.child('runtime'), root.child('runtime'));
    set(out, 'network', (0, value_1.member)(src, 'network'));
    p.map(root.child('network'), root.child('network'));
    set(out, 'scopes', (0, value_1.member)(src, 'required_scopes'));
    p.map(root.child('scopes'), root.child('required_scopes'));
    const tools = (0, value_1.member)(src, 'tools');
    if (Array.isArray(tools)) {
        out.set('tools', tools.map((t, i) => {
            if (!(t instanceof Map))
                return t;
            const copy = new Map(t);
            set(copy, 'scopes', copy.get('scopes_required'));
            copy.delete('scopes_required');
            p.map(root.child('tools').child(i).child('scopes'), root.child('tools').child(i).child('scopes_required'));
            return copy;
        }));
    }
    p.map(root.child('tools'), root.child('tools'));
    const events = [];
    const lifecycle = (0, value_1.member)(src, 'lifecycle');
    for (const [flag, event] of [
        ['on_install', 'install'],
        ['on_uninstall', 'uninstall'],
        ['on_inbound', 'inbound'],
        ['on_user_added', 'user_added'],
    ]) {
        if ((0, value_1.boolValue)((0, value_1.member)(lifecycle, flag)) === true) {
            p.map(root.child('events').child(events.length), root.child('lifecycle').child(flag));
            events.push(event);
        }
    }
    out.set('events', events);
    out.set('schedules', (0, value_1.member)(lifecycle, 'schedules') ?? []);
    p.map(root.child('schedules'), root.child('lifecycle').child('schedules'));
    set(out, 'settings', (0, value_1.member)(src, 'install_settings'));
    p.map(root.child('settings'), root.child('install_settings'));
    const price = (0, value_1.member)(src, 'pricing');
    if (price !== undefined) {
        out.set('billing', new Map([['platform_fee', price]]));
        p.map(root.child('billing').child('platform_fee'), root.child('pricing'));
    }
    return [out, p];
}
exports.convertLinkworld = convertLinkworld;
