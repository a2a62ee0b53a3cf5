"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.nativeRootShape = exports.nativeRoot = exports.NATIVE_EVENTS = exports.platformFee = exports.migration = exports.state = exports.agent = exports.connection = exports.connector = exports.setting = exports.toolSchemaDefault = exports.NATIVE_API_VERSION = void 0;
const shape_1 = require("./shape");
/** The native manifest format `marina/v1`: the SPEC §3 core plus what imported formats can say. */
exports.NATIVE_API_VERSION = 'marina/v1';
const obj = (entries) => new Map(entries);
const toolSchemaDefault = () => obj([['type', 'object']]);
exports.toolSchemaDefault = toolSchemaDefault;
const app = (0, shape_1.objectShape)('App', [
    (0, shape_1.required)('id', shape_1.S.string('slug')),
    (0, shape_1.required)('name', shape_1.S.string(undefined, { minLength: 1, maxLength: 120 })),
    (0, shape_1.required)('version', shape_1.S.string('semver')),
    (0, shape_1.field)('description', shape_1.S.string(undefined, { maxLength: 4000 })),
    (0, shape_1.field)('category', shape_1.S.string(undefined, { maxLength: 64 })),
    (0, shape_1.field)('icon', shape_1.S.string(undefined, { maxLength: 2048 })),
    (0, shape_1.field)('changelog', shape_1.S.string(undefined, { maxLength: 8000 })),
    (0, shape_1.field)('forkable', shape_1.S.enumeration(['yes', 'restricted', 'no']), 'no'),
    (0, shape_1.field)('forked_from', shape_1.S.string('appRef')),
    (0, shape_1.field)('qualified_id', shape_1.S.string('reverseDNS')),
    (0, shape_1.field)('creator_id', shape_1.S.string('uuid')),
]);
const resources = (0, shape_1.objectShape)('Resources', [
    (0, shape_1.field)('memory_mb', shape_1.S.integer({ min: 64, max: 4096 }), 256),
    (0, shape_1.field)('cpu_cores', shape_1.S.number({ min: 0.1, max: 4 }), 1),
    (0, shape_1.field)('max_processes', shape_1.S.integer({ min: 1, max: 4096 }), 64),
]);
const runtime = (0, shape_1.objectShape)('Runtime', [
    (0, shape_1.field)('command', shape_1.S.array(shape_1.S.string('nonEmpty'), { minItems: 1, maxItems: 64 })),
    (0, shape_1.field)('image', shape_1.S.string('image', { maxLength: 512 })),
    (0, shape_1.field)('port', shape_1.S.integer({ min: 1024, max: 65535 }), 8080),
    (0, shape_1.field)('resources', shape_1.S.object(resources), obj([])),
    (0, shape_1.field)('env', shape_1.S.map(shape_1.S.string('envValue', { maxLength: 32768 }), 'envName'), obj([])),
    (0, shape_1.field)('idle_timeout_s', shape_1.S.integer({ min: 10, max: 86400 }), 900),
    (0, shape_1.field)('tier', shape_1.S.integer({ allowed: [0, 1, 2] })),
    (0, shape_1.field)('model', shape_1.S.enumeration(['always-on', 'job-only'])),
    (0, shape_1.field)('compute_model', shape_1.S.enumeration(['per-invocation', 'per-installer', 'shared-singleton'])),
]);
const network = (0, shape_1.objectShape)('Network', [(0, shape_1.field)('egress_hosts', shape_1.S.array(shape_1.S.string('hostname'), { maxItems: 100 }), [])]);
const tool = (0, shape_1.objectShape)('Tool', [
    (0, shape_1.required)('name', shape_1.S.string('toolName')),
    (0, shape_1.field)('title', shape_1.S.string(undefined, { maxLength: 120 })),
    (0, shape_1.field)('description', shape_1.S.string(undefined, { maxLength: 4000 })),
    (0, shape_1.field)('input_schema', shape_1.S.jsonSchema, (0, exports.toolSchemaDefault)()),
    (0, shape_1.field)('output_schema', shape_1.S.jsonSchema),
    (0, shape_1.field)('scopes', shape_1.S.array(shape_1.S.string('scope')), []),
    (0, shape_1.field)('agent_visible', shape_1.S.boolean, true),
    (0, shape_1.field)('timeout_s', shape_1.S.integer({ min: 1, max: 900 }), 25),
    (0, shape_1.field)('entrypoint', shape_1.S.string(undefined, { maxLength: 1024 })),
]);
const schedule = (0, shape_1.objectShape)('Schedule', [
    (0, shape_1.required)('name', shape_1.S.string('eventName')),
    (0, shape_1.field)('cron', shape_1.S.string('cron')),
    (0, shape_1.field)('timezone', shape_1.S.string('timezone'), 'UTC'),
    (0, shape_1.field)('description', shape_1.S.string(undefined, { maxLength: 1000 })),
    (0, shape_1.field)('entrypoint', shape_1.S.string(undefined, { maxLength: 1024 })),
    (0, shape_1.field)('execution', shape_1.S.enumeration(['http-post', 'job']), 'http-post'),
    (0, shape_1.field)('trigger', shape_1.S.enumeration(['cron', 'webhook']), 'cron'),
    (0, shape_1.field)('editable', shape_1.S.boolean, false),
    (0, shape_1.field)('optional', shape_1.S.boolean, false),
]);
const webhook = (0, shape_1.objectShape)('Webhook', [(0, shape_1.required)('name', shape_1.S.string('eventName')), (0, shape_1.field)('description', shape_1.S.string(undefined, { maxLength: 1000 }))]);
const settingOption = (0, shape_1.objectShape)('SettingOption', [
    (0, shape_1.required)('value', shape_1.S.string(undefined, { maxLength: 256 })),
    (0, shape_1.field)('label', shape_1.S.string(undefined, { maxLength: 120 })),
]);
exports.setting = (0, shape_1.objectShape)('Setting', [
    (0, shape_1.required)('id', shape_1.S.string('settingId')),
    (0, shape_1.required)('type', shape_1.S.enumeration(['string', 'text', 'number', 'boolean', 'select', 'select_or_custom', 'secret'])),
    (0, shape_1.field)('label', shape_1.S.string(undefined, { maxLength: 120 })),
    (0, shape_1.field)('description', shape_1.S.string(undefined, { maxLength: 1000 })),
    (0, shape_1.field)('required', shape_1.S.boolean, false),
    (0, shape_1.field)('default', shape_1.S.any),
    (0, shape_1.field)('options', shape_1.S.array(shape_1.S.either([shape_1.S.string(undefined, { maxLength: 256 }), shape_1.S.object(settingOption)]), { maxItems: 500 })),
    (0, shape_1.field)('min', shape_1.S.number()),
    (0, shape_1.field)('max', shape_1.S.number()),
]);
exports.connector = (0, shape_1.objectShape)('Connector', [
    (0, shape_1.required)('id', shape_1.S.string(undefined, { minLength: 1, maxLength: 128 })),
    (0, shape_1.required)('kind', shape_1.S.enumeration(['mcp', 'api_key', 'oauth', 'webhook'])),
    (0, shape_1.field)('scopes', shape_1.S.array(shape_1.S.string(undefined, { maxLength: 256 })), []),
    (0, shape_1.field)('required', shape_1.S.boolean, true),
    (0, shape_1.field)('oauth', shape_1.S.boolean, false),
    (0, shape_1.field)('secret_key', shape_1.S.string(undefined, { maxLength: 256 })),
]);
const surface = (0, shape_1.objectShape)('Surface', [
    (0, shape_1.required)('kind', shape_1.S.enumeration(['ui', 'chat', 'scheduled', 'triggered'])),
    (0, shape_1.field)('entrypoint', shape_1.S.string(undefined, { maxLength: 1024 })),
    (0, shape_1.field)('name', shape_1.S.string(undefined, { maxLength: 120 })),
    (0, shape_1.field)('description', shape_1.S.string(undefined, { maxLength: 4000 })),
]);
const container = (0, shape_1.objectShape)('Container', [
    (0, shape_1.required)('name', shape_1.S.string(undefined, { minLength: 1, maxLength: 64 })),
    (0, shape_1.required)('image', shape_1.S.string('image', { maxLength: 512 })),
    (0, shape_1.field)('primary', shape_1.S.boolean, false),
    (0, shape_1.field)('ports', shape_1.S.array(shape_1.S.integer({ min: 1, max: 65535 })), []),
    (0, shape_1.field)('env', shape_1.S.map(shape_1.S.string('envValue', { maxLength: 32768 }), 'envName'), obj([])),
    (0, shape_1.field)('command', shape_1.S.array(shape_1.S.string('nonEmpty'), { minItems: 1, maxItems: 64 })),
    (0, shape_1.field)('resources', shape_1.S.map(shape_1.S.any)),
    (0, shape_1.field)('extensions', shape_1.S.map(shape_1.S.any)),
]);
exports.connection = (0, shape_1.objectShape)('Connection', [
    (0, shape_1.required)('source_container', shape_1.S.string()),
    (0, shape_1.required)('target_container', shape_1.S.string()),
    (0, shape_1.required)('connector_type', shape_1.S.enumeration(['env_injection', 'http_api', 'database', 'cache', 'message_queue', 'websocket', 'depends_on'])),
    (0, shape_1.field)('config', shape_1.S.map(shape_1.S.any), obj([])),
]);
exports.agent = (0, shape_1.objectShape)('Agent', [
    (0, shape_1.required)('id', shape_1.S.string(undefined, { minLength: 1, maxLength: 128 })),
    (0, shape_1.required)('system_prompt_ref', shape_1.S.string(undefined, { minLength: 1, maxLength: 1024 })),
    (0, shape_1.field)('model_pref', shape_1.S.string(undefined, { maxLength: 256 })),
    (0, shape_1.field)('tools_ref', shape_1.S.array(shape_1.S.string())),
    (0, shape_1.field)('mcps_ref', shape_1.S.array(shape_1.S.string())),
    (0, shape_1.field)('temperature', shape_1.S.number()),
    (0, shape_1.field)('max_tokens', shape_1.S.integer()),
    (0, shape_1.field)('thinking_effort', shape_1.S.string(undefined, { maxLength: 64 })),
    (0, shape_1.field)('warm_pool_size', shape_1.S.integer({ min: 0 })),
]);
exports.state = (0, shape_1.objectShape)('State', [
    (0, shape_1.required)('model', shape_1.S.enumeration(['stateless', 'per-install-volume', 'byo-database'])),
    (0, shape_1.field)('volume_size', shape_1.S.string('volumeSize')),
    (0, shape_1.field)('byo_database', shape_1.S.object((0, shape_1.objectShape)('ByoDatabase', [(0, shape_1.field)('schema', shape_1.S.string()), (0, shape_1.field)('connection_env', shape_1.S.string()), (0, shape_1.field)('external_db_version', shape_1.S.string())]))),
]);
const compatibility = (0, shape_1.objectShape)('Compatibility', [
    (0, shape_1.field)('platform', shape_1.S.object((0, shape_1.objectShape)('PlatformRange', [(0, shape_1.required)('min', shape_1.S.string()), (0, shape_1.field)('max', shape_1.S.string())]))),
    (0, shape_1.field)('runtime_api', shape_1.S.string(undefined, { maxLength: 64 })),
    (0, shape_1.field)('required_features', shape_1.S.array(shape_1.S.string()), []),
]);
const source = (0, shape_1.objectShape)('SourceVisibility', [
    (0, shape_1.field)('level', shape_1.S.enumeration(['public', 'installers', 'private']), 'installers'),
    (0, shape_1.field)('excluded_paths', shape_1.S.array(shape_1.S.string()), ['.env*', 'secrets/**', '.git/**']),
    (0, shape_1.field)('manifest_always_public', shape_1.S.boolean, true),
]);
exports.migration = (0, shape_1.objectShape)('Migration', [
    (0, shape_1.required)('from', shape_1.S.string()),
    (0, shape_1.required)('to', shape_1.S.string()),
    (0, shape_1.field)('auto_safe', shape_1.S.boolean, false),
    (0, shape_1.field)('up', shape_1.S.string()),
    (0, shape_1.field)('down', shape_1.S.string()),
]);
const billingDimension = (0, shape_1.objectShape)('BillingDimension', [
    (0, shape_1.required)('payer', shape_1.S.enumeration(['creator', 'platform', 'installer', 'byok'])),
    (0, shape_1.field)('markup_pct', shape_1.S.number({ min: 0 }), 0),
    (0, shape_1.field)('cap_usd_per_session', shape_1.S.number({ min: 0 })),
    (0, shape_1.field)('cap_usd_per_month_per_install', shape_1.S.number({ min: 0 })),
    (0, shape_1.field)('on_cap', shape_1.S.enumeration(['pause', 'degrade', 'notify-only']), 'pause'),
    (0, shape_1.field)('free_tier', shape_1.S.object((0, shape_1.objectShape)('FreeTier', [(0, shape_1.field)('cpu_seconds_per_month', shape_1.S.integer({ min: 0 })), (0, shape_1.field)('volume_gb', shape_1.S.number({ min: 0 }))], true))),
]);
exports.platformFee = (0, shape_1.objectShape)('PlatformFee', [
    (0, shape_1.required)('model', shape_1.S.enumeration(['free', 'one_time', 'subscription', 'per_invocation'])),
    (0, shape_1.field)('price_usd', shape_1.S.number({ min: 0 })),
    (0, shape_1.field)('billing_period', shape_1.S.nullable(shape_1.S.enumeration(['monthly', 'yearly']))),
    (0, shape_1.field)('trial_days', shape_1.S.integer({ min: 0 }), 0),
]);
const billing = (0, shape_1.objectShape)('Billing', [
    (0, shape_1.field)('ai_compute', shape_1.S.object(billingDimension)),
    (0, shape_1.field)('general_compute', shape_1.S.object(billingDimension)),
    (0, shape_1.field)('platform_fee', shape_1.S.object(exports.platformFee)),
    (0, shape_1.field)('promotional_budget', shape_1.S.object((0, shape_1.objectShape)('PromotionalBudget', [
        (0, shape_1.field)('fund_usd', shape_1.S.number({ min: 0 }), 0),
        (0, shape_1.field)('covers', shape_1.S.array(shape_1.S.enumeration(['ai_compute', 'general_compute', 'platform_fee'])), []),
        (0, shape_1.field)('on_exhaust', shape_1.S.enumeration(['disable', 'flip_to_installer', 'degrade_to_free']), 'flip_to_installer'),
    ]))),
]);
const listing = (0, shape_1.objectShape)('Listing', [
    (0, shape_1.field)('visibility', shape_1.S.string('visibility'), 'public'),
    (0, shape_1.field)('update_policy_default', shape_1.S.enumeration(['auto', 'manual', 'patch-auto', 'minor-auto', 'pinned']), 'manual'),
    (0, shape_1.field)('minimum_rollback_version', shape_1.S.string('semver')),
]);
const evalScenario = (0, shape_1.objectShape)('EvalScenario', [
    (0, shape_1.required)('entrypoint', shape_1.S.string(undefined, { minLength: 1, maxLength: 1024 })),
    (0, shape_1.field)('input', shape_1.S.any),
    (0, shape_1.required)('expected_behavior', shape_1.S.string(undefined, { minLength: 1, maxLength: 4000 })),
]);
exports.NATIVE_EVENTS = ['install', 'uninstall', 'inbound', 'user_added'];
exports.nativeRoot = (0, shape_1.objectShape)('MarinaAppManifest', [
    (0, shape_1.required)('apiVersion', shape_1.S.enumeration([exports.NATIVE_API_VERSION])),
    (0, shape_1.required)('app', shape_1.S.object(app)),
    (0, shape_1.field)('runtime', shape_1.S.object(runtime), obj([])),
    (0, shape_1.field)('network', shape_1.S.object(network), obj([])),
    (0, shape_1.field)('scopes', shape_1.S.array(shape_1.S.string('scope')), []),
    (0, shape_1.field)('tools', shape_1.S.array(shape_1.S.object(tool), { maxItems: 256 }), []),
    (0, shape_1.field)('events', shape_1.S.array(shape_1.S.enumeration([...exports.NATIVE_EVENTS])), []),
    (0, shape_1.field)('schedules', shape_1.S.array(shape_1.S.object(schedule), { maxItems: 64 }), []),
    (0, shape_1.field)('webhooks', shape_1.S.array(shape_1.S.object(webhook), { maxItems: 64 }), []),
    (0, shape_1.field)('settings', shape_1.S.array(shape_1.S.object(exports.setting), { maxItems: 128 }), []),
    (0, shape_1.field)('connectors', shape_1.S.array(shape_1.S.object(exports.connector), { maxItems: 64 })),
    (0, shape_1.field)('surfaces', shape_1.S.array(shape_1.S.object(surface), { maxItems: 64 })),
    (0, shape_1.field)('containers', shape_1.S.array(shape_1.S.object(container), { maxItems: 16 })),
    (0, shape_1.field)('connections', shape_1.S.array(shape_1.S.object(exports.connection), { maxItems: 64 })),
    (0, shape_1.field)('agents', shape_1.S.array(shape_1.S.object(exports.agent), { maxItems: 32 })),
    (0, shape_1.field)('state', shape_1.S.object(exports.state)),
    (0, shape_1.field)('compatibility', shape_1.S.object(compatibility)),
    (0, shape_1.field)('source', shape_1.S.object(source)),
    (0, shape_1.field)('migrations', shape_1.S.array(shape_1.S.object(exports.migration))),
    (0, shape_1.field)('billing', shape_1.S.object(billing)),
    (0, shape_1.field)('listing', shape_1.S.object(listing)),
    (0, shape_1.field)('eval_scenarios', shape_1.S.array(shape_1.S.object(evalScenario), { maxItems: 200 })),
]);
exports.nativeRootShape = shape_1.S.object(exports.nativeRoot);
