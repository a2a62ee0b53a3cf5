import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../runtime/app';
import { ManifestError, RegistrationError } from '../runtime/errors';
import { writeManifest } from './helpers';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };
const app = () => createApp({ manifest: writeManifest(), env: {}, logger: quiet });

function registrationError(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof RegistrationError && e.code === code);
}

test('tools must be declared in the manifest', () => {
  const a = app();
  a.tool('triage', () => ({ label: 'x' }));
  registrationError(() => a.tool('nope', () => 1), 'tool_not_declared');
  assert.deepEqual(a.registered.tools, ['triage']);
});

test('registering a handler twice throws', () => {
  const a = app();
  a.tool('triage', () => 1);
  registrationError(() => a.tool('triage', () => 2), 'already_registered');
  a.on('install', () => undefined);
  registrationError(() => a.on('install', () => undefined), 'already_registered');
  a.schedule('nightly', () => undefined);
  registrationError(() => a.schedule('nightly', () => undefined), 'already_registered');
  a.webhook('ingest', () => undefined);
  registrationError(() => a.webhook('ingest', () => undefined), 'already_registered');
});

test('lifecycle handlers need their event enabled in the manifest', () => {
  const a = app();
  a.on('install', () => undefined);
  a.on('inbound', () => undefined);
  registrationError(() => a.on('uninstall', () => undefined), 'event_not_enabled');
  registrationError(() => a.on('user_added', () => undefined), 'event_not_enabled');
  registrationError(() => a.on('deploy' as never, () => undefined), 'unknown_event');
});

test('schedules and webhooks must be declared', () => {
  const a = app();
  a.schedule('nightly', () => undefined);
  a.webhook('ingest', () => undefined);
  registrationError(() => a.schedule('hourly', () => undefined), 'schedule_not_declared');
  registrationError(() => a.webhook('other', () => undefined), 'webhook_not_declared');
  assert.deepEqual(a.registered.events.sort(), ['schedule.nightly', 'webhook.ingest']);
});

test('a handler must be a function', () => {
  registrationError(() => app().tool('triage', 42 as never), 'invalid_handler');
});

test('an invalid manifest is refused with every diagnostic', () => {
  const file = writeManifest('apiVersion: marina/v1\napp: {id: X, name: Hello}\n');
  assert.throws(
    () => createApp({ manifest: file, env: {}, logger: quiet }),
    (e: unknown) => e instanceof ManifestError && e.diagnostics.map((d) => d.path).sort().join(',') === '/app/id,/app/version',
  );
});

test('a manifest can be given as data; the app exposes its canonical hash', () => {
  const a = createApp({ manifest: { apiVersion: 'marina/v1', app: { id: 'hello-app', name: 'Hello', version: '1.0.0' } }, env: {}, logger: quiet });
  assert.equal(a.manifestHash, 'sha256:0351124d018ea67cc5d162b562e940479f36b299699c1fde0fdafa54597567e1');
});
