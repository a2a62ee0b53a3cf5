import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fromPlain } from '../json/value';
import { ManifestReport, NativeManifest, loadManifestDocument, loadManifestFile } from '../manifest/loader';
import { Context, createContext } from './context';
import { EventDeduplicator } from './dedupe';
import { AppError, InvalidTokenError, ManifestError, RegistrationError, ToolCallError, isErrorCode } from './errors';
import { Logger, createLogger } from './logger';
import { HttpPlatformClient, MockConfig, MockPlatformClient, PlatformClient, UnconfiguredPlatformClient } from './platform';
import { InvocationClaims, JWKSet, TokenVerifier } from './token';

export type LifecycleEvent = 'install' | 'uninstall' | 'user_added' | 'inbound';
const LIFECYCLE: readonly LifecycleEvent[] = ['install', 'uninstall', 'user_added', 'inbound'];

/** The event envelope the platform posts to `/event/<type>`. */
export interface MarinaEvent<P = unknown> {
  id: string;
  type: string;
  tenant?: string;
  app?: string;
  version?: string;
  payload: P;
  [k: string]: unknown;
}

export interface EventContext extends Context {
  eventId: string;
}

export type ToolHandler<A = any, R = unknown> = (args: A, ctx: Context) => R | Promise<R>;
export type EventHandler<P = any> = (event: MarinaEvent<P>, ctx: EventContext) => unknown;

export interface AppOptions {
  /** Path of the manifest (file or app directory), or the manifest itself as plain data. */
  manifest: string | Record<string, unknown>;
  /** The instance's environment (default `process.env`). */
  env?: Record<string, string | undefined>;
  /**
   * Mock mode: a mock file's path or its content (default: `MARINA_MOCK`). `tools.call` and
   * `secrets.get` are then answered from it; see docs/app-contract.md.
   */
  mock?: string | MockConfig;
  /** Another platform client (tests). */
  platform?: PlatformClient;
  /** Verify invocation tokens (default true). Turn off only for local experiments. */
  verifyTokens?: boolean;
  /** Event de-duplication (default: an in-memory `EventDeduplicator`); false to turn it off. */
  dedupe?: EventDeduplicator | false;
  logger?: Logger;
  /** Largest accepted request body (default 8 MiB). */
  maxBodyBytes?: number;
  /** Seconds since 1970, for token checks (tests). */
  now?: () => number;
  fetch?: typeof fetch;
}

/** A transport-independent request and response (what `handle` takes and gives). */
export interface AppRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body?: Uint8Array | string;
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ListenOptions {
  /** Unix socket path (default `MARINA_SOCKET`). */
  socket?: string;
  /** TCP port (default `PORT`, then the manifest's `runtime.port`); 0 picks a free one. */
  port?: number;
  host?: string;
}

export interface RunningServer {
  server: Server;
  /** The socket path, or the TCP port. */
  address: string | number;
  close(): Promise<void>;
}

function header(headers: AppRequest['headers'], name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function json(status: number, body: unknown): AppResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body === undefined ? null : body) };
}

function errorResponse(status: number, code: string, message: string): AppResponse {
  return json(status, { error: { code, message } });
}

/** The first line of an error's message, never its stack. */
export function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : typeof e === 'string' ? e : (() => {
    try {
      return JSON.stringify(e) ?? String(e);
    } catch {
      return String(e);
    }
  })();
  const line = String(text).split(/\r\n|\r|\n/)[0];
  return line.length > 1000 ? line.slice(0, 1000) : line;
}

/**
 * A Marina app: handlers registered against its manifest, served per docs/app-contract.md.
 *
 * ```ts
 * const app = createApp({ manifest: 'marina.app.yaml' });
 * app.tool('triage', async ({ text }, ctx) => ({ label: 'invoice' }));
 * app.on('install', async (event, ctx) => ctx.logger.info('installed'));
 * await app.listen();
 * ```
 */
export class MarinaApp {
  readonly manifest: NativeManifest;
  /** RFC 8785 canonical JSON of the manifest's `marina/v1` form: what `GET /manifest` serves. */
  readonly canonicalManifest: string;
  /** `sha256:<hex>` of `canonicalManifest`: must equal the published version's hash. */
  readonly manifestHash: string;
  readonly logger: Logger;
  readonly platform: PlatformClient;
  /** Whether tool calls and secrets come from a mock file. */
  readonly mockMode: boolean;

  private readonly tools = new Map<string, ToolHandler>();
  private readonly events = new Map<string, EventHandler>();
  private readonly env: Record<string, string | undefined>;
  private readonly verifier: TokenVerifier | null;
  private readonly dedupe: EventDeduplicator | null;
  private readonly maxBodyBytes: number;
  private servers: Server[] = [];

  constructor(options: AppOptions) {
    const report = MarinaApp.loadManifest(options.manifest);
    this.manifest = report.manifest as NativeManifest;
    this.canonicalManifest = report.canonicalJSON as string;
    this.manifestHash = report.hash as string;
    this.env = options.env ?? process.env;
    this.logger = options.logger ?? createLogger({}, { app: this.manifest.app.id });
    this.maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;
    this.dedupe = options.dedupe === false ? null : options.dedupe ?? new EventDeduplicator();

    const mock = options.mock ?? this.env.MARINA_MOCK;
    if (options.platform) {
      this.platform = options.platform;
      this.mockMode = options.platform instanceof MockPlatformClient;
    } else if (mock !== undefined && mock !== '') {
      this.platform = typeof mock === 'string' ? MockPlatformClient.fromFile(mock) : new MockPlatformClient(mock);
      this.mockMode = true;
    } else if (this.env.MARINA_URL && this.env.MARINA_APP_TOKEN) {
      this.platform = new HttpPlatformClient(this.env.MARINA_URL, this.env.MARINA_APP_TOKEN, this.logger, options.fetch ?? fetch, undefined, this.env.MARINA_APP_TOKEN_FILE);
      this.mockMode = false;
    } else {
      this.platform = new UnconfiguredPlatformClient(this.logger);
      this.mockMode = false;
    }

    if (options.verifyTokens === false) {
      this.verifier = null;
      this.logger.warn('invocation tokens are NOT verified (verifyTokens: false)');
    } else {
      this.verifier = new TokenVerifier({
        jwks: this.env.MARINA_JWKS as string | JWKSet | undefined,
        installId: this.env.MARINA_INSTALL_ID,
        tenant: this.env.MARINA_TENANT,
        app: this.env.MARINA_APP,
        marinaUrl: this.env.MARINA_URL,
        now: options.now,
        fetch: options.fetch,
      });
    }
  }

  private static loadManifest(manifest: AppOptions['manifest']): ManifestReport {
    if (typeof manifest === 'string') {
      const report = loadManifestFile(manifest);
      if (!report.valid) throw new ManifestError(report.file, report.diagnostics);
      return report;
    }
    const report = loadManifestDocument(fromPlain(manifest));
    if (!report.valid) throw new ManifestError('the manifest', report.diagnostics);
    return report;
  }

  /** Who this instance runs for (from the environment, the manifest as a fallback). */
  get identity(): { tenant: string; app: string; version: string } {
    return {
      tenant: this.env.MARINA_TENANT ?? (this.mockMode ? 'mock-tenant' : ''),
      app: this.env.MARINA_APP ?? this.manifest.app.id,
      version: this.env.MARINA_VERSION ?? this.manifest.app.version,
    };
  }

  private checkHandler(handler: unknown, target: string): void {
    if (typeof handler !== 'function') throw new RegistrationError('invalid_handler', target, `the handler for ${target} is not a function`);
  }

  private register(map: Map<string, unknown>, key: string, target: string, handler: unknown): void {
    this.checkHandler(handler, target);
    if (map.has(key)) throw new RegistrationError('already_registered', target, `a handler for ${target} is registered already`);
  }

  /** Registers the handler of a tool the manifest declares (`POST /tool/<name>`). */
  tool<A = any, R = unknown>(name: string, handler: ToolHandler<A, R>): this {
    const target = `tool:${name}`;
    if (!this.manifest.tools.some((t) => t.name === name)) {
      throw new RegistrationError('tool_not_declared', target, `the manifest declares no tool "${name}" (declared: ${this.manifest.tools.map((t) => t.name).join(', ') || 'none'})`);
    }
    this.register(this.tools, name, target, handler);
    this.tools.set(name, handler as ToolHandler);
    return this;
  }

  /** Registers a lifecycle event handler; the event must be listed in the manifest's `events`. */
  on<P = any>(event: LifecycleEvent, handler: EventHandler<P>): this {
    const target = `event:${event}`;
    if (!LIFECYCLE.includes(event)) {
      throw new RegistrationError('unknown_event', target, `"${event}" is not a lifecycle event (${LIFECYCLE.join(', ')}); use schedule() or webhook()`);
    }
    if (!this.manifest.events.includes(event)) {
      throw new RegistrationError('event_not_enabled', target, `the manifest's events do not include "${event}"`);
    }
    this.register(this.events, event, target, handler);
    this.events.set(event, handler as EventHandler);
    return this;
  }

  /** Whether the manifest declares `type` (an enabled lifecycle event, a schedule, a webhook). */
  eventDeclared(type: string): boolean {
    if ((LIFECYCLE as readonly string[]).includes(type)) return this.manifest.events.includes(type as never);
    const dot = type.indexOf('.');
    const kind = type.slice(0, dot), name = type.slice(dot + 1);
    if (dot > 0 && kind === 'schedule') return this.manifest.schedules.some((s) => s.name === name);
    if (dot > 0 && kind === 'webhook') return this.manifest.webhooks.some((w) => w.name === name);
    return false;
  }

  /** Registers the handler of a schedule the manifest declares (`POST /event/schedule.<name>`). */
  schedule<P = any>(name: string, handler: EventHandler<P>): this {
    const target = `schedule:${name}`;
    if (!this.manifest.schedules.some((s) => s.name === name)) {
      throw new RegistrationError('schedule_not_declared', target, `the manifest declares no schedule "${name}"`);
    }
    this.register(this.events, `schedule.${name}`, target, handler);
    this.events.set(`schedule.${name}`, handler as EventHandler);
    return this;
  }

  /** Registers the handler of a webhook the manifest declares (`POST /event/webhook.<name>`). */
  webhook<P = any>(name: string, handler: EventHandler<P>): this {
    const target = `webhook:${name}`;
    if (!this.manifest.webhooks.some((w) => w.name === name)) {
      throw new RegistrationError('webhook_not_declared', target, `the manifest declares no webhook "${name}"`);
    }
    this.register(this.events, `webhook.${name}`, target, handler);
    this.events.set(`webhook.${name}`, handler as EventHandler);
    return this;
  }

  /** The registered tool names and event types (for diagnostics and tests). */
  get registered(): { tools: string[]; events: string[] } {
    return { tools: [...this.tools.keys()], events: [...this.events.keys()] };
  }

  /** Builds a handler context (also for unit tests that call handlers directly). */
  context(init: { requestId?: string; eventId?: string; claims?: InvocationClaims } = {}): Context {
    const { tenant, app, version } = this.identity;
    return createContext({
      tenant,
      app,
      version,
      requestId: init.requestId ?? randomUUID(),
      eventId: init.eventId,
      claims: init.claims,
      platform: this.platform,
      logger: this.logger,
    });
  }

  private async authenticate(request: AppRequest): Promise<{ claims: InvocationClaims | null } | { refused: AppResponse }> {
    if (!this.verifier) return { claims: null };
    const authorization = header(request.headers, 'authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return { refused: errorResponse(401, 'invalid_token', 'a Bearer invocation token is required') };
    try {
      return { claims: await this.verifier.verify(match[1]) };
    } catch (e) {
      if (e instanceof InvalidTokenError) return { refused: errorResponse(401, 'invalid_token', e.message) };
      this.logger.error('token verification failed', { error: firstLine(e) });
      return { refused: errorResponse(401, 'invalid_token', 'the invocation token could not be verified') };
    }
  }

  /** A handler's failure as an answer: an `AppError` as it says; a platform refusal the handler did not
   * catch is `502` with the decision as the code; anything else `500 app_error`. Never a stack. */
  private failure(e: unknown, what: string, requestId: string): AppResponse {
    if (e instanceof AppError) return errorResponse(e.status, e.code, firstLine(e));
    if (e instanceof ToolCallError) {
      this.logger.warn(`${what}: a platform tool call was refused`, { request_id: requestId, tool: e.tool, decision: e.decision, error: firstLine(e) });
      return errorResponse(502, isErrorCode(e.decision) ? e.decision : 'platform_error', firstLine(e) || e.decision);
    }
    this.logger.error(`${what} failed`, {
      request_id: requestId,
      error: e instanceof Error ? e.message : firstLine(e),
      stack: e instanceof Error ? e.stack : undefined,
    });
    return errorResponse(500, 'app_error', firstLine(e));
  }

  private parseBody(body: AppRequest['body']): { ok: true; value: unknown } | { ok: false } {
    const text = body === undefined ? '' : typeof body === 'string' ? body : new TextDecoder().decode(body);
    if (text.trim() === '') return { ok: true, value: undefined };
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false };
    }
  }

  /** Answers one request per the app contract (the HTTP server calls this). */
  async handle(request: AppRequest): Promise<AppResponse> {
    const method = request.method.toUpperCase();
    const path = request.path.split('?')[0];
    if (path === '/health') {
      return method === 'GET' || method === 'HEAD' ? json(200, { status: 'ok' }) : errorResponse(405, 'method_not_allowed', 'use GET');
    }
    if (path === '/manifest') {
      if (method !== 'GET' && method !== 'HEAD') return errorResponse(405, 'method_not_allowed', 'use GET');
      return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: this.canonicalManifest };
    }
    const auth = await this.authenticate(request);
    if ('refused' in auth) return auth.refused;
    const claims = auth.claims;
    const requestId = header(request.headers, 'x-marina-request-id') ?? (typeof claims?.jti === 'string' ? claims.jti : randomUUID());

    const tool = /^\/tool\/([^/]+)$/.exec(path);
    const event = /^\/event\/([^/]+)$/.exec(path);
    if (!tool && !event) return errorResponse(404, 'not_found', `no route ${path}`);
    if (method !== 'POST') return errorResponse(405, 'method_not_allowed', 'use POST');
    const parsed = this.parseBody(request.body);
    if (!parsed.ok) return errorResponse(400, 'invalid_json', 'the request body is not JSON');

    if (tool) {
      const name = decodeURIComponent(tool[1]);
      const handler = this.tools.get(name);
      if (!handler) return errorResponse(404, 'unknown_tool', `this app has no tool "${name}"`);
      const args = parsed.value === undefined ? {} : parsed.value;
      const ctx = this.context({ requestId, claims: claims ?? undefined });
      try {
        const result = await handler(args, ctx);
        return json(200, result === undefined ? null : result);
      } catch (e) {
        return this.failure(e, `tool ${name}`, requestId);
      }
    }

    const type = decodeURIComponent((event as RegExpExecArray)[1]);
    if (!this.eventDeclared(type)) return errorResponse(404, 'unknown_event', `this app takes no event "${type}"`);
    const envelope = parsed.value;
    if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) {
      return errorResponse(400, 'invalid_event', 'the event envelope is a JSON object');
    }
    const env = envelope as Record<string, unknown>;
    const headerId = header(request.headers, 'x-marina-event-id');
    const id = typeof env.id === 'string' && env.id !== '' ? env.id : headerId;
    if (!id) return errorResponse(400, 'invalid_event', 'the event has no id');
    if (env.type !== undefined && env.type !== type) return errorResponse(400, 'invalid_event', `the envelope's type ${JSON.stringify(env.type)} is not ${type}`);
    const handler = this.events.get(type);
    // Declared but not handled: acknowledged, so that the platform does not retry it.
    if (!handler) return json(200, { ok: true, handled: false });
    const ctx = this.context({ requestId, eventId: id, claims: claims ?? undefined }) as EventContext;
    const marinaEvent: MarinaEvent = { ...env, id, type, payload: env.payload === undefined ? null : env.payload };
    try {
      if (!this.dedupe) {
        const result = await handler(marinaEvent, ctx);
        return json(200, result === undefined ? { ok: true } : { ok: true, result });
      }
      const { duplicate, result } = await this.dedupe.run(id, () => handler(marinaEvent, ctx));
      if (duplicate) {
        ctx.logger.info('duplicate event acknowledged without running the handler', { type });
        return json(200, { ok: true, duplicate: true });
      }
      return json(200, result === undefined ? { ok: true } : { ok: true, result });
    } catch (e) {
      return this.failure(e, `event ${type}`, requestId);
    }
  }

  /** A `node:http` request listener (to mount the app in another server). */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const send = (r: AppResponse) => {
      if (res.headersSent) return;
      const body = req.method === 'HEAD' ? '' : r.body;
      res.writeHead(r.status, { ...r.headers, 'content-length': Buffer.byteLength(r.body) });
      res.end(body);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (tooLarge) return send(errorResponse(413, 'payload_too_large', `the body is larger than ${this.maxBodyBytes} bytes`));
      this.handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) })
        .then(send)
        .catch((e) => send(this.failure(e, 'request', '')));
    });
  };

  /** Serves the app: on `MARINA_SOCKET` when set, else on `$PORT` (TCP). */
  listen(options: ListenOptions = {}): Promise<RunningServer> {
    const socket = options.socket ?? (options.port === undefined ? this.env.MARINA_SOCKET : undefined);
    // The platform's requests over the instance socket carry no Host header (there is no host);
    // Node >= 20 would refuse them with 400 unless told not to require one.
    const server = createServer({ requireHostHeader: false }, this.listener);
    server.keepAliveTimeout = 65_000;
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      server.once('error', onError);
      const ready = (address: string | number) => {
        server.off('error', onError);
        server.on('error', (e: Error) => this.logger.error('server error', { error: e.message }));
        this.servers.push(server);
        this.logger.info('listening', { address, manifest_hash: this.manifestHash, mock: this.mockMode || undefined });
        resolve({
          server,
          address,
          close: () =>
            new Promise<void>((done) => {
              this.servers = this.servers.filter((s) => s !== server);
              server.close(() => done());
              server.closeAllConnections?.();
            }),
        });
      };
      if (socket) {
        if (existsSync(socket) && lstatSync(socket).isSocket()) unlinkSync(socket);
        server.listen(socket, () => ready(socket));
      } else {
        const port = options.port ?? (this.env.PORT ? Number(this.env.PORT) : this.manifest.runtime.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) return reject(new RangeError(`not a TCP port: ${port}`));
        server.listen({ port, host: options.host }, () => {
          const a = server.address();
          ready(typeof a === 'object' && a ? a.port : port);
        });
      }
    });
  }

  /** Stops every server this app started. */
  async close(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    await Promise.all(servers.map((s) => new Promise<void>((done) => {
      s.close(() => done());
      s.closeAllConnections?.();
    })));
  }
}

/** Creates an app from its manifest; see `MarinaApp`. */
export function createApp(options: AppOptions): MarinaApp {
  return new MarinaApp(options);
}
