import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFORMANCE_DIR, PACKAGE_ROOT, tempDir } from './helpers';

const CLI = join(PACKAGE_ROOT, 'dist', 'cli.js');

function check(...files: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'check', ...files], { cwd: CONFORMANCE_DIR, encoding: 'utf8' });
  return { status: r.status, lines: r.stdout.trim().split('\n').filter((l) => l).map((l) => JSON.parse(l)) };
}

test('check prints one JSON line per file, in the order given', () => {
  const r = check('native/valid-minimal.yaml', 'document/invalid-json-duplicate-key.json', 'opensail/valid-minimal.json');
  assert.equal(r.status, 1);
  assert.deepEqual(r.lines[0], {
    file: 'native/valid-minimal.yaml',
    valid: true,
    format: 'marina/v1',
    errors: [],
    hash: 'sha256:0351124d018ea67cc5d162b562e940479f36b299699c1fde0fdafa54597567e1',
    notes: [],
  });
  assert.deepEqual(r.lines[1], {
    file: 'document/invalid-json-duplicate-key.json',
    valid: false,
    format: null,
    errors: [{ code: 'duplicate_key', path: '/app/id' }],
    hash: null,
    notes: [],
  });
  assert.equal(r.lines[2].format, 'opensail/2025-02');
  assert.deepEqual(Object.keys(r.lines[0]), ['file', 'valid', 'format', 'errors', 'hash', 'notes']);
});

test('check reports the conversion notes of an imported manifest', () => {
  const r = check('opensail/valid-port-in-env.json');
  assert.equal(r.status, 0);
  assert.deepEqual(r.lines[0].notes, [
    { code: 'port_from_env', path: '/compute/containers/0/env/PORT' },
    { code: 'port_from_env', path: '/compute/containers/1/env/PORT' },
  ]);
});

test('exit status: 0 all valid, 2 unreadable', () => {
  assert.equal(check('native/valid-minimal.yaml', 'linkworld/valid-minimal.yaml').status, 0);
  const r = check('native/does-not-exist.yaml');
  assert.equal(r.status, 2);
  assert.deepEqual(r.lines[0].errors, [{ code: 'unreadable', path: '' }]);
});

test('a directory is searched for its manifest', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'marina.app.json'), '{"apiVersion":"marina/v1","app":{"id":"hello-app","name":"Hello","version":"1.0.0"}}');
  const r = check(dir);
  assert.equal(r.lines[0].valid, true);
  assert.equal(r.lines[0].file, dir);
});
