import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DocumentError, defaultLimits } from '../manifest/diagnostics';
import { loadManifestText, parseDocument } from '../manifest/loader';

// The size of a YAML document after alias expansion is bounded by its text, not only by its number
// of values, and a manifest's canonical form is bounded (ExpansionLimitTests.swift).

const enc = (s: string) => new TextEncoder().encode(s);
const list = (alias: string) => '[' + Array(10).fill('*' + alias).join(', ') + ']';

function documentError(fn: () => unknown): DocumentError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DocumentError) return e;
    throw e;
  }
  throw new Error('expected a DocumentError');
}

test('a long string aliased many times is refused where the text runs out', () => {
  const text =
    'apiVersion: marina/v1\napp: {id: hello-app, name: Hello, version: 1.0.0}\ntools:\n  - name: t\n' +
    '    input_schema:\n      type: object\n      examples:\n' +
    `        - &s ${'x'.repeat(4096)}\n        - &a ${list('s')}\n        - &b ${list('a')}\n        - &c ${list('b')}\n        - ${list('c')}\n`;
  const report = loadManifestText(text, { fileName: 'm.yaml' });
  assert.equal(report.format, null);
  assert.deepEqual(report.diagnostics.map((d) => [d.code, d.path]), [['document_too_large', '/tools/0/input_schema/examples/3/4']]);
  assert.match(report.diagnostics[0].message, new RegExp(`${defaultLimits.maxTextBytes} bytes of text`));
  assert.equal(defaultLimits.maxTextBytes, 2 << 20);
});

test('a long key aliased in many mappings counts', () => {
  const text = `k: &k ${'k'.repeat(4096)}\nm: [${Array(600).fill('{*k : 1}').join(', ')}]\n`;
  const e = documentError(() => parseDocument(enc(text), 'm.yaml'));
  assert.deepEqual([e.code, e.path.toString()], ['document_too_large', '/m/510']);
});

test('an aliased mapping counts its keys too', () => {
  const text = `m: &m {${'k'.repeat(1000)}: 1}\nl: [${Array(3000).fill('*m').join(', ')}]\n`;
  const e = documentError(() => parseDocument(enc(text), 'm.yaml'));
  assert.deepEqual([e.code, e.path.toString()], ['document_too_large', '/l/2096']);
});

test('a document without aliases cannot reach the text limit', () => {
  const body = 'a: "' + '\\L'.repeat(((1 << 20) - 10) / 2) + '"\n';
  assert.ok(enc(body).length <= 1 << 20);
  const value = parseDocument(enc(body), 'm.yaml') as Map<string, string>;
  assert.ok(Buffer.byteLength(value.get('a') as string) > 1_500_000);
});

test('a canonical form over the limit is refused', () => {
  const aliases = Array(1999).fill('*s').join(', ');
  const text =
    'apiVersion: marina/v1\napp: {id: hello-app, name: Hello, version: 1.0.0}\ntools:\n  - name: t\n' +
    `    input_schema:\n      type: object\n      examples: [&s "${'\\x01'.repeat(1000)}", ${aliases}]\n`;
  const report = loadManifestText(text, { fileName: 'm.yaml' });
  assert.equal(report.format, 'marina/v1');
  assert.deepEqual(report.diagnostics.map((d) => [d.code, d.path]), [['document_too_large', '']]);
  assert.equal(report.hash, undefined);
  assert.equal(loadManifestText(text.replace(aliases, '*s, *s'), { fileName: 'm.yaml' }).valid, true);
});
