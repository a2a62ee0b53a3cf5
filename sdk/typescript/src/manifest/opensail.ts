import { JSONObject, JSONPointer, JSONValue, jsonEqual, member, stringValue } from '../json/value';
import { Diagnostics } from './diagnostics';
import { checkFormat, openSailToNative, portNumber } from './formats';
import { ManifestNote } from './notes';
import { NATIVE_API_VERSION, agent, connection, connector, migration, platformFee, state } from './native';
import { Provenance } from './provenance';
import { items } from './rules';
import { ScopeCatalog } from './scopes';
import { S, field, normalize, objectShape, required } from './shape';

/** OpenSail's app manifest, `manifest_schema_version: "2025-02"`. */
export const OPENSAIL_SCHEMA_VERSION = '2025-02';

const dimension = objectShape('OpenSailDimensionBilling', [
  required('payer', S.enumeration(['creator', 'platform', 'installer', 'byok'])),
  field('markup_pct', S.number({ min: 0 }), 0),
  field('cap_usd_per_session', S.number({ min: 0 })),
  field('cap_usd_per_month_per_install', S.number({ min: 0 })),
  field('on_cap', S.enumeration(['pause', 'degrade', 'notify-only']), 'pause'),
  field('free_tier', S.object(objectShape('OpenSailFreeTier', [field('cpu_seconds_per_month', S.integer({ min: 0 })), field('volume_gb', S.number({ min: 0 }))], true))),
]);

const container = objectShape(
  'OpenSailContainer',
  [
    required('name', S.string(undefined, { minLength: 1, maxLength: 64 })),
    required('image', S.string('image', { maxLength: 512 })),
    field('primary', S.boolean, false),
    field('ports', S.array(S.integer({ min: 1, max: 65535 })), []),
    field('env', S.map(S.string('openSailEnvValue', { maxLength: 32768 }), 'importedEnvName'), new Map()),
    field('startup_command', S.string('nonEmpty', { maxLength: 8192 })),
    field('resources', S.map(S.any)),
  ],
  true,
);

export const openSailShape = objectShape('OpenSailManifest', [
  required('manifest_schema_version', S.enumeration([OPENSAIL_SCHEMA_VERSION])),
  required(
    'app',
    S.object(
      objectShape('OpenSailApp', [
        required('id', S.string('reverseDNS')),
        required('name', S.string(undefined, { minLength: 1, maxLength: 120 })),
        required('slug', S.string('openSailSlug')),
        field('creator_id', S.nullable(S.string('uuid'))),
        required('version', S.string('semver')),
        field('description', S.string(undefined, { maxLength: 4000 })),
        field('category', S.string(undefined, { maxLength: 64 })),
        field('icon_ref', S.nullable(S.string(undefined, { maxLength: 2048 }))),
        field('changelog', S.string(undefined, { maxLength: 8000 })),
        field('forkable', S.enumeration(['true', 'restricted', 'no']), 'restricted'),
        field('forked_from', S.nullable(S.string('appRef'))),
      ]),
    ),
  ),
  field(
    'source_visibility',
    S.object(
      objectShape('OpenSailSourceVisibility', [
        field('level', S.enumeration(['public', 'installers', 'private']), 'installers'),
        field('excluded_paths', S.array(S.string()), ['.env*', 'secrets/**', '.git/**', '.tesslate/internal/**']),
        field('manifest_always_public', S.boolean, true),
      ]),
    ),
  ),
  required(
    'compatibility',
    S.object(
      objectShape('OpenSailCompatibility', [
        required('studio', S.object(objectShape('OpenSailStudio', [required('min', S.string()), field('max', S.string())]))),
        required('manifest_schema', S.enumeration([OPENSAIL_SCHEMA_VERSION])),
        required('runtime_api', S.string(undefined, { maxLength: 64 })),
        field('required_features', S.array(S.string()), []),
      ]),
    ),
  ),
  required(
    'surfaces',
    S.array(
      S.object(
        objectShape('OpenSailSurface', [
          required('kind', S.enumeration(['ui', 'chat', 'scheduled', 'triggered', 'mcp-tool'])),
          field('entrypoint', S.string(undefined, { maxLength: 1024 })),
          field('name', S.string(undefined, { maxLength: 120 })),
          field('description', S.string(undefined, { maxLength: 4000 })),
          field('tool_schema', S.jsonSchema),
        ]),
      ),
      { maxItems: 256 },
    ),
  ),
  field(
    'compute',
    S.object(
      objectShape('OpenSailCompute', [
        field('tier', S.integer({ allowed: [0, 1, 2] }), 0),
        field('model', S.enumeration(['always-on', 'job-only']), 'always-on'),
        field('compute_model', S.enumeration(['per-invocation', 'per-installer', 'shared-singleton']), 'per-invocation'),
        field('containers', S.array(S.object(container), { maxItems: 16 })),
        field('connections', S.array(S.object(connection), { maxItems: 64 }), []),
        field('hosted_agents', S.array(S.object(agent), { maxItems: 32 })),
      ]),
    ),
  ),
  required('state', S.object(state)),
  field('connectors', S.array(S.object(connector), { maxItems: 64 })),
  field(
    'schedules',
    S.array(
      S.object(
        objectShape('OpenSailSchedule', [
          required('name', S.string('eventName')),
          field('default_cron', S.string('cron')),
          field('entrypoint', S.string(undefined, { maxLength: 1024 })),
          field('execution', S.enumeration(['job', 'http-post']), 'job'),
          field('trigger_kind', S.enumeration(['cron', 'webhook']), 'cron'),
          field('editable', S.boolean, true),
          field('optional', S.boolean, true),
        ]),
      ),
      { maxItems: 64 },
    ),
  ),
  field('migrations', S.array(S.object(migration))),
  required(
    'billing',
    S.object(
      objectShape('OpenSailBilling', [
        required('ai_compute', S.object(dimension)),
        required('general_compute', S.object(dimension)),
        required('platform_fee', S.object(platformFee)),
        field(
          'promotional_budget',
          S.object(
            objectShape('OpenSailPromotionalBudget', [
              field('fund_usd', S.number({ min: 0 }), 0),
              field('covers', S.array(S.enumeration(['ai_compute', 'general_compute', 'platform_fee']))),
              field('on_exhaust', S.enumeration(['disable', 'flip_to_installer', 'degrade_to_free']), 'flip_to_installer'),
            ]),
          ),
        ),
      ]),
    ),
  ),
  required(
    'listing',
    S.object(
      objectShape('OpenSailListing', [
        required('visibility', S.string('visibility')),
        field('update_policy_default', S.enumeration(['manual', 'patch-auto', 'minor-auto', 'pinned']), 'manual'),
        field('minimum_rollback_version', S.string('semver')),
      ]),
    ),
  ),
  field(
    'eval_scenarios',
    S.array(
      S.object(
        objectShape('OpenSailEvalScenario', [
          required('entrypoint', S.string(undefined, { minLength: 1, maxLength: 1024 })),
          required('input', S.any),
          required('expected_behavior', S.string(undefined, { minLength: 1, maxLength: 4000 })),
        ]),
      ),
      { minItems: 3, maxItems: 200 },
    ),
  ),
]);

/** An `mcp-tool` surface becomes a tool, so it needs a tool's name. */
export function openSailExtraRules(root: JSONValue, d: Diagnostics): void {
  for (const [i, surface] of items(member(root, 'surfaces'))) {
    if (stringValue(member(surface, 'kind')) !== 'mcp-tool') continue;
    const path = JSONPointer.root.child('surfaces').child(i).child('name');
    const name = member(surface, 'name');
    if (name === undefined) {
      d.add('missing_field', path, 'an mcp-tool surface needs a name: it becomes the tool\'s name');
      continue;
    }
    if (typeof name === 'string') {
      const problem = checkFormat('toolName', name, { catalog: ScopeCatalog.default });
      if (problem) d.add(problem[0], path, problem[1]);
    }
  }
  // A container's PORT is the port its process listens on; the primary's becomes runtime.port.
  for (const [i, container] of items(member(member(root, 'compute'), 'containers'))) {
    const value = member(member(container, 'env'), 'PORT');
    if (typeof value !== 'string') continue;
    const port = portNumber(value);
    const primary = member(container, 'primary') === true;
    const low = primary ? 1024 : 1;
    if (port === null || port < low || port > 65535) {
      const what = primary ? "the primary container's PORT becomes runtime.port" : 'PORT is the port the container listens on';
      d.add('invalid_value', JSONPointer.root.child('compute').child('containers').child(i).child('env').child('PORT'), `PORT "${value}": ${what}, a number from ${low} to 65535`);
    }
  }
}

/** What the conversion of a valid manifest did that its author should know. */
export function openSailNotes(source: JSONValue): ManifestNote[] {
  const out: ManifestNote[] = [];
  for (const [i, container] of items(member(member(source, 'compute'), 'containers'))) {
    const port = portNumber(member(member(container, 'env'), 'PORT'));
    if (port === null) continue;
    const path = `/compute/containers/${i}/env/PORT`;
    if (member(container, 'primary') === true) {
      out.push({ code: 'port_from_env', path, message: `PORT is the platform's to set: runtime.port is ${port}, and the platform sets PORT=${port} for the app` });
    } else {
      out.push({
        code: 'port_from_env',
        path,
        message: `kept as containers[${i}].port; a container driver sets PORT=${port} for it (the local driver runs only the primary container)`,
      });
    }
  }
  return out;
}

function set(o: JSONObject, key: string, v: JSONValue | undefined): void {
  if (v === undefined) o.delete(key);
  else o.set(key, v);
}

/** OpenSail's `startup_command` is a shell command line; Marina's `command` an argument vector. */
function shellCommand(value: JSONValue): JSONValue {
  return typeof value === 'string' ? ['/bin/sh', '-c', value] : value;
}

function rewriteSecrets(env: JSONValue): JSONValue {
  if (!(env instanceof Map)) return env;
  return new Map([...env].map(([k, v]) => [k, typeof v === 'string' ? openSailToNative(v) : v]));
}

/** Converts a (possibly invalid) OpenSail document to `marina/v1`, best-effort. */
export function convertOpenSail(source: JSONValue): [JSONValue, Provenance] {
  const src = normalize(source, S.object(openSailShape));
  const p = new Provenance();
  const root = JSONPointer.root;
  const out: JSONObject = new Map();
  out.set('apiVersion', NATIVE_API_VERSION);
  p.map(root.child('apiVersion'), root.child('manifest_schema_version'));

  const a = member(src, 'app');
  const app: JSONObject = new Map();
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
    const v = member(a, theirs);
    if (v === undefined || v === null) continue;
    app.set(native, v);
    p.map(root.child('app').child(native), root.child('app').child(theirs));
  }
  const forkable = member(a, 'forkable');
  if (forkable !== undefined) app.set('forkable', forkable === 'true' ? 'yes' : forkable);
  out.set('app', app);

  const runtime: JSONObject = new Map();
  p.map(root.child('runtime'), root.child('compute'));
  const tools: JSONValue[] = [];
  const surfaces: JSONValue[] = [];
  for (const [i, surface] of items(member(src, 'surfaces'))) {
    if (!(surface instanceof Map)) continue;
    if (surface.get('kind') === 'mcp-tool') {
      const tool: JSONObject = new Map();
      for (const [native, theirs] of [
        ['name', 'name'],
        ['description', 'description'],
        ['input_schema', 'tool_schema'],
        ['entrypoint', 'entrypoint'],
      ]) {
        p.map(root.child('tools').child(tools.length).child(native), root.child('surfaces').child(i).child(theirs));
        const v = surface.get(theirs);
        if (v !== undefined) tool.set(native, v);
      }
      p.map(root.child('tools').child(tools.length), root.child('surfaces').child(i));
      tools.push(tool);
    } else {
      p.map(root.child('surfaces').child(surfaces.length), root.child('surfaces').child(i));
      surfaces.push(surface);
    }
  }
  out.set('tools', tools);
  if (surfaces.length > 0) out.set('surfaces', surfaces);

  const compute = member(src, 'compute');
  if (compute !== undefined) {
    for (const key of ['tier', 'model', 'compute_model']) {
      const v = member(compute, key);
      if (v !== undefined) {
        runtime.set(key, v);
        p.map(root.child('runtime').child(key), root.child('compute').child(key));
      }
    }
    const list = member(compute, 'containers');
    if (Array.isArray(list)) {
      p.map(root.child('containers'), root.child('compute').child('containers'));
      const containers: JSONValue[] = [];
      list.forEach((item, i) => {
        if (!(item instanceof Map)) {
          containers.push(item);
          return;
        }
        const from = root.child('compute').child('containers').child(i);
        p.map(root.child('containers').child(i), from);
        const native: JSONObject = new Map();
        const extensions: JSONObject = new Map();
        let env = item.get('env');
        const port = portNumber(member(env, 'PORT'));
        if (port !== null && env instanceof Map) {
          // PORT is the platform's to set (to this port); it leaves the env.
          env = new Map([...env].filter(([k]) => k !== 'PORT'));
          native.set('port', port);
          p.map(root.child('containers').child(i).child('port'), from.child('env').child('PORT'));
        }
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
              native.set('env', rewriteSecrets(env ?? value));
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
          if (port !== null) {
            runtime.set('port', port);
            p.map(root.child('runtime').child('port'), from.child('env').child('PORT'));
          } else if (Array.isArray(ports) && ports.length > 0) {
            runtime.set('port', ports[0]);
            p.map(root.child('runtime').child('port'), from.child('ports').child(0));
          }
          if (env !== undefined) {
            runtime.set('env', rewriteSecrets(env));
            p.map(root.child('runtime').child('env'), from.child('env'));
          }
        }
      });
      out.set('containers', containers);
    }
    const connections = member(compute, 'connections');
    if (connections !== undefined && !jsonEqual(connections, [])) {
      out.set('connections', connections);
      p.map(root.child('connections'), root.child('compute').child('connections'));
    }
    const agents = member(compute, 'hosted_agents');
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
    const v = member(src, theirs);
    if (v === undefined) continue;
    out.set(native, v);
    p.map(root.child(native), root.child(theirs));
  }
  const compatibility = member(src, 'compatibility');
  if (compatibility !== undefined) {
    const c: JSONObject = new Map();
    const studio = member(compatibility, 'studio');
    if (studio !== undefined) {
      c.set('platform', studio);
      p.map(root.child('compatibility').child('platform'), root.child('compatibility').child('studio'));
    }
    for (const key of ['runtime_api', 'required_features']) set(c, key, member(compatibility, key));
    out.set('compatibility', c);
    p.map(root.child('compatibility'), root.child('compatibility'));
  }
  const schedules = member(src, 'schedules');
  if (Array.isArray(schedules)) {
    out.set(
      'schedules',
      schedules.map((item, i) => {
        if (!(item instanceof Map)) return item;
        const native: JSONObject = new Map();
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
          if (v !== undefined) native.set(mine, v);
        }
        return native;
      }),
    );
  }
  return [out, p];
}
