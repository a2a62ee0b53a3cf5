import { ToolCallError } from './errors';
import { Logger } from './logger';
import { PlatformClient, PlatformToolInfo, isSecretKeyName } from './platform';

/** The kv helpers over the platform's kv tools (`kv.read` / `kv.write` scopes). */
export interface KvHelpers {
  /** The value, or null when the key is absent. */
  get<T = unknown>(key: string): Promise<T | null>;
  set(key: string, value: unknown, options?: { ttlS?: number }): Promise<void>;
  /** Whether a key was deleted. */
  delete(key: string): Promise<boolean>;
  list(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<{ keys: string[]; nextCursor: string | null }>;
}

export interface ToolsClient {
  /** Calls a platform tool; throws `ToolCallError` (decision, message, neededScopes) when refused. */
  call<T = unknown>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** The platform tools this app may call. */
  list(): Promise<PlatformToolInfo[]>;
}

export interface SecretsClient {
  /** The secret's value, or null (absent, or the platform unreachable); never rejects. */
  get(key: string): Promise<string | null>;
}

/** What a handler gets besides its input. */
export interface Context {
  tenant: string;
  app: string;
  version: string;
  /** `X-Marina-Request-Id` (or the token's `jti`). */
  requestId: string;
  /** The event's id (events only). */
  eventId?: string;
  /** The verified invocation token's claims (absent when verification is off). */
  claims?: Readonly<Record<string, unknown>>;
  tools: ToolsClient;
  secrets: SecretsClient;
  kv: KvHelpers;
  logger: Logger;
}

export interface ContextInit {
  tenant: string;
  app: string;
  version: string;
  requestId: string;
  eventId?: string;
  claims?: Record<string, unknown>;
  platform: PlatformClient;
  logger: Logger;
}

function object(v: unknown, tool: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ToolCallError('platform_error', `unexpected result from ${tool}`, [], tool);
  }
  return v as Record<string, unknown>;
}

export function createContext(init: ContextInit): Context {
  const { platform, requestId } = init;
  const logger = init.logger.child(init.eventId ? { request_id: requestId, event_id: init.eventId } : { request_id: requestId });
  const tools: ToolsClient = {
    call: async <T>(name: string, args: Record<string, unknown> = {}) => (await platform.callTool(name, args, requestId)) as T,
    list: () => platform.listTools(),
  };
  const secrets: SecretsClient = {
    get: async (key: string) => {
      if (typeof key !== 'string' || !isSecretKeyName(key)) {
        logger.warn('secrets.get: not a secret key (^[A-Z][A-Z0-9_]{0,63}$)', { key });
        return null;
      }
      try {
        return await platform.getSecret(key, requestId);
      } catch (e) {
        logger.warn('secrets.get failed', { key, error: (e as Error).message });
        return null;
      }
    },
  };
  const kv: KvHelpers = {
    get: async <T>(key: string) => {
      const r = object(await tools.call('kv_get', { key }), 'kv_get');
      return r.found === true ? (r.value as T) : null;
    },
    set: async (key, value, options = {}) => {
      const args: Record<string, unknown> = { key, value };
      if (options.ttlS !== undefined) args.ttl_s = options.ttlS;
      await tools.call('kv_set', args);
    },
    delete: async (key) => object(await tools.call('kv_delete', { key }), 'kv_delete').deleted === true,
    list: async (options = {}) => {
      const args: Record<string, unknown> = {};
      if (options.prefix !== undefined) args.prefix = options.prefix;
      if (options.cursor !== undefined) args.cursor = options.cursor;
      if (options.limit !== undefined) args.limit = options.limit;
      const r = object(await tools.call('kv_list', args), 'kv_list');
      return {
        keys: Array.isArray(r.keys) ? r.keys.filter((k): k is string => typeof k === 'string') : [],
        nextCursor: typeof r.next_cursor === 'string' ? r.next_cursor : null,
      };
    },
  };
  return {
    tenant: init.tenant,
    app: init.app,
    version: init.version,
    requestId,
    eventId: init.eventId,
    claims: init.claims ? Object.freeze({ ...init.claims }) : undefined,
    tools,
    secrets,
    kv,
    logger,
  };
}
