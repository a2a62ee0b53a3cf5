"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.checkNativeRules = exports.duplicateNames = exports.duplicates = exports.strings = exports.items = void 0;
const value_1 = require("../json/value");
const semver_1 = require("../support/semver");
const ROOT = value_1.JSONPointer.root;
/** `(index, item)` of an array; nothing for anything else. */
function items(value) {
    return ((0, value_1.arrayValue)(value) ?? []).map((v, i) => [i, v]);
}
exports.items = items;
function strings(value) {
    return ((0, value_1.arrayValue)(value) ?? []).filter((v) => typeof v === 'string');
}
exports.strings = strings;
/** Reports the second and later occurrences of a string in an array. */
function duplicates(value, path, d) {
    const seen = new Set();
    for (const [i, item] of items(value)) {
        if (typeof item !== 'string')
            continue;
        if (seen.has(item))
            d.add('duplicate_name', path.child(i), `"${item}" is listed more than once`);
        else
            seen.add(item);
    }
}
exports.duplicates = duplicates;
function duplicateNames(value, key, path, what, d) {
    const seen = new Set();
    for (const [i, item] of items(value)) {
        const s = (0, value_1.stringValue)((0, value_1.member)(item, key));
        if (s === undefined)
            continue;
        if (seen.has(s))
            d.add('duplicate_name', path.child(i).child(key), `another ${what} is already named "${s}"`);
        else
            seen.add(s);
    }
}
exports.duplicateNames = duplicateNames;
/**
 * Rules of `marina/v1` that span several fields. They run on the native form of every manifest
 * (imported ones after conversion, paths mapped back). The tree may be malformed here.
 */
function checkNativeRules(root, d, context) {
    const declared = strings((0, value_1.member)(root, 'scopes'));
    duplicates((0, value_1.member)(root, 'scopes'), ROOT.child('scopes'), d);
    duplicates((0, value_1.member)(root, 'events'), ROOT.child('events'), d);
    duplicates((0, value_1.member)((0, value_1.member)(root, 'network'), 'egress_hosts'), ROOT.child('network').child('egress_hosts'), d);
    duplicateNames((0, value_1.member)(root, 'tools'), 'name', ROOT.child('tools'), 'tool', d);
    for (const [i, tool] of items((0, value_1.member)(root, 'tools'))) {
        const path = ROOT.child('tools').child(i).child('scopes');
        duplicates((0, value_1.member)(tool, 'scopes'), path, d);
        strings((0, value_1.member)(tool, 'scopes')).forEach((scope, j) => {
            if (context.catalog.contains(scope) && !declared.includes(scope)) {
                d.add('scope_not_declared', path.child(j), `the tool uses "${scope}", which the app's scopes do not declare`);
            }
        });
    }
    duplicateNames((0, value_1.member)(root, 'schedules'), 'name', ROOT.child('schedules'), 'schedule', d);
    for (const [i, schedule] of items((0, value_1.member)(root, 'schedules'))) {
        if ((0, value_1.member)(schedule, 'cron') === undefined && ((0, value_1.stringValue)((0, value_1.member)(schedule, 'trigger')) ?? 'cron') === 'cron') {
            d.add('missing_field', ROOT.child('schedules').child(i).child('cron'), 'a schedule triggered by cron needs a cron expression');
        }
    }
    duplicateNames((0, value_1.member)(root, 'webhooks'), 'name', ROOT.child('webhooks'), 'webhook', d);
    duplicateNames((0, value_1.member)(root, 'connectors'), 'id', ROOT.child('connectors'), 'connector', d);
    checkSettings((0, value_1.member)(root, 'settings'), d);
    checkContainers(root, d);
    for (const [i, surface] of items((0, value_1.member)(root, 'surfaces'))) {
        const kind = (0, value_1.stringValue)((0, value_1.member)(surface, 'kind'));
        if (kind !== undefined && (kind === 'ui' || kind === 'chat') && (0, value_1.member)(surface, 'entrypoint') === undefined) {
            d.add('missing_field', ROOT.child('surfaces').child(i).child('entrypoint'), `a ${kind} surface needs an entrypoint`);
        }
    }
    const minText = (0, value_1.stringValue)((0, value_1.member)((0, value_1.member)(root, 'listing'), 'minimum_rollback_version'));
    const versionText = (0, value_1.stringValue)((0, value_1.member)((0, value_1.member)(root, 'app'), 'version'));
    const minimum = minText !== undefined ? semver_1.SemanticVersion.parse(minText) : null;
    const version = versionText !== undefined ? semver_1.SemanticVersion.parse(versionText) : null;
    if (minimum && version && semver_1.SemanticVersion.lessThan(version, minimum)) {
        d.add('invalid_value', ROOT.child('listing').child('minimum_rollback_version'), `${minimum} is above the app's own version ${version}`);
    }
}
exports.checkNativeRules = checkNativeRules;
function checkSettings(settings, d) {
    duplicateNames(settings, 'id', ROOT.child('settings'), 'setting', d);
    const secretKeys = new Map();
    for (const [i, setting] of items(settings)) {
        const path = ROOT.child('settings').child(i);
        const type = (0, value_1.stringValue)((0, value_1.member)(setting, 'type'));
        if (type === undefined)
            continue;
        const isSelect = type === 'select' || type === 'select_or_custom';
        const optionsValue = (0, value_1.member)(setting, 'options');
        const options = [];
        for (const o of (0, value_1.arrayValue)(optionsValue) ?? []) {
            const s = (0, value_1.stringValue)(o) ?? (0, value_1.stringValue)((0, value_1.member)(o, 'value'));
            if (s !== undefined)
                options.push(s);
        }
        if (isSelect && optionsValue === undefined) {
            d.add('missing_field', path.child('options'), `a ${type} setting needs options`);
        }
        else if (isSelect && Array.isArray(optionsValue) && optionsValue.length === 0) {
            d.add('invalid_value', path.child('options'), `a ${type} setting needs at least one option`);
        }
        else if (!isSelect && optionsValue !== undefined) {
            d.add('invalid_value', path.child('options'), 'only select settings have options');
        }
        if (isSelect)
            duplicates(options, path.child('options'), d);
        const exactOptions = new Set(options);
        for (const bound of ['min', 'max']) {
            if (type !== 'number' && (0, value_1.member)(setting, bound) !== undefined)
                d.add('invalid_value', path.child(bound), `only number settings have ${bound}`);
        }
        const lo = (0, value_1.numberValue)((0, value_1.member)(setting, 'min'));
        const hi = (0, value_1.numberValue)((0, value_1.member)(setting, 'max'));
        if (lo !== undefined && hi !== undefined && lo > hi)
            d.add('invalid_value', path.child('max'), 'max is below min');
        const id = (0, value_1.stringValue)((0, value_1.member)(setting, 'id'));
        if (type === 'secret' && id !== undefined) {
            const key = id.toUpperCase();
            // The reference keys this table by Swift `String`, which compares canonical equivalents equal.
            const first = secretKeys.get(key.normalize('NFD'));
            if (first !== undefined)
                d.add('duplicate_name', path.child('id'), `secret settings ${first} and ${i} are both stored as ${key}`);
            else
                secretKeys.set(key.normalize('NFD'), i);
        }
        const value = (0, value_1.member)(setting, 'default');
        if (value === undefined)
            continue;
        const p = path.child('default');
        switch (type) {
            case 'secret':
                d.add('invalid_value', p, 'a secret setting cannot have a default: the manifest is public');
                break;
            case 'string':
            case 'text':
            case 'select_or_custom':
                if (typeof value !== 'string')
                    d.add('invalid_type', p, `expected string, got ${(0, value_1.typeName)(value)}`);
                break;
            case 'select':
                if (typeof value === 'string') {
                    if (options.length > 0 && !exactOptions.has(value))
                        d.add('invalid_value', p, `"${value}" is not one of the options`);
                }
                else {
                    d.add('invalid_type', p, `expected string, got ${(0, value_1.typeName)(value)}`);
                }
                break;
            case 'number': {
                const n = (0, value_1.numberValue)(value);
                if (n === undefined) {
                    d.add('invalid_type', p, `expected number, got ${(0, value_1.typeName)(value)}`);
                    break;
                }
                if (lo !== undefined && n < lo)
                    d.add('invalid_value', p, 'the default is below min');
                if (hi !== undefined && n > hi)
                    d.add('invalid_value', p, 'the default is above max');
                break;
            }
            case 'boolean':
                if ((0, value_1.boolValue)(value) === undefined)
                    d.add('invalid_type', p, `expected boolean, got ${(0, value_1.typeName)(value)}`);
                break;
        }
    }
}
function checkContainers(root, d) {
    const containers = items((0, value_1.member)(root, 'containers'));
    duplicateNames((0, value_1.member)(root, 'containers'), 'name', ROOT.child('containers'), 'container', d);
    if (containers.length > 0) {
        const primaries = containers.filter(([, c]) => (0, value_1.boolValue)((0, value_1.member)(c, 'primary')) === true);
        if (primaries.length === 0)
            d.add('invalid_value', ROOT.child('containers'), 'exactly one container must be primary; none is');
        for (const [i] of primaries.slice(1)) {
            d.add('invalid_value', ROOT.child('containers').child(i).child('primary'), `exactly one container must be primary; container ${primaries[0][0]} already is`);
        }
    }
    const names = new Set(containers.map(([, c]) => (0, value_1.stringValue)((0, value_1.member)(c, 'name'))).filter((s) => s !== undefined));
    for (const [i, connection] of items((0, value_1.member)(root, 'connections'))) {
        for (const end of ['source_container', 'target_container']) {
            const name = (0, value_1.stringValue)((0, value_1.member)(connection, end));
            if (name !== undefined && !names.has(name)) {
                d.add('invalid_value', ROOT.child('connections').child(i).child(end), `no container is named "${name}"`);
            }
        }
    }
}
