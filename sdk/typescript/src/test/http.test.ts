import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { MarinaApp, RunningServer, createApp } from '../runtime/app';
import { AppError, ToolCallError } from '../runtime/errors';
import { loadManifestFile } from '../manifest/loader';
import { ENV_BASE, HttpAnswer, httpRequest, makeKeys, signToken, tempDir, validClaims, writeManifest } from './helpers';

const keys = makeKeys('k1');
const logLines: string[] = [];
let platform: Server;
let platformPort = 0;
let app: MarinaApp;
let running: RunningServer;
let socket = '';
let manifestFile = '';
let installs = 0;
let slowInstalls = 0;
const platformCalls: unknown[] = [];

function platformHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body: any = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    platformCalls.push({ url: req.url, body, auth: req.headers.authorization, requestId: req.headers['x-marina-request-id'] });
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof value === 'string' ? value : JSON.stringify(value));
    };
    if (req.headers.authorization !== 'Bearer app-token') return send(401, { error: { code: 'invalid_token', message: 'bad app token' } });
    if (req.url === '/api/mcp/app-tools' && req.method === 'POST') {
      if (body.tool === 'kv_get') return send(200, { ok: true, result: { found: true, value: `value of ${body.args.key}` } });
      if (body.tool === 'http_fetch') return send(200, { ok: false, error: { decision: 'scope_denied', message: 'not granted', needed_scopes: ['http.fetch'] } });
      return send(200, { ok: false, error: { decision: 'unknown_tool', message: `no tool ${body.tool}`, needed_scopes: [] } });
    }
    if (req.url === '/api/mcp/app-secrets') {
      if (body.key === 'API_KEY') return send(200, { ok: true, value: 'sekret' });
      if (body.key === 'BROKEN') return send(500, 'not json');
      return send(200, { ok: true, value: null });
    }
    send(404, { error: { code: 'not_found', message: 'no route' } });
  });
}

before(async () => {
  platform = createServer(platformHandler);
  await new Promise<void>((done) => platform.listen({ port: 0, host: '127.0.0.1' }, () => done()));
  const address = platform.address();
  platformPort = typeof address === 'object' && address ? address.port : 0;
  socket = join(tempDir(), 'app.sock');
  manifestFile = writeManifest();
  app = createApp({
    manifest: manifestFile,
    env: {
      ...ENV_BASE,
      MARINA_JWKS: JSON.stringify({ keys: [keys.jwk] }),
      MARINA_URL: `http://127.0.0.1:${platformPort}`,
      MARINA_APP_TOKEN: 'app-token',
      MARINA_SOCKET: socket,
    },
    logger: { debug() {}, info() {}, warn: (m) => logLines.push(m), error: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`), child() { return this; } },
  });
  app.tool('triage', async (args: { text: string }, ctx) => ({
    label: args.text.includes('invoice') ? 'invoice' : 'other',
    kv: await ctx.kv.get('last'),
    secret: await ctx.secrets.get('API_KEY'),
    missing: await ctx.secrets.get('NOPE'),
    broken: await ctx.secrets.get('BROKEN'),
    invalidKey: await ctx.secrets.get('not a key'),
    tenant: ctx.tenant,
    app: ctx.app,
    version: ctx.version,
    requestId: ctx.requestId,
  }));
  app.tool('explode', () => {
    throw new Error('boom: the database is on fire\n    at secretFunction (/srv/app/secret.js:1:1)');
  });
  app.tool('refuse', () => {
    throw new AppError('not_found', 'no such invoice\nsecond line', 404);
  });
  app.tool('remember', async (args: { rethrow?: boolean }, ctx) => {
    try {
      await ctx.tools.call('http_fetch', { url: 'https://example.com' });
      return { called: true };
    } catch (e) {
      if (!(e instanceof ToolCallError) || args.rethrow) throw e;
      return { decision: e.decision, message: e.message, neededScopes: e.neededScopes };
    }
  });
  app.on('install', async (event, ctx) => {
    installs++;
    if ((event.payload as { slow?: boolean } | null)?.slow) {
      slowInstalls++;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { eventId: ctx.eventId, type: event.type };
  });
  app.webhook('ingest', (event) => ({ got: event.payload }));
  running = await app.listen();
});

after(async () => {
  await running.close();
  await new Promise<void>((done) => platform.close(() => done()));
});

const token = (extra: Record<string, unknown> = {}) => signToken(keys, validClaims(Math.floor(Date.now() / 1000), extra));
const auth = (extra: Record<string, unknown> = {}) => ({ authorization: `Bearer ${token(extra)}`, 'x-marina-request-id': 'req_42' });

function assertErrorShape(r: HttpAnswer, status: number, code: string): void {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.json), ['error']);
  assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'message']);
  assert.equal(r.json.error.code, code);
  assert.match(r.json.error.code, /^[A-Za-z0-9_.-]{1,64}$/);
  assert.equal(typeof r.json.error.message, 'string');
  assert.doesNotMatch(r.json.error.message, /\n/);
}

test('the app listens on MARINA_SOCKET', () => {
  assert.equal(running.address, socket);
});

test('GET /health answers 200 without a token', async () => {
  const r = await httpRequest(socket, 'GET', '/health');
  assert.equal(r.status, 200);
});

test('GET /manifest serves the manifest whose canonical hash is the published one', async () => {
  const r = await httpRequest(socket, 'GET', '/manifest');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /application\/json/);
  const hash = 'sha256:' + createHash('sha256').update(r.text).digest('hex');
  assert.equal(hash, loadManifestFile(manifestFile).hash);
  assert.equal(hash, app.manifestHash);
  assert.equal(r.json.app.id, 'invoice-triage');
});

test('a tool call without a valid token is refused before any handler runs', async () => {
  assertErrorShape(await httpRequest(socket, 'POST', '/tool/explode', {}), 401, 'invalid_token');
  assertErrorShape(await httpRequest(socket, 'POST', '/tool/explode', {}, { authorization: 'Bearer nonsense' }), 401, 'invalid_token');
  assertErrorShape(await httpRequest(socket, 'POST', '/tool/explode', {}, { authorization: `Bearer ${token({ tenant: 'globex' })}` }), 401, 'invalid_token');
  assertErrorShape(await httpRequest(socket, 'POST', '/event/install', { id: 'evt_x' }, { authorization: `Bearer ${token({ aud: 'other' })}` }), 401, 'invalid_token');
  assertErrorShape(await httpRequest(socket, 'POST', '/tool/unknown', {}), 401, 'invalid_token');
});

test('a tool call round trip: context, kv, secrets', async () => {
  const r = await httpRequest(socket, 'POST', '/tool/triage', { text: 'an invoice' }, auth());
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, {
    label: 'invoice',
    kv: 'value of last',
    secret: 'sekret',
    missing: null,
    broken: null,
    invalidKey: null,
    tenant: 'acme',
    app: 'invoice-triage',
    version: '1.4.0',
    requestId: 'req_42',
  });
  const kvCall = platformCalls.find((c) => (c as { body?: { tool?: string } }).body?.tool === 'kv_get') as { auth: string; requestId: string; body: unknown };
  assert.equal(kvCall.auth, 'Bearer app-token');
  assert.equal(kvCall.requestId, 'req_42');
  assert.deepEqual(kvCall.body, { tool: 'kv_get', args: { key: 'last' } });
});

test('a refused platform call is a typed ToolCallError', async () => {
  const r = await httpRequest(socket, 'POST', '/tool/remember', {}, auth());
  assert.deepEqual(r.json, { decision: 'scope_denied', message: 'not granted', neededScopes: ['http.fetch'] });
});

test('a platform refusal the handler does not catch is 502 with the decision as the code', async () => {
  const r = await httpRequest(socket, 'POST', '/tool/remember', { rethrow: true }, auth());
  assertErrorShape(r, 502, 'scope_denied');
  assert.equal(r.json.error.message, 'not granted');
});

test('an unknown tool answers 404 unknown_tool', async () => {
  assertErrorShape(await httpRequest(socket, 'POST', '/tool/zzz', {}, auth()), 404, 'unknown_tool');
  assertErrorShape(await httpRequest(socket, 'POST', '/tool/unimplemented', {}, auth()), 404, 'unknown_tool');
});

test('a handler error is 500 app_error with the first line only, never the stack', async () => {
  const r = await httpRequest(socket, 'POST', '/tool/explode', {}, auth());
  assertErrorShape(r, 500, 'app_error');
  assert.equal(r.json.error.message, 'boom: the database is on fire');
  assert.doesNotMatch(r.text, /secretFunction|secret\.js/);
  assert.ok(logLines.some((l) => l.includes('secretFunction')), 'the stack goes to the log');
});

test('AppError chooses code and status', async () => {
  const r = await httpRequest(socket, 'POST', '/tool/refuse', {}, auth());
  assertErrorShape(r, 404, 'not_found');
  assert.equal(r.json.error.message, 'no such invoice');
  assert.throws(() => new AppError('bad code!', 'x'), TypeError);
  assert.throws(() => new AppError('ok', 'x', 200), TypeError);
});

test('a body that is not JSON is 400', async () => {
  assertErrorShape(await httpRequest(socket, 'POST', '/tool/triage', '{nope', auth()), 400, 'invalid_json');
});

test('unknown routes and methods', async () => {
  assertErrorShape(await httpRequest(socket, 'GET', '/nowhere', undefined, auth()), 404, 'not_found');
  assertErrorShape(await httpRequest(socket, 'GET', '/tool/triage', undefined, auth()), 405, 'method_not_allowed');
  assertErrorShape(await httpRequest(socket, 'POST', '/health', {}), 405, 'method_not_allowed');
});

test('events are idempotent: the same id is acted on once', async () => {
  const before = installs;
  const envelope = { id: 'evt_1', type: 'install', tenant: 'acme', app: 'invoice-triage', version: '1.4.0', payload: { user: 'u1' } };
  const first = await httpRequest(socket, 'POST', '/event/install', envelope, { ...auth({ jti: 'evt_1' }), 'x-marina-event-id': 'evt_1' });
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(first.json, { ok: true, result: { eventId: 'evt_1', type: 'install' } });
  const again = await httpRequest(socket, 'POST', '/event/install', envelope, { ...auth({ jti: 'evt_1' }), 'x-marina-event-id': 'evt_1' });
  assert.equal(again.status, 200);
  assert.deepEqual(again.json, { ok: true, duplicate: true });
  assert.equal(installs, before + 1);
  await httpRequest(socket, 'POST', '/event/install', { ...envelope, id: 'evt_2' }, auth());
  assert.equal(installs, before + 2);
});

test('concurrent duplicates run the handler once', async () => {
  const envelope = { id: 'evt_slow', type: 'install', payload: { slow: true } };
  const answers = await Promise.all([1, 2, 3].map(() => httpRequest(socket, 'POST', '/event/install', envelope, auth())));
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
  assert.equal(slowInstalls, 1);
});

test('the event id may come from X-Marina-Event-Id; an event without one is 400', async () => {
  const r = await httpRequest(socket, 'POST', '/event/webhook.ingest', { type: 'webhook.ingest', payload: { n: 1 } }, { ...auth(), 'x-marina-event-id': 'evt_h' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.result, { got: { n: 1 } });
  assertErrorShape(await httpRequest(socket, 'POST', '/event/install', { payload: {} }, auth()), 400, 'invalid_event');
  assertErrorShape(await httpRequest(socket, 'POST', '/event/install', [1], auth()), 400, 'invalid_event');
});

test('an undeclared event is 404 unknown_event; a declared one without a handler is acknowledged', async () => {
  assertErrorShape(await httpRequest(socket, 'POST', '/event/schedule.nope', { id: 'evt_s' }, auth()), 404, 'unknown_event');
  assertErrorShape(await httpRequest(socket, 'POST', '/event/user_added', { id: 'evt_x' }, auth()), 404, 'unknown_event');
  assertErrorShape(await httpRequest(socket, 'POST', '/event/uninstall', { id: 'evt_u' }, auth()), 404, 'unknown_event');
  // Undeclared comes first: without an id, or with a body that is no envelope, it is still 404.
  assertErrorShape(await httpRequest(socket, 'POST', '/event/uninstall', { payload: {} }, auth()), 404, 'unknown_event');
  assertErrorShape(await httpRequest(socket, 'POST', '/event/webhook.nope', [1], auth()), 404, 'unknown_event');
  const r = await httpRequest(socket, 'POST', '/event/schedule.nightly', { id: 'evt_n' }, auth());
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { ok: true, handled: false });
});

test('TCP listening on PORT works too', async () => {
  const tcp = createApp({ manifest: manifestFile, env: { ...ENV_BASE, PORT: '0' }, verifyTokens: false, logger: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } } });
  tcp.tool('triage', (args: { text: string }) => ({ echo: args.text }));
  const server = await tcp.listen({ port: 0, host: '127.0.0.1' });
  try {
    const r = await httpRequest(server.address as number, 'POST', '/tool/triage', { text: 'hi' });
    assert.deepEqual(r.json, { echo: 'hi' });
  } finally {
    await server.close();
  }
});

test('a rotated app token is read from MARINA_APP_TOKEN_FILE at each platform call', async () => {
  // The instance started with a token that has since expired; the platform wrote its successor to
  // the token file, and the next call uses that one. Without the file: the token it started with.
  const { HttpPlatformClient } = await import('../runtime/platform');
  const { writeFileSync, unlinkSync } = await import('node:fs');
  const tokenFile = join(tempDir(), 'app-token');
  writeFileSync(tokenFile, 'expired-token');
  const client = new HttpPlatformClient(`http://127.0.0.1:${platformPort}`, 'app-token', console as any, fetch, 10_000, tokenFile);
  await assert.rejects(client.callTool('kv_get', { key: 'k' }));
  writeFileSync(tokenFile, 'app-token\n');
  assert.deepEqual(await client.callTool('kv_get', { key: 'k' }), { found: true, value: 'value of k' });
  unlinkSync(tokenFile);
  assert.deepEqual(await client.callTool('kv_get', { key: 'k' }), { found: true, value: 'value of k' });
});
