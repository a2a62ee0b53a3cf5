import { JSONValue } from '../json/value';
import { S, field, objectShape, required } from './shape';

/** The native manifest format `marina/v1`: the SPEC §3 core plus what imported formats can say. */
export const NATIVE_API_VERSION = 'marina/v1';

const obj = (entries: [string, JSONValue][]): JSONValue => new Map(entries);

export const toolSchemaDefault = (): JSONValue => obj([['type', 'object']]);

const app = objectShape('App', [
  required('id', S.string('slug')),
  required('name', S.string(undefined, { minLength: 1, maxLength: 120 })),
  required('version', S.string('semver')),
  field('description', S.string(undefined, { maxLength: 4000 })),
  field('category', S.string(undefined, { maxLength: 64 })),
  field('icon', S.string(undefined, { maxLength: 2048 })),
  field('changelog', S.string(undefined, { maxLength: 8000 })),
  field('forkable', S.enumeration(['yes', 'restricted', 'no']), 'no'),
  field('forked_from', S.string('appRef')),
  field('qualified_id', S.string('reverseDNS')),
  field('creator_id', S.string('uuid')),
]);

const resources = objectShape('Resources', [
  field('memory_mb', S.integer({ min: 64, max: 4096 }), 256),
  field('cpu_cores', S.number({ min: 0.1, max: 4 }), 1),
  field('max_processes', S.integer({ min: 1, max: 4096 }), 64),
]);

const runtime = objectShape('Runtime', [
  field('command', S.array(S.string('nonEmpty'), { minItems: 1, maxItems: 64 })),
  field('image', S.string('image', { maxLength: 512 })),
  field('port', S.integer({ min: 1024, max: 65535 }), 8080),
  field('resources', S.object(resources), obj([])),
  field('env', S.map(S.string('envValue', { maxLength: 32768 }), 'envName'), obj([])),
  field('idle_timeout_s', S.integer({ min: 10, max: 86400 }), 900),
  field('tier', S.integer({ allowed: [0, 1, 2] })),
  field('model', S.enumeration(['always-on', 'job-only'])),
  field('compute_model', S.enumeration(['per-invocation', 'per-installer', 'shared-singleton'])),
]);

const network = objectShape('Network', [field('egress_hosts', S.array(S.string('hostname'), { maxItems: 100 }), [])]);

const tool = objectShape('Tool', [
  required('name', S.string('toolName')),
  field('title', S.string(undefined, { maxLength: 120 })),
  field('description', S.string(undefined, { maxLength: 4000 })),
  field('input_schema', S.jsonSchema, toolSchemaDefault()),
  field('output_schema', S.jsonSchema),
  field('scopes', S.array(S.string('scope')), []),
  field('agent_visible', S.boolean, true),
  field('timeout_s', S.integer({ min: 1, max: 900 }), 25),
  field('entrypoint', S.string(undefined, { maxLength: 1024 })),
]);

const schedule = objectShape('Schedule', [
  required('name', S.string('eventName')),
  field('cron', S.string('cron')),
  field('timezone', S.string('timezone'), 'UTC'),
  field('description', S.string(undefined, { maxLength: 1000 })),
  field('entrypoint', S.string(undefined, { maxLength: 1024 })),
  field('execution', S.enumeration(['http-post', 'job']), 'http-post'),
  field('trigger', S.enumeration(['cron', 'webhook']), 'cron'),
  field('editable', S.boolean, false),
  field('optional', S.boolean, false),
]);

const webhook = objectShape('Webhook', [required('name', S.string('eventName')), field('description', S.string(undefined, { maxLength: 1000 }))]);

export const SETTING_TYPES = ['string', 'text', 'number', 'boolean', 'select', 'select_or_custom', 'secret', 'project_picker'];

export const settingOption = objectShape('SettingOption', [
  required('value', S.string(undefined, { maxLength: 256 })),
  field('label', S.string(undefined, { maxLength: 120 })),
]);

export const setting = objectShape('Setting', [
  required('id', S.string('settingId')),
  required('type', S.enumeration(SETTING_TYPES)),
  field('label', S.string(undefined, { maxLength: 120 })),
  field('description', S.string(undefined, { maxLength: 1000 })),
  field('required', S.boolean, false),
  field('default', S.any),
  field('options', S.array(S.either([S.string(undefined, { maxLength: 256 }), S.object(settingOption)]), { maxItems: 500 })),
  field('min', S.number()),
  field('max', S.number()),
]);

export const connector = objectShape('Connector', [
  required('id', S.string(undefined, { minLength: 1, maxLength: 128 })),
  required('kind', S.enumeration(['mcp', 'api_key', 'oauth', 'webhook'])),
  field('scopes', S.array(S.string(undefined, { maxLength: 256 })), []),
  field('required', S.boolean, true),
  field('oauth', S.boolean, false),
  field('secret_key', S.string(undefined, { maxLength: 256 })),
]);

const surface = objectShape('Surface', [
  required('kind', S.enumeration(['ui', 'chat', 'scheduled', 'triggered'])),
  field('entrypoint', S.string(undefined, { maxLength: 1024 })),
  field('name', S.string(undefined, { maxLength: 120 })),
  field('description', S.string(undefined, { maxLength: 4000 })),
]);

const container = objectShape('Container', [
  required('name', S.string(undefined, { minLength: 1, maxLength: 64 })),
  required('image', S.string('image', { maxLength: 512 })),
  field('primary', S.boolean, false),
  field('ports', S.array(S.integer({ min: 1, max: 65535 })), []),
  field('port', S.integer({ min: 1, max: 65535 })),
  field('env', S.map(S.string('envValue', { maxLength: 32768 }), 'envName'), obj([])),
  field('command', S.array(S.string('nonEmpty'), { minItems: 1, maxItems: 64 })),
  field('resources', S.map(S.any)),
  field('extensions', S.map(S.any)),
]);

export const connection = objectShape('Connection', [
  required('source_container', S.string()),
  required('target_container', S.string()),
  required('connector_type', S.enumeration(['env_injection', 'http_api', 'database', 'cache', 'message_queue', 'websocket', 'depends_on'])),
  field('config', S.map(S.any), obj([])),
]);

export const agent = objectShape('Agent', [
  required('id', S.string(undefined, { minLength: 1, maxLength: 128 })),
  required('system_prompt_ref', S.string(undefined, { minLength: 1, maxLength: 1024 })),
  field('model_pref', S.string(undefined, { maxLength: 256 })),
  field('tools_ref', S.array(S.string())),
  field('mcps_ref', S.array(S.string())),
  field('temperature', S.number()),
  field('max_tokens', S.integer()),
  field('thinking_effort', S.string(undefined, { maxLength: 64 })),
  field('warm_pool_size', S.integer({ min: 0 })),
]);

export const state = objectShape('State', [
  required('model', S.enumeration(['stateless', 'per-install-volume', 'byo-database'])),
  field('volume_size', S.string('volumeSize')),
  field(
    'byo_database',
    S.object(objectShape('ByoDatabase', [field('schema', S.string()), field('connection_env', S.string()), field('external_db_version', S.string())])),
  ),
]);

const compatibility = objectShape('Compatibility', [
  field('platform', S.object(objectShape('PlatformRange', [required('min', S.string()), field('max', S.string())]))),
  field('runtime_api', S.string(undefined, { maxLength: 64 })),
  field('required_features', S.array(S.string()), []),
]);

const source = objectShape('SourceVisibility', [
  field('level', S.enumeration(['public', 'installers', 'private']), 'installers'),
  field('excluded_paths', S.array(S.string()), ['.env*', 'secrets/**', '.git/**']),
  field('manifest_always_public', S.boolean, true),
]);

export const migration = objectShape('Migration', [
  required('from', S.string()),
  required('to', S.string()),
  field('auto_safe', S.boolean, false),
  field('up', S.string()),
  field('down', S.string()),
]);

const billingDimension = objectShape('BillingDimension', [
  required('payer', S.enumeration(['creator', 'platform', 'installer', 'byok'])),
  field('markup_pct', S.number({ min: 0 }), 0),
  field('cap_usd_per_session', S.number({ min: 0 })),
  field('cap_usd_per_month_per_install', S.number({ min: 0 })),
  field('on_cap', S.enumeration(['pause', 'degrade', 'notify-only']), 'pause'),
  field(
    'free_tier',
    S.object(objectShape('FreeTier', [field('cpu_seconds_per_month', S.integer({ min: 0 })), field('volume_gb', S.number({ min: 0 }))], true)),
  ),
]);

export const platformFee = objectShape('PlatformFee', [
  required('model', S.enumeration(['free', 'one_time', 'subscription', 'per_invocation'])),
  field('price_usd', S.number({ min: 0 })),
  field('billing_period', S.nullable(S.enumeration(['monthly', 'yearly']))),
  field('trial_days', S.integer({ min: 0 }), 0),
]);

const billing = objectShape('Billing', [
  field('ai_compute', S.object(billingDimension)),
  field('general_compute', S.object(billingDimension)),
  field('platform_fee', S.object(platformFee)),
  field(
    'promotional_budget',
    S.object(
      objectShape('PromotionalBudget', [
        field('fund_usd', S.number({ min: 0 }), 0),
        field('covers', S.array(S.enumeration(['ai_compute', 'general_compute', 'platform_fee'])), []),
        field('on_exhaust', S.enumeration(['disable', 'flip_to_installer', 'degrade_to_free']), 'flip_to_installer'),
      ]),
    ),
  ),
]);

const listing = objectShape('Listing', [
  field('visibility', S.string('visibility'), 'public'),
  field('update_policy_default', S.enumeration(['auto', 'manual', 'patch-auto', 'minor-auto', 'pinned']), 'manual'),
  field('minimum_rollback_version', S.string('semver')),
]);

const evalScenario = objectShape('EvalScenario', [
  required('entrypoint', S.string(undefined, { minLength: 1, maxLength: 1024 })),
  field('input', S.any),
  required('expected_behavior', S.string(undefined, { minLength: 1, maxLength: 4000 })),
]);

// linkworld.ai/v2 fields Marina keeps but does not act on yet (LinkworldExtras in NativeShape.swift).
export const linkworldWorkflow = objectShape('LinkworldWorkflow', [
  required('id', S.string(undefined, { minLength: 1 })),
  field('name', S.string()),
  field('intent', S.string()),
  field('triggers', S.array(S.any)),
  field('flow', S.array(S.any)),
  field('tools_required', S.array(S.string())),
]);

export const linkworldHttpRoute = objectShape('LinkworldHttpRoute', [
  required('path', S.string(undefined, { minLength: 1 })),
  field('methods', S.array(S.string())),
  field('public', S.boolean),
]);

const linkworldHeartbeat = objectShape('LinkworldHeartbeat', [
  required('slug', S.string(undefined, { minLength: 1 })),
  field('skill', S.string()),
  field('tool', S.string()),
  field('params', S.any),
  field('schedule_type', S.enumeration(['interval', 'daily', 'weekly', 'cron']), 'interval'),
  field('interval_minutes', S.integer({ min: 5, max: 43200 })),
  field('cron_expression', S.string('cron')),
  field('time_of_day', S.string('clockTime')),
  field('day_of_week', S.integer({ min: 0, max: 6 })),
  field(
    'active_hours',
    S.object(objectShape('LinkworldActiveHours', [required('start', S.string('clockTime')), required('end', S.string('clockTime')), field('timezone', S.string('timezone'))])),
  ),
  field('invoke_always', S.boolean, false),
  field('cooldown_seconds', S.integer({ min: 0 })),
  field('conversation_mode', S.string()),
  field('model_tier', S.string()),
  field('prompt', S.string()),
]);

export const linkworldAgent = objectShape('LinkworldAgent', [
  required('id', S.string(undefined, { minLength: 1 })),
  field('name', S.string()),
  field('system_prompt', S.string()),
  field('is_default', S.boolean),
  field('team', S.array(S.any)),
  field('heartbeats', S.array(S.object(linkworldHeartbeat))),
]);

export const linkworldSubscription = objectShape('LinkworldSubscription', [
  required('emitter_app', S.string('slug')),
  required('event_name', S.string('linkworldEventName')),
  required('target_agent', S.string(undefined, { minLength: 1 })),
  field('target_heartbeat', S.string(undefined, { minLength: 1 })),
]);

/** The fields of the `linkworld` section, in order; an imported linkworld manifest keeps each there. */
export const LINKWORLD_FIELDS = ['workflows', 'http_routes', 'agents', 'emits', 'subscribes_to'];

const linkworldExtras = objectShape('LinkworldExtras', [
  field('workflows', S.array(S.object(linkworldWorkflow))),
  field('http_routes', S.array(S.object(linkworldHttpRoute))),
  field('agents', S.array(S.object(linkworldAgent))),
  field('emits', S.array(S.string('linkworldEventName'), { maxItems: 30 })),
  field('subscribes_to', S.array(S.object(linkworldSubscription))),
]);

export const NATIVE_EVENTS = ['install', 'uninstall', 'inbound', 'user_added'] as const;

export const nativeRoot = objectShape('MarinaAppManifest', [
  required('apiVersion', S.enumeration([NATIVE_API_VERSION])),
  required('app', S.object(app)),
  field('runtime', S.object(runtime), obj([])),
  field('network', S.object(network), obj([])),
  field('scopes', S.array(S.string('scope')), []),
  field('tools', S.array(S.object(tool), { maxItems: 256 }), []),
  field('events', S.array(S.enumeration([...NATIVE_EVENTS])), []),
  field('schedules', S.array(S.object(schedule), { maxItems: 64 }), []),
  field('webhooks', S.array(S.object(webhook), { maxItems: 64 }), []),
  field('settings', S.array(S.object(setting), { maxItems: 128 }), []),
  field('connectors', S.array(S.object(connector), { maxItems: 64 })),
  field('surfaces', S.array(S.object(surface), { maxItems: 64 })),
  field('containers', S.array(S.object(container), { maxItems: 16 })),
  field('connections', S.array(S.object(connection), { maxItems: 64 })),
  field('agents', S.array(S.object(agent), { maxItems: 32 })),
  field('state', S.object(state)),
  field('compatibility', S.object(compatibility)),
  field('source', S.object(source)),
  field('migrations', S.array(S.object(migration))),
  field('billing', S.object(billing)),
  field('listing', S.object(listing)),
  field('eval_scenarios', S.array(S.object(evalScenario), { maxItems: 200 })),
  field('linkworld', S.object(linkworldExtras)),
]);

export const nativeRootShape = S.object(nativeRoot);
