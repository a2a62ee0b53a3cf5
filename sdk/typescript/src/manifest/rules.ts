import { JSONPointer, JSONValue, arrayValue, boolValue, member, numberValue, stringValue, typeName } from '../json/value';
import { SemanticVersion } from '../support/semver';
import { Diagnostics } from './diagnostics';
import { ValidationContext } from './formats';

const ROOT = JSONPointer.root;

/** `(index, item)` of an array; nothing for anything else. */
export function items(value: JSONValue | undefined): [number, JSONValue][] {
  return (arrayValue(value) ?? []).map((v, i) => [i, v]);
}

export function strings(value: JSONValue | undefined): string[] {
  return (arrayValue(value) ?? []).filter((v): v is string => typeof v === 'string');
}

/** Reports the second and later occurrences of a string in an array. */
export function duplicates(value: JSONValue | undefined, path: JSONPointer, d: Diagnostics): void {
  const seen = new Set<string>();
  for (const [i, item] of items(value)) {
    if (typeof item !== 'string') continue;
    if (seen.has(item)) d.add('duplicate_name', path.child(i), `"${item}" is listed more than once`);
    else seen.add(item);
  }
}

export function duplicateNames(value: JSONValue | undefined, key: string, path: JSONPointer, what: string, d: Diagnostics): void {
  const seen = new Set<string>();
  for (const [i, item] of items(value)) {
    const s = stringValue(member(item, key));
    if (s === undefined) continue;
    if (seen.has(s)) d.add('duplicate_name', path.child(i).child(key), `another ${what} is already named "${s}"`);
    else seen.add(s);
  }
}

/**
 * Rules of `marina/v1` that span several fields. They run on the native form of every manifest
 * (imported ones after conversion, paths mapped back). The tree may be malformed here.
 */
export function checkNativeRules(root: JSONValue, d: Diagnostics, context: ValidationContext): void {
  const declared = strings(member(root, 'scopes'));
  duplicates(member(root, 'scopes'), ROOT.child('scopes'), d);
  duplicates(member(root, 'events'), ROOT.child('events'), d);
  duplicates(member(member(root, 'network'), 'egress_hosts'), ROOT.child('network').child('egress_hosts'), d);

  duplicateNames(member(root, 'tools'), 'name', ROOT.child('tools'), 'tool', d);
  for (const [i, tool] of items(member(root, 'tools'))) {
    const path = ROOT.child('tools').child(i).child('scopes');
    duplicates(member(tool, 'scopes'), path, d);
    strings(member(tool, 'scopes')).forEach((scope, j) => {
      if (context.catalog.contains(scope) && !declared.includes(scope)) {
        d.add('scope_not_declared', path.child(j), `the tool uses "${scope}", which the app's scopes do not declare`);
      }
    });
  }

  duplicateNames(member(root, 'schedules'), 'name', ROOT.child('schedules'), 'schedule', d);
  for (const [i, schedule] of items(member(root, 'schedules'))) {
    if (member(schedule, 'cron') === undefined && (stringValue(member(schedule, 'trigger')) ?? 'cron') === 'cron') {
      d.add('missing_field', ROOT.child('schedules').child(i).child('cron'), 'a schedule triggered by cron needs a cron expression');
    }
  }
  duplicateNames(member(root, 'webhooks'), 'name', ROOT.child('webhooks'), 'webhook', d);
  duplicateNames(member(root, 'connectors'), 'id', ROOT.child('connectors'), 'connector', d);

  checkSettings(member(root, 'settings'), d);
  checkContainers(root, d);

  for (const [i, surface] of items(member(root, 'surfaces'))) {
    const kind = stringValue(member(surface, 'kind'));
    if (kind !== undefined && (kind === 'ui' || kind === 'chat') && member(surface, 'entrypoint') === undefined) {
      d.add('missing_field', ROOT.child('surfaces').child(i).child('entrypoint'), `a ${kind} surface needs an entrypoint`);
    }
  }

  checkLinkworld(member(root, 'linkworld'), d);

  const minText = stringValue(member(member(root, 'listing'), 'minimum_rollback_version'));
  const versionText = stringValue(member(member(root, 'app'), 'version'));
  const minimum = minText !== undefined ? SemanticVersion.parse(minText) : null;
  const version = versionText !== undefined ? SemanticVersion.parse(versionText) : null;
  if (minimum && version && SemanticVersion.lessThan(version, minimum)) {
    d.add('invalid_value', ROOT.child('listing').child('minimum_rollback_version'), `${minimum} is above the app's own version ${version}`);
  }
}

function checkSettings(settings: JSONValue | undefined, d: Diagnostics): void {
  duplicateNames(settings, 'id', ROOT.child('settings'), 'setting', d);
  const secretKeys = new Map<string, number>();
  for (const [i, setting] of items(settings)) {
    const path = ROOT.child('settings').child(i);
    const type = stringValue(member(setting, 'type'));
    if (type === undefined) continue;
    const isSelect = type === 'select' || type === 'select_or_custom';
    const optionsValue = member(setting, 'options');
    const options: string[] = [];
    for (const o of arrayValue(optionsValue) ?? []) {
      const s = stringValue(o) ?? stringValue(member(o, 'value'));
      if (s !== undefined) options.push(s);
    }
    if (isSelect && optionsValue === undefined) {
      d.add('missing_field', path.child('options'), `a ${type} setting needs options`);
    } else if (isSelect && Array.isArray(optionsValue) && optionsValue.length === 0) {
      d.add('invalid_value', path.child('options'), `a ${type} setting needs at least one option`);
    } else if (!isSelect && optionsValue !== undefined) {
      d.add('invalid_value', path.child('options'), 'only select settings have options');
    }
    if (isSelect) duplicates(options, path.child('options'), d);
    const exactOptions = new Set(options);
    for (const bound of ['min', 'max']) {
      if (type !== 'number' && member(setting, bound) !== undefined) d.add('invalid_value', path.child(bound), `only number settings have ${bound}`);
    }
    const lo = numberValue(member(setting, 'min'));
    const hi = numberValue(member(setting, 'max'));
    if (lo !== undefined && hi !== undefined && lo > hi) d.add('invalid_value', path.child('max'), 'max is below min');
    const id = stringValue(member(setting, 'id'));
    if (type === 'secret' && id !== undefined) {
      const key = id.toUpperCase();
      // The reference keys this table by Swift `String`, which compares canonical equivalents equal.
      const first = secretKeys.get(key.normalize('NFD'));
      if (first !== undefined) d.add('duplicate_name', path.child('id'), `secret settings ${first} and ${i} are both stored as ${key}`);
      else secretKeys.set(key.normalize('NFD'), i);
    }
    const value = member(setting, 'default');
    if (value === undefined) continue;
    const p = path.child('default');
    switch (type) {
      case 'secret':
        d.add('invalid_value', p, 'a secret setting cannot have a default: the manifest is public');
        break;
      case 'string':
      case 'text':
      case 'select_or_custom':
      case 'project_picker':
        if (typeof value !== 'string') d.add('invalid_type', p, `expected string, got ${typeName(value)}`);
        break;
      case 'select':
        if (typeof value === 'string') {
          if (options.length > 0 && !exactOptions.has(value)) d.add('invalid_value', p, `"${value}" is not one of the options`);
        } else {
          d.add('invalid_type', p, `expected string, got ${typeName(value)}`);
        }
        break;
      case 'number': {
        const n = numberValue(value);
        if (n === undefined) {
          d.add('invalid_type', p, `expected number, got ${typeName(value)}`);
          break;
        }
        if (lo !== undefined && n < lo) d.add('invalid_value', p, 'the default is below min');
        if (hi !== undefined && n > hi) d.add('invalid_value', p, 'the default is above max');
        break;
      }
      case 'boolean':
        if (boolValue(value) === undefined) d.add('invalid_type', p, `expected boolean, got ${typeName(value)}`);
        break;
    }
  }
}

function checkContainers(root: JSONValue, d: Diagnostics): void {
  const containers = items(member(root, 'containers'));
  duplicateNames(member(root, 'containers'), 'name', ROOT.child('containers'), 'container', d);
  if (containers.length > 0) {
    const primaries = containers.filter(([, c]) => boolValue(member(c, 'primary')) === true);
    if (primaries.length === 0) d.add('invalid_value', ROOT.child('containers'), 'exactly one container must be primary; none is');
    for (const [i] of primaries.slice(1)) {
      d.add('invalid_value', ROOT.child('containers').child(i).child('primary'), `exactly one container must be primary; container ${primaries[0][0]} already is`);
    }
  }
  const names = new Set(containers.map(([, c]) => stringValue(member(c, 'name'))).filter((s): s is string => s !== undefined));
  for (const [i, connection] of items(member(root, 'connections'))) {
    for (const end of ['source_container', 'target_container']) {
      const name = stringValue(member(connection, end));
      if (name !== undefined && !names.has(name)) {
        d.add('invalid_value', ROOT.child('connections').child(i).child(end), `no container is named "${name}"`);
      }
    }
  }
}

/** The fields each heartbeat `schedule_type` needs to say when it fires. */
const HEARTBEAT_NEEDS = new Map<string, string[]>([
  ['cron', ['cron_expression']],
  ['daily', ['time_of_day']],
  ['weekly', ['day_of_week', 'time_of_day']],
]);

/**
 * Agents are unique by id and their heartbeats by slug; each heartbeat has what its schedule_type
 * needs; a subscription's target_agent names an agent of this app, and its target_heartbeat a
 * heartbeat of that agent.
 */
function checkLinkworld(section: JSONValue | undefined, d: Diagnostics): void {
  const base = ROOT.child('linkworld');
  const agents = member(section, 'agents');
  duplicateNames(agents, 'id', base.child('agents'), 'agent', d);
  const slugs = new Map<string, Set<string>>();
  for (const [i, agent] of items(agents)) {
    const heartbeats = member(agent, 'heartbeats');
    const path = base.child('agents').child(i).child('heartbeats');
    duplicateNames(heartbeats, 'slug', path, 'heartbeat', d);
    const id = stringValue(member(agent, 'id'));
    let known = new Set<string>();
    if (id !== undefined) {
      known = slugs.get(id) ?? known;
      slugs.set(id, known);
    }
    for (const [j, heartbeat] of items(heartbeats)) {
      const slug = stringValue(member(heartbeat, 'slug'));
      if (slug !== undefined) known.add(slug);
      const kind = stringValue(member(heartbeat, 'schedule_type')) ?? 'interval';
      for (const name of HEARTBEAT_NEEDS.get(kind) ?? []) {
        if (member(heartbeat, name) === undefined) d.add('missing_field', path.child(j).child(name), `a ${kind} heartbeat needs ${name}`);
      }
    }
  }
  for (const [k, subscription] of items(member(section, 'subscribes_to'))) {
    const target = stringValue(member(subscription, 'target_agent'));
    if (target === undefined) continue;
    const path = base.child('subscribes_to').child(k);
    const known = slugs.get(target);
    if (known === undefined) {
      d.add('invalid_value', path.child('target_agent'), `no agent of this app has the id "${target}"`);
      continue;
    }
    const heartbeat = stringValue(member(subscription, 'target_heartbeat'));
    if (heartbeat !== undefined && !known.has(heartbeat)) {
      d.add('invalid_value', path.child('target_heartbeat'), `the agent "${target}" has no heartbeat "${heartbeat}"`);
    }
  }
}
