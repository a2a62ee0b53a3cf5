import { JSONObject, JSONPointer, JSONValue, boolValue, member } from '../json/value';
import { NATIVE_API_VERSION, setting } from './native';
import { Provenance } from './provenance';
import { S, field, normalize, objectShape, required } from './shape';

/** `apiVersion: linkworld.ai/v2` (file `linkworld.app.yaml`). It has no start command. */
export const LINKWORLD_API_VERSION = 'linkworld.ai/v2';

const tool = objectShape('LinkworldTool', [
  required('name', S.string('toolName')),
  field('description', S.string(undefined, { maxLength: 4000 })),
  field('scopes_required', S.array(S.string('scope')), []),
  field('agent_visible', S.boolean, true),
  field('input_schema', S.jsonSchema),
  field('output_schema', S.jsonSchema),
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
        field('env', S.map(S.string('envValue', { maxLength: 32768 }), 'envName'), new Map()),
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
]);

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
  ]) {
    set(app, native, member(src, theirs));
    p.map(root.child('app').child(native), root.child(theirs));
  }
  out.set('app', app);

  const runtime = member(src, 'runtime');
  if (runtime instanceof Map) {
    const r: JSONObject = new Map(runtime);
    r.delete('command');
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

  set(out, 'settings', member(src, 'install_settings'));
  p.map(root.child('settings'), root.child('install_settings'));

  const price = member(src, 'pricing');
  if (price !== undefined) {
    out.set('billing', new Map([['platform_fee', price]]));
    p.map(root.child('billing').child('platform_fee'), root.child('pricing'));
  }
  return [out, p];
}
