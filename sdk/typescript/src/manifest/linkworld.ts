import { JSONObject, JSONPointer, JSONValue, boolValue, member } from '../json/value';
import { Diagnostics } from './diagnostics';
import { portNumber } from './formats';
import {
  LINKWORLD_FIELDS,
  NATIVE_API_VERSION,
  SETTING_TYPES,
  linkworldAgent,
  linkworldHttpRoute,
  linkworldSubscription,
  linkworldWorkflow,
  settingOption,
} from './native';
import { ManifestNote } from './notes';
import { Provenance } from './provenance';
import { items } from './rules';
import { S, field, normalize, objectShape, required } from './shape';

/**
 * `apiVersion: linkworld.ai/v2` (file `linkworld.app.yaml`). It has no start command. Every field
 * linkworld documents is read; what has no home in marina/v1 yet is kept under `linkworld` and
 * reported in the conversion notes.
 */
export const LINKWORLD_API_VERSION = 'linkworld.ai/v2';

const tool = objectShape('LinkworldTool', [
  required('name', S.string('toolName')),
  field('description', S.string(undefined, { maxLength: 4000 })),
  field('scopes_required', S.array(S.string('scope')), []),
  field('agent_visible', S.boolean, true),
  field('input_schema', S.jsonSchema),
  field('output_schema', S.jsonSchema),
]);

/** An install setting as linkworld writes it: `key` is another spelling of `id`, `help` of `description`. */
const setting = objectShape('LinkworldSetting', [
  field('id', S.string('settingId')),
  field('key', S.string('settingId')),
  required('type', S.enumeration(SETTING_TYPES)),
  field('label', S.string(undefined, { maxLength: 120 })),
  field('description', S.string(undefined, { maxLength: 1000 })),
  field('help', S.string(undefined, { maxLength: 1000 })),
  field('required', S.boolean, false),
  field('default', S.any),
  field('options', S.array(S.either([S.string(undefined, { maxLength: 256 }), S.object(settingOption)]), { maxItems: 500 })),
  field('min', S.number()),
  field('max', S.number()),
]);

const pricing = objectShape('LinkworldPricing', [
  required('model', S.enumeration(['free', 'one_time', 'subscription', 'per_invocation'])),
  field('price_usd', S.number({ min: 0 })),
  field('billing_period', S.nullable(S.enumeration(['monthly', 'yearly']))),
  field('trial_days', S.integer({ min: 0 }), 0),
]);

export const linkworldShape = objectShape('LinkworldManifest', [
  required('apiVersion', S.enumeration([LINKWORLD_API_VERSION])),
  required('app_id', S.string('slug')),
  required('version', S.string('semver')),
  required('name', S.string(undefined, { minLength: 1, maxLength: 120 })),
  field('description', S.string(undefined, { maxLength: 4000 })),
  field('icon', S.string(undefined, { maxLength: 2048 })),
  field('category', S.string(undefined, { maxLength: 64 })),
  required(
    'runtime',
    S.object(
      objectShape('LinkworldRuntime', [
        required('image', S.string('image', { maxLength: 512 })),
        field('port', S.integer({ min: 1024, max: 65535 }), 8080),
        field(
          'resources',
          S.object(
            objectShape('LinkworldResources', [
              field('memory_mb', S.integer({ min: 64, max: 4096 }), 256),
              field('cpu_cores', S.number({ min: 0.1, max: 4 }), 1),
            ]),
          ),
          new Map(),
        ),
        field('env', S.map(S.string('envValue', { maxLength: 32768 }), 'importedEnvName'), new Map()),
      ]),
    ),
  ),
  field('network', S.object(objectShape('LinkworldNetwork', [field('egress_hosts', S.array(S.string('hostname'), { maxItems: 100 }), [])])), new Map()),
  field('required_scopes', S.array(S.string('scope')), []),
  field('tools', S.array(S.object(tool), { maxItems: 256 }), []),
  field(
    'lifecycle',
    S.object(
      objectShape('LinkworldLifecycle', [
        field('on_install', S.boolean, false),
        field('on_uninstall', S.boolean, false),
        field('on_inbound', S.boolean, false),
        field('on_user_added', S.boolean, false),
        field(
          'schedules',
          S.array(S.object(objectShape('LinkworldSchedule', [required('name', S.string('eventName')), required('cron', S.string('cron'))])), { maxItems: 64 }),
          [],
        ),
      ]),
    ),
    new Map(),
  ),
  field('install_settings', S.array(S.object(setting), { maxItems: 128 }), []),
  field('pricing', S.object(pricing)),
  field('workflows', S.array(S.object(linkworldWorkflow))),
  field('http_routes', S.array(S.object(linkworldHttpRoute))),
  field('agents', S.array(S.object(linkworldAgent))),
  field('emits', S.array(S.string('linkworldEventName'), { maxItems: 30 })),
  field('subscribes_to', S.array(S.object(linkworldSubscription))),
]);

/** What the conversion notes say each kept field is. */
const KEPT = new Map([
  ['workflows', "workflows (hints for the tenant's orchestrator)"],
  ['http_routes', 'custom HTTP routes'],
  ['agents', 'agents and their heartbeats'],
  ['emits', 'emitted events'],
  ['subscribes_to', 'event subscriptions'],
]);

/**
 * A setting has an `id` (or `key`), and where both spellings are given they agree; a `PORT` in
 * `runtime.env` is a port the app listens on, so it is a port number and agrees with `runtime.port`.
 */
export function linkworldExtraRules(root: JSONValue, d: Diagnostics): void {
  const base = JSONPointer.root;
  for (const [i, s] of items(member(root, 'install_settings'))) {
    if (!(s instanceof Map)) continue;
    for (const [name, other] of [
      ['id', 'key'],
      ['description', 'help'],
    ]) {
      const a = s.get(name);
      const b = s.get(other);
      if (name === 'id' && a === undefined && b === undefined) d.add('missing_field', base.child('install_settings').child(i).child('id'), '"id" (or "key") is required');
      if (typeof a === 'string' && typeof b === 'string' && a !== b) {
        d.add('invalid_value', base.child('install_settings').child(i).child(other), `"${other}" is another spelling of "${name}"; give one of them, or the same value`);
      }
    }
  }
  const runtime = member(root, 'runtime');
  const value = member(member(runtime, 'env'), 'PORT');
  if (typeof value !== 'string') return;
  const path = base.child('runtime').child('env').child('PORT');
  const port = portNumber(value);
  if (port === null || port < 1024 || port > 65535) {
    d.add('invalid_value', path, `PORT "${value}" is the port the app listens on: a number from 1024 to 65535`);
    return;
  }
  const declared = member(runtime, 'port');
  if (typeof declared === 'number' && declared !== port) {
    d.add('invalid_value', path, `PORT is ${port} but runtime.port is ${declared}: the app listens on one port`);
  }
}

/** What the conversion of a valid manifest did that its author should know. */
export function linkworldNotes(source: JSONValue): ManifestNote[] {
  const out: ManifestNote[] = [];
  const port = portNumber(member(member(member(source, 'runtime'), 'env'), 'PORT'));
  if (port !== null) {
    out.push({ code: 'port_from_env', path: '/runtime/env/PORT', message: `PORT is the platform's to set: runtime.port is ${port}, and the platform sets PORT=${port} for the app` });
  }
  for (const [i, s] of items(member(source, 'install_settings'))) {
    if (member(s, 'type') === 'project_picker') {
      out.push({
        code: 'not_acted_on',
        path: `/install_settings/${i}/type`,
        message: "project_picker is kept, but Marina has no project picker yet: the installer gives the project's id as text",
      });
    }
  }
  for (const name of LINKWORLD_FIELDS) {
    const value = member(source, name);
    if (Array.isArray(value) && value.length > 0) {
      out.push({ code: 'not_acted_on', path: `/${name}`, message: `kept as linkworld.${name} in the marina/v1 form; Marina does not act on ${KEPT.get(name)} yet` });
    }
  }
  return out;
}

function set(o: JSONObject, key: string, v: JSONValue | undefined): void {
  if (v === undefined) o.delete(key);
  else o.set(key, v);
}

/** Converts a (possibly invalid) linkworld document to `marina/v1`, best-effort. */
export function convertLinkworld(source: JSONValue): [JSONValue, Provenance] {
  const src = normalize(source, S.object(linkworldShape));
  const p = new Provenance();
  const root = JSONPointer.root;
  const out: JSONObject = new Map();
  out.set('apiVersion', NATIVE_API_VERSION);
  p.map(root.child('apiVersion'), root.child('apiVersion'));

  const app: JSONObject = new Map();
  for (const [native, theirs] of [
    ['id', 'app_id'],
    ['name', 'name'],
    ['version', 'version'],
    ['description', 'description'],
    ['icon', 'icon'],
    ['category', 'category'],
  ]) {
    set(app, native, member(src, theirs));
    p.map(root.child('app').child(native), root.child(theirs));
  }
  out.set('app', app);

  const runtime = member(src, 'runtime');
  if (runtime instanceof Map) {
    const r: JSONObject = new Map(runtime);
    r.delete('command');
    const env = r.get('env');
    const port = portNumber(member(env, 'PORT'));
    if (port !== null && env instanceof Map) {
      // The app listens on PORT: that is the port the platform gives it (and sets PORT to).
      r.set('port', port);
      r.set('env', new Map([...env].filter(([k]) => k !== 'PORT')));
      p.map(root.child('runtime').child('port'), root.child('runtime').child('env').child('PORT'));
    }
    out.set('runtime', r);
  } else {
    set(out, 'runtime', runtime);
  }
  p.map(root.child('runtime'), root.child('runtime'));
  set(out, 'network', member(src, 'network'));
  p.map(root.child('network'), root.child('network'));
  set(out, 'scopes', member(src, 'required_scopes'));
  p.map(root.child('scopes'), root.child('required_scopes'));

  const tools = member(src, 'tools');
  if (Array.isArray(tools)) {
    out.set(
      'tools',
      tools.map((t, i) => {
        if (!(t instanceof Map)) return t;
        const copy: JSONObject = new Map(t);
        set(copy, 'scopes', copy.get('scopes_required'));
        copy.delete('scopes_required');
        p.map(root.child('tools').child(i).child('scopes'), root.child('tools').child(i).child('scopes_required'));
        return copy;
      }),
    );
  }
  p.map(root.child('tools'), root.child('tools'));

  const events: JSONValue[] = [];
  const lifecycle = member(src, 'lifecycle');
  for (const [flag, event] of [
    ['on_install', 'install'],
    ['on_uninstall', 'uninstall'],
    ['on_inbound', 'inbound'],
    ['on_user_added', 'user_added'],
  ]) {
    if (boolValue(member(lifecycle, flag)) === true) {
      p.map(root.child('events').child(events.length), root.child('lifecycle').child(flag));
      events.push(event);
    }
  }
  out.set('events', events);
  out.set('schedules', member(lifecycle, 'schedules') ?? []);
  p.map(root.child('schedules'), root.child('lifecycle').child('schedules'));

  const settings = member(src, 'install_settings');
  set(
    out,
    'settings',
    Array.isArray(settings)
      ? settings.map((s, i) => {
          if (!(s instanceof Map)) return s;
          const copy: JSONObject = new Map(s);
          for (const [name, other] of [
            ['id', 'key'],
            ['description', 'help'],
          ]) {
            const spelled = copy.get(other);
            copy.delete(other);
            if (spelled !== undefined && !copy.has(name)) {
              copy.set(name, spelled);
              p.map(root.child('settings').child(i).child(name), root.child('install_settings').child(i).child(other));
            }
          }
          return copy;
        })
      : settings,
  );
  p.map(root.child('settings'), root.child('install_settings'));

  const price = member(src, 'pricing');
  if (price !== undefined) {
    out.set('billing', new Map([['platform_fee', price]]));
    p.map(root.child('billing').child('platform_fee'), root.child('pricing'));
  }

  const kept: JSONObject = new Map();
  for (const name of LINKWORLD_FIELDS) {
    const value = member(src, name);
    if (value !== undefined) {
      kept.set(name, value);
      p.map(root.child('linkworld').child(name), root.child(name));
    }
  }
  if (kept.size > 0) out.set('linkworld', kept);
  return [out, p];
}
