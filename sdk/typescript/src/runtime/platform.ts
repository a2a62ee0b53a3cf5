import { readFileSync } from 'node:fs';
import { ToolCallError } from './errors';
import { Logger } from './logger';

/** A platform tool this app may call (`GET $MARINA_URL/api/mcp/app-tools`). */
export interface PlatformToolInfo {
  name: string;
  description?: string;
  scope?: string;
  input_schema?: unknown;
}

/** How an app reaches the platform: over HTTP, or a mock for tests. */
export interface PlatformClient {
  /** The tool's result; throws `ToolCallError` when the platform refuses the call. */
  callTool(tool: string, args: unknown, requestId?: string): Promise<unknown>;
  listTools(): Promise<PlatformToolInfo[]>;
  /** The secret's value or null; never throws. */
  getSecret(key: string, requestId?: string): Promise<string | null>;
}

const SECRET_KEY = /^[A-Z][A-Z0-9_]{0,63}$/;

export function isSecretKeyName(key: string): boolean {
  return SECRET_KEY.test(key);
}

function errorMessage(body: unknown, fallback: string): string {
  const e = (body as { error?: { message?: unknown } } | null)?.error;
  return typeof e?.message === 'string' ? e.message : fallback;
}

/** `POST $MARINA_URL/api/mcp/app-tools` and `/api/mcp/app-secrets`, authenticated with the app token. */
export class HttpPlatformClient implements PlatformClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly appToken: string,
    private readonly logger: Logger,
    private readonly doFetch: typeof fetch = fetch,
    private readonly timeoutMs = 60_000,
    private readonly tokenFile?: string,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  /**
   * The app token as it is now: the platform rotates it into `MARINA_APP_TOKEN_FILE` before it
   * expires (an instance may live longer than a token), so the file is read at each call;
   * `MARINA_APP_TOKEN` when there is no file or it cannot be read.
   */
  currentToken(): string {
    if (this.tokenFile) {
      try {
        const token = readFileSync(this.tokenFile, 'utf8').trim();
        if (token) return token;
      } catch {
        // fall back to the token the instance started with
      }
    }
    return this.appToken;
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown, requestId?: string): Promise<{ status: number; json: unknown }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const headers: Record<string, string> = { Authorization: `Bearer ${this.currentToken()}`, Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (requestId) headers['X-Marina-Request-Id'] = requestId;
      const response = await this.doFetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
      const text = await response.text();
      let json: unknown = undefined;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, json };
    } finally {
      clearTimeout(timer);
    }
  }

  async callTool(tool: string, args: unknown, requestId?: string): Promise<unknown> {
    let answer: { status: number; json: unknown };
    try {
      answer = await this.request('POST', '/api/mcp/app-tools', { tool, args: args ?? {} }, requestId);
    } catch (e) {
      throw new ToolCallError('platform_error', `the platform could not be reached: ${(e as Error).message}`, [], tool);
    }
    const { status, json } = answer;
    if (status === 401) throw new ToolCallError('platform_error', errorMessage(json, 'the platform refused the app token'), [], tool, 401);
    const body = json as { ok?: unknown; result?: unknown; error?: { decision?: unknown; message?: unknown; needed_scopes?: unknown } } | undefined;
    if (status === 200 && body && body.ok === true) return body.result;
    if (status === 200 && body && body.ok === false) {
      const e = body.error ?? {};
      const needed = Array.isArray(e.needed_scopes) ? e.needed_scopes.filter((s): s is string => typeof s === 'string') : [];
      throw new ToolCallError(
        typeof e.decision === 'string' ? e.decision : 'platform_error',
        typeof e.message === 'string' ? e.message : `the platform refused ${tool}`,
        needed,
        tool,
        status,
      );
    }
    throw new ToolCallError('platform_error', errorMessage(json, `unexpected answer from the platform (HTTP ${status})`), [], tool, status);
  }

  async listTools(): Promise<PlatformToolInfo[]> {
    const { status, json } = await this.request('GET', '/api/mcp/app-tools');
    const tools = (json as { tools?: unknown } | undefined)?.tools;
    if (status !== 200 || !Array.isArray(tools)) {
      throw new ToolCallError('platform_error', errorMessage(json, `unexpected answer from the platform (HTTP ${status})`), [], '', status);
    }
    return tools as PlatformToolInfo[];
  }

  async getSecret(key: string, requestId?: string): Promise<string | null> {
    try {
      const { status, json } = await this.request('POST', '/api/mcp/app-secrets', { key }, requestId);
      const value = (json as { ok?: unknown; value?: unknown } | undefined)?.value;
      if (status === 200 && (json as { ok?: unknown } | undefined)?.ok === true && typeof value === 'string') return value;
      if (status !== 200) this.logger.warn('secrets.get: the platform refused', { key, status });
      return null;
    } catch (e) {
      this.logger.warn('secrets.get: the platform could not be reached', { key, error: (e as Error).message });
      return null;
    }
  }
}

/** The mock file of docs/app-contract.md: `{"secrets": {...}, "tools": {...}}`. */
export interface MockConfig {
  secrets?: Record<string, string | null>;
  tools?: Record<string, unknown>;
}

interface KvEntry {
  value: unknown;
  expires?: number;
}

const KV_TOOLS = new Set(['kv_get', 'kv_set', 'kv_delete', 'kv_list']);
const KV_KEY = /^[\x20-\x7e]{1,256}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Mock mode: `tools.call` answers from `tools` (an object with a single `error` key is that
 * error; an absent tool is `unknown_tool`), except the kv tools, which an in-memory store serves
 * unless the file lists them; `secrets.get` answers from `secrets`, null when absent.
 */
export class MockPlatformClient implements PlatformClient {
  readonly kv = new Map<string, KvEntry>();
  /** Every call made, in order (for assertions in tests). */
  readonly calls: { tool: string; args: unknown }[] = [];

  /** Throws a `TypeError` when `config` is not a mock document (an object whose `secrets` and `tools` are objects). */
  constructor(private readonly config: MockConfig, private readonly now: () => number = Date.now) {
    if (!isObject(config)) throw new TypeError('a mock document is a JSON object');
    for (const part of ['secrets', 'tools'] as const) {
      if (part in config && !isObject(config[part])) throw new TypeError('"secrets" and "tools" of a mock document are objects');
    }
  }

  static fromFile(path: string): MockPlatformClient {
    try {
      return new MockPlatformClient(JSON.parse(readFileSync(path, 'utf8')) as MockConfig);
    } catch (e) {
      throw new TypeError(`${path}: ${(e as Error).message}`);
    }
  }

  async callTool(tool: string, args: unknown): Promise<unknown> {
    this.calls.push({ tool, args: clone(args) });
    const tools = this.config.tools ?? {};
    if (Object.prototype.hasOwnProperty.call(tools, tool)) {
      const answer = tools[tool];
      if (answer !== null && typeof answer === 'object' && !Array.isArray(answer)) {
        const keys = Object.keys(answer);
        if (keys.length === 1 && keys[0] === 'error') {
          const e = (answer as { error: { decision?: unknown; message?: unknown; needed_scopes?: unknown } }).error ?? {};
          throw new ToolCallError(
            typeof e.decision === 'string' ? e.decision : 'platform_error',
            typeof e.message === 'string' ? e.message : `mock error for ${tool}`,
            Array.isArray(e.needed_scopes) ? e.needed_scopes.filter((s): s is string => typeof s === 'string') : [],
            tool,
          );
        }
      }
      return clone(answer);
    }
    if (KV_TOOLS.has(tool)) {
      if (!isObject(args)) throw new ToolCallError('invalid_args', 'the arguments are an object', [], tool);
      return this.kvTool(tool, args);
    }
    throw new ToolCallError('unknown_tool', `the mock has no answer for ${tool}`, [], tool);
  }

  private live(key: string): KvEntry | undefined {
    const e = this.kv.get(key);
    if (e && e.expires !== undefined && e.expires <= this.now()) {
      this.kv.delete(key);
      return undefined;
    }
    return e;
  }

  private kvTool(tool: string, args: Record<string, unknown>): unknown {
    const invalid = (message: string) => new ToolCallError('invalid_args', message, [], tool);
    const key = args.key;
    if (tool !== 'kv_list' && (typeof key !== 'string' || !KV_KEY.test(key))) throw invalid('kv keys are 1–256 printable ASCII characters');
    switch (tool) {
      case 'kv_get': {
        const e = this.live(key as string);
        return e ? { found: true, value: clone(e.value) } : { found: false, value: null };
      }
      case 'kv_set': {
        if (!('value' in args)) throw invalid('kv_set needs a value');
        const ttl = args.ttl_s;
        if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 60 || ttl > 31536000)) throw invalid('ttl_s is 60…31536000');
        const size = Buffer.byteLength(JSON.stringify(args.value ?? null));
        if (size > 64 * 1024) throw invalid('kv values are at most 64 KB of JSON');
        if (!this.kv.has(key as string) && this.kv.size >= 10_000) throw invalid('at most 10,000 keys');
        this.kv.set(key as string, { value: clone(args.value), expires: ttl === undefined ? undefined : this.now() + (ttl as number) * 1000 });
        return { ok: true };
      }
      case 'kv_delete': {
        const existed = this.live(key as string) !== undefined;
        this.kv.delete(key as string);
        return { deleted: existed };
      }
      default: {
        // Keys are never empty, so the cursor "" is before every key.
        const { prefix = '', cursor = '', limit = 100 } = args;
        if (typeof prefix !== 'string' || typeof cursor !== 'string') throw invalid('prefix and cursor are strings');
        if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit is 1…1000');
        const keys = [...this.kv.keys()].filter((k) => this.live(k) && k.startsWith(prefix) && k > cursor).sort();
        const page = keys.slice(0, limit);
        return { keys: page, next_cursor: keys.length > limit ? page[page.length - 1] : null };
      }
    }
  }

  async listTools(): Promise<PlatformToolInfo[]> {
    const names = new Set([...Object.keys(this.config.tools ?? {}), ...KV_TOOLS]);
    return [...names].sort().map((name) => ({ name }));
  }

  async getSecret(key: string): Promise<string | null> {
    const secrets = this.config.secrets ?? {};
    const v = Object.prototype.hasOwnProperty.call(secrets, key) ? secrets[key] : null;
    return typeof v === 'string' ? v : null;
  }
}

/** No platform configured (no MARINA_URL and no mock): every call fails clearly. */
export class UnconfiguredPlatformClient implements PlatformClient {
  constructor(private readonly logger: Logger) {}
  async callTool(tool: string): Promise<unknown> {
    throw new ToolCallError('platform_error', 'no platform: MARINA_URL and MARINA_APP_TOKEN are not set (use mock mode for tests)', [], tool);
  }
  async listTools(): Promise<PlatformToolInfo[]> {
    throw new ToolCallError('platform_error', 'no platform: MARINA_URL and MARINA_APP_TOKEN are not set');
  }
  async getSecret(key: string): Promise<string | null> {
    this.logger.warn('secrets.get: no platform configured', { key });
    return null;
  }
}
