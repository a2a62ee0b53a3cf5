// What the tools and events of marina.app.yaml do. The SDK serves the HTTP contract (health,
// manifest, invocation tokens, error shapes, idempotent events).
import { AppOptions, Context, MarinaApp, createApp } from '@marina/sdk';

export interface HelloArgs {
  name: string;
}

/** Greets and counts the greetings; the count lives in the platform's kv store, per tenant. */
export async function hello({ name }: HelloArgs, ctx: Context): Promise<{ greeting: string; count: number }> {
  const count = ((await ctx.kv.get<number>('greetings')) ?? 0) + 1;
  await ctx.kv.set('greetings', count);
  return { greeting: `Hello, ${name}!`, count };
}

/** The app with every handler registered. */
export function buildApp(options: Partial<AppOptions> = {}): MarinaApp {
  const app = createApp({ manifest: __dirname + '/../../marina.app.yaml', ...options });
  app.tool('hello', hello);
  app.on('install', async (event, ctx) => {
    ctx.logger.info('installed', { tenant: ctx.tenant, event: event.id });
  });
  return app;
}
