// hello-typescript: the smallest useful Marina app written against the TypeScript SDK.
// The SDK serves the contract (health, manifest, invocation tokens, error shapes, idempotent
// events); this file only says what the tool and the events do.
import { createApp } from '@marina/sdk';

const app = createApp({ manifest: __dirname + '/../marina.app.yaml' });

interface GreetArgs {
  name: string;
}

// Each name's count is kept in the platform's kv store (kv.read + kv.write), so it survives
// restarts of the instance and is separate for every tenant.
app.tool('greet', async ({ name }: GreetArgs, ctx) => {
  const key = 'greeted:' + name.toLowerCase();
  const times = ((await ctx.kv.get<number>(key)) ?? 0) + 1;
  await ctx.kv.set(key, times);
  return { greeting: `Hello, ${name}!`, times };
});

app.on('install', async (event, ctx) => {
  ctx.logger.info('installed', { tenant: ctx.tenant, event: event.id });
});

app.on('uninstall', async (event, ctx) => {
  ctx.logger.info('uninstalled', { tenant: ctx.tenant, event: event.id });
});

// MARINA_SOCKET inside Marina's sandbox, else $PORT.
app.listen().catch((error: Error) => {
  app.logger.error('cannot listen', { error: error.message });
  process.exit(1);
});
