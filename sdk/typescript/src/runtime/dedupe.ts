/**
 * Event de-duplication. Delivery is at least once: the same event id may arrive again (even
 * while the first delivery is still being handled) and must not be acted on twice.
 *
 * `run(id, fn)` calls `fn` once per id: a concurrent duplicate waits for the first delivery and
 * shares its outcome; a later duplicate is answered from memory. A failed delivery is forgotten,
 * so that the platform's retry runs the handler again. Ids are kept for `ttlMs` (24 h) and at most
 * `maxEntries` (10,000) of them, oldest dropped first.
 *
 * The memory is the instance's; an instance put to sleep forgets. Handlers whose effects must
 * never repeat should also record the id durably, e.g. with `ctx.kv` (see `kvOnce`).
 */
export class EventDeduplicator {
  private readonly entries = new Map<string, { promise: Promise<unknown>; done: boolean; at: number }>();

  constructor(private readonly options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  private prune(): void {
    const ttl = this.options.ttlMs ?? 24 * 3600 * 1000;
    const max = this.options.maxEntries ?? 10_000;
    const now = this.now;
    for (const [id, e] of this.entries) {
      if (e.done && now - e.at > ttl) this.entries.delete(id);
    }
    while (this.entries.size > max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Whether `id` was handled successfully (or is being handled). */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Runs `fn` unless `id` was handled already; `duplicate` tells which happened. */
  async run<T>(id: string, fn: () => Promise<T> | T): Promise<{ duplicate: boolean; result: T }> {
    const existing = this.entries.get(id);
    if (existing) return { duplicate: true, result: (await existing.promise) as T };
    const promise = (async () => fn())();
    const entry = { promise: promise as Promise<unknown>, done: false, at: this.now };
    this.entries.set(id, entry);
    try {
      const result = await promise;
      entry.done = true;
      entry.at = this.now;
      this.prune();
      return { duplicate: false, result };
    } catch (e) {
      this.entries.delete(id);
      throw e;
    }
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}

/** Minimal kv interface `kvOnce` needs (a `Context`'s `kv`). */
export interface OnceStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, options?: { ttlS?: number }): Promise<void>;
}

/**
 * Runs `fn` only if `id` has not been recorded in the tenant's kv store (key `marina:event:<id>`,
 * kept 7 days); records it after `fn` succeeds. Survives instance restarts, at the price of two kv
 * calls. Needs the `kv.read` and `kv.write` scopes.
 */
export async function kvOnce<T>(kv: OnceStore, id: string, fn: () => Promise<T> | T): Promise<{ duplicate: boolean; result?: T }> {
  const key = `marina:event:${id}`.slice(0, 256);
  if ((await kv.get(key)) !== null) return { duplicate: true };
  const result = await fn();
  await kv.set(key, true, { ttlS: 7 * 24 * 3600 });
  return { duplicate: false, result };
}
