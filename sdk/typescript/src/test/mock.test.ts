import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../runtime/app';
import { ToolCallError } from '../runtime/errors';
import { MockConfig, MockPlatformClient } from '../runtime/platform';
import { ENV_BASE, MOCK_DIR, makeKeys, signToken, tempDir, validClaims, writeManifest } from './helpers';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };
/** The documented example, shared with the Python SDK's tests. */
const MOCK_FILE = join(MOCK_DIR, 'mock.json');
const MOCK = JSON.parse(readFileSync(MOCK_FILE, 'utf8')) as MockConfig;

interface MockCall {
  secret?: string;
  value?: string | null;
  tool?: string;
  args?: Record<string, unknown>;
  result?: unknown;
  error?: { decision: string; message?: string; needed_scopes?: string[] };
}
const EXPECTATIONS = JSON.parse(readFileSync(join(MOCK_DIR, 'expectations.json'), 'utf8')) as {
  scenarios: { name: string; mock: string | MockConfig; calls: MockCall[] }[];
  invalid: { name: string; mock: unknown }[];
};

/** The path of a mock: a file of conformance/mock, or the document written to a file. */
function mockFile(content: unknown): string {
  if (typeof content === 'string') return join(MOCK_DIR, content);
  const file = join(tempDir(), 'mock.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

async function toolError(p: Promise<unknown>): Promise<ToolCallError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ToolCallError)) throw e;
    return e;
  }
  throw new Error('expected a ToolCallError');
}

for (const scenario of EXPECTATIONS.scenarios) {
  test(`conformance/mock: ${scenario.name}`, async () => {
    const ctx = createApp({ manifest: writeManifest(), env: { MARINA_MOCK: mockFile(scenario.mock) }, logger: quiet }).context();
    for (const call of scenario.calls) {
      const what = JSON.stringify(call);
      if (call.secret !== undefined) {
        assert.equal(await ctx.secrets.get(call.secret), call.value, what);
      } else if ('result' in call) {
        assert.deepEqual(await ctx.tools.call(call.tool as string, call.args), call.result, what);
      } else {
        const e = await toolError(ctx.tools.call(call.tool as string, call.args));
        const expected = call.error as NonNullable<MockCall['error']>;
        assert.equal(e.decision, expected.decision, what);
        if (expected.message !== undefined) assert.equal(e.message, expected.message, what);
        if (expected.needed_scopes !== undefined) assert.deepEqual(e.neededScopes, expected.needed_scopes, what);
      }
    }
  });
}

for (const invalid of EXPECTATIONS.invalid) {
  test(`conformance/mock: refused, ${invalid.name}`, () => {
    assert.throws(() => createApp({ manifest: writeManifest(), env: { MARINA_MOCK: mockFile(invalid.mock) }, logger: quiet }), TypeError);
    assert.throws(() => new MockPlatformClient(invalid.mock as MockConfig), TypeError);
  });
}

test('MARINA_MOCK selects mock mode; tools answer from the file', async () => {
  const app = createApp({ manifest: writeManifest(), env: { MARINA_MOCK: MOCK_FILE }, logger: quiet });
  assert.equal(app.mockMode, true);
  const ctx = app.context();
  assert.deepEqual(await ctx.tools.call('mail_send', { to: ['a@example.com'], subject: 's', text: 't' }), { queued: true, id: 'mail_1' });
  const denied = await toolError(ctx.tools.call('http_fetch', { url: 'https://x' }));
  assert.equal(denied.decision, 'scope_denied');
  assert.equal(denied.message, 'not granted');
  assert.deepEqual(denied.neededScopes, ['http.fetch']);
  const unknown = await toolError(ctx.tools.call('files_read', { path: 'a' }));
  assert.equal(unknown.decision, 'unknown_tool');
});

test('secrets come from the file, null when absent, never rejecting', async () => {
  const ctx = createApp({ manifest: writeManifest(), mock: MOCK_FILE, env: {}, logger: quiet }).context();
  assert.equal(await ctx.secrets.get('API_KEY'), 'test-key');
  assert.equal(await ctx.secrets.get('OTHER'), null);
  assert.equal(await ctx.secrets.get('not a key'), null);
});

test('kv tools are served by an in-memory store', async () => {
  const ctx = createApp({ manifest: writeManifest(), mock: MOCK, env: {}, logger: quiet }).context();
  assert.equal(await ctx.kv.get('a'), null);
  await ctx.kv.set('a', { n: 1 });
  await ctx.kv.set('b', [1, 2], { ttlS: 60 });
  await ctx.kv.set('c', 'x');
  assert.deepEqual(await ctx.kv.get('a'), { n: 1 });
  assert.deepEqual(await ctx.kv.list(), { keys: ['a', 'b', 'c'], nextCursor: null });
  assert.deepEqual(await ctx.kv.list({ limit: 2 }), { keys: ['a', 'b'], nextCursor: 'b' });
  assert.deepEqual(await ctx.kv.list({ cursor: 'b' }), { keys: ['c'], nextCursor: null });
  assert.equal(await ctx.kv.delete('a'), true);
  assert.equal(await ctx.kv.delete('a'), false);
  assert.equal((await toolError(ctx.kv.set('', 1))).decision, 'invalid_args');
  assert.equal((await toolError(ctx.kv.set('k', 1, { ttlS: 5 }))).decision, 'invalid_args');
});

test('kv entries expire after their ttl', async () => {
  let now = 1_000_000;
  const mock = new MockPlatformClient({}, () => now);
  await mock.callTool('kv_set', { key: 'k', value: 1, ttl_s: 60 });
  assert.deepEqual(await mock.callTool('kv_get', { key: 'k' }), { found: true, value: 1 });
  now += 61_000;
  assert.deepEqual(await mock.callTool('kv_get', { key: 'k' }), { found: false, value: null });
});

test('mock mode end to end: a handler calls tools through the HTTP contract', async () => {
  const keys = makeKeys('k');
  const app = createApp({
    manifest: writeManifest(),
    mock: MOCK,
    env: { ...ENV_BASE, MARINA_JWKS: JSON.stringify({ keys: [keys.jwk] }) },
    logger: quiet,
  });
  app.tool('remember', async (args: { note: string }, ctx) => {
    await ctx.kv.set('note', args.note);
    return { note: await ctx.kv.get('note'), mail: await ctx.tools.call('mail_send', {}) };
  });
  const r = await app.handle({
    method: 'POST',
    path: '/tool/remember',
    headers: { authorization: `Bearer ${signToken(keys, validClaims())}`, 'x-marina-request-id': 'req_m' },
    body: JSON.stringify({ note: 'hello' }),
  });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body), { note: 'hello', mail: { queued: true, id: 'mail_1' } });
});
