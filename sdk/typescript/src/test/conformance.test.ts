import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifestFile } from '../manifest/loader';
import { CONFORMANCE_DIR } from './helpers';

interface Fixture {
  file: string;
  valid: boolean;
  format: string | null;
  errors?: { code: string; path: string }[];
  hash?: string;
  notes?: { code: string; path: string }[];
}

const expectations = JSON.parse(readFileSync(join(CONFORMANCE_DIR, 'expectations.json'), 'utf8')) as { fixtures: Fixture[]; equivalent: string[][] };
const hashes = new Map<string, string | undefined>();

test('expectations.json lists the fixtures', () => {
  assert.ok(expectations.fixtures.length >= 143, `only ${expectations.fixtures.length} fixtures`);
});

for (const fixture of expectations.fixtures) {
  test(`fixture ${fixture.file}`, () => {
    const report = loadManifestFile(join(CONFORMANCE_DIR, fixture.file));
    hashes.set(fixture.file, report.hash);
    assert.equal(report.valid, fixture.valid, `verdict: ${JSON.stringify(report.diagnostics)}`);
    assert.equal(report.format, fixture.format, 'format');
    const got = report.diagnostics.map((d) => `${d.code} ${d.path}`).sort();
    const want = (fixture.errors ?? []).map((d) => `${d.code} ${d.path}`).sort();
    assert.deepEqual(got, want, 'errors (code, path)');
    assert.equal(report.hash, fixture.hash, 'hash');
    assert.deepEqual(
      report.notes.map((n) => `${n.code} ${n.path}`).sort(),
      (fixture.notes ?? []).map((n) => `${n.code} ${n.path}`).sort(),
      'notes (code, path)',
    );
    if (fixture.valid) {
      assert.match(report.hash as string, /^sha256:[0-9a-f]{64}$/);
      assert.equal(typeof report.canonicalJSON, 'string');
    }
  });
}

test('equivalence groups hash the same', () => {
  for (const group of expectations.equivalent) {
    const values = new Set(group.map((f) => hashes.get(f) ?? loadManifestFile(join(CONFORMANCE_DIR, f)).hash));
    assert.equal(values.size, 1, `group ${group.join(', ')} has ${values.size} hashes`);
    assert.match(String([...values][0]), /^sha256:/);
  }
});
