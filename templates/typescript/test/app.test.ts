// Unit tests in mock mode: tools and secrets come from test/mock.json, kv from memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp, hello } from '../src/handlers';

test('hello greets and counts', async () => {
  const app = buildApp({ mock: __dirname + '/../../test/mock.json' });
  const ctx = app.context();
  assert.deepEqual(await hello({ name: 'Ada' }, ctx), { greeting: 'Hello, Ada!', count: 1 });
  assert.equal((await hello({ name: 'Grace' }, ctx)).count, 2);
});
