import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../runtime/app';
import { ToolCallError } from '../runtime/errors';
import { MockPlatformClient } from '../runtime/platform';
import { ENV_BASE, makeKeys, signToken, tempDir, validClaims, writeManifest } from './helpers';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };
const MOCK = {
  secrets: { API_KEY: 'test-key' },
  tools: {
    mail_send: { queued: true, id: 'mail_1' },
    http_fetch: { error: { decision: 'scope_denied', message: 'not granted', needed_scopes: ['http.fetch'] } },
  },
};

function mockFile(content: unknown = MOCK): string {
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

test('MARINA_MOCK selects mock mode; tools answer from the file', async () => {
  const app = createApp({ manifest: writeManifest(), env: { MARINA_MOCK: mockFile() }, logger: quiet });
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
  const ctx = createApp({ manifest: writeManifest(), mock: mockFile(), env: {}, logger: quiet }).context();
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

test('a kv tool listed in the file overrides the in-memory store', async () => {
  const ctx = createApp({ manifest: writeManifest(), mock: { tools: { kv_get: { found: true, value: 'fixed' } } }, env: {}, logger: quiet }).context();
  assert.equal(await ctx.kv.get('anything'), 'fixed');
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
