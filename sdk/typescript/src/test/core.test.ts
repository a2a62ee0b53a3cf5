import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHash, canonicalJSON, formatNumber } from '../json/canonical';
import { JSONParser } from '../json/parser';
import { JSONPointer, fromPlain } from '../json/value';
import { DocumentError } from '../manifest/diagnostics';
import { loadManifestText, parseDocument } from '../manifest/loader';
import { composeYAML } from '../yaml/composer';
import { CronExpression } from '../support/cron';
import { SemanticVersion } from '../support/semver';

const enc = (s: string) => new TextEncoder().encode(s);

function documentError(fn: () => unknown): DocumentError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DocumentError) return e;
    throw e;
  }
  throw new Error('expected a DocumentError');
}

test('numbers are written as ECMAScript writes them', () => {
  assert.equal(formatNumber(1.0), '1');
  assert.equal(formatNumber(-0), '0');
  assert.equal(formatNumber(1e21), '1e+21');
  assert.equal(formatNumber(1e-7), '1e-7');
  assert.equal(formatNumber(0.1 + 0.2), '0.30000000000000004');
  assert.equal(formatNumber(123456789012345680000), '123456789012345680000');
});

test('canonical JSON sorts keys by UTF-16 code units and escapes minimally', () => {
  const v = fromPlain({ b: 1, a: [true, null, 'x"\\\n\u0001é'], '\u{1F600}': 2, '\uFFFF': 3, é: 4 });
  assert.equal(canonicalJSON(v), '{"a":[true,null,"x\\"\\\\\\n\\u0001é"],"b":1,"é":4,"\u{1F600}":2,"\uFFFF":3}');
  assert.match(canonicalHash(v), /^sha256:[0-9a-f]{64}$/);
});

test('the JSON parser refuses duplicates, comments, trailing commas and bad escapes', () => {
  assert.equal(documentError(() => JSONParser.parse(enc('{"a":1,"\\u0061":2}'))).code, 'duplicate_key');
  assert.equal(documentError(() => JSONParser.parse(enc('{"a":1,}'))).code, 'invalid_syntax');
  assert.equal(documentError(() => JSONParser.parse(enc('// x\n{}'))).code, 'invalid_syntax');
  assert.equal(documentError(() => JSONParser.parse(enc('{"a":"\\ud800"}'))).code, 'invalid_syntax');
  const deep = documentError(() => JSONParser.parse(enc('['.repeat(100) + ']'.repeat(100))));
  assert.equal(deep.code, 'nesting_too_deep');
  assert.equal(deep.path.tokens.length, 64);
  assert.equal(documentError(() => JSONParser.parse(enc('{"p": 1e400}'))).path.toString(), '/p');
  const keys = JSONParser.parse(enc('{"caf\\u00e9": 1, "cafe\\u0301": 2}'));
  assert.equal((keys as Map<string, unknown>).size, 2, 'keys are not normalised');
});

test('JSON pointers escape ~ and /', () => {
  assert.equal(JSONPointer.root.child('a/b').child('m~n').toString(), '/a~1b/m~0n');
  assert.deepEqual(JSONPointer.parse('/a~1b/m~0n')?.tokens, ['a/b', 'm~n']);
});

test('YAML: core schema, aliases counted on every use, tags refused', () => {
  const v = composeYAML(enc('a: [yes, no, on, 1.0, 0x1F, 0o17, ~, True, "1"]\nb: &x {c: 1}\nd: *x\n')) as Map<string, unknown>;
  assert.deepEqual(v.get('a'), ['yes', 'no', 'on', 1, 31, 15, null, true, '1']);
  assert.deepEqual(v.get('d'), new Map([['c', 1]]));
  const bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n' + Array.from({ length: 6 }, (_, i) => `l${i}: &l${i} [${Array(10).fill(i === 0 ? '*a' : `*l${i - 1}`).join(', ')}]`).join('\n');
  assert.equal(documentError(() => composeYAML(enc(bomb))).code, 'document_too_large');
  assert.equal(documentError(() => composeYAML(enc('a: !!python/object {x: 1}\n'))).path.toString(), '/a');
  assert.equal(documentError(() => composeYAML(enc('a: 1\na: 2\n'))).code, 'duplicate_key');
  assert.equal(documentError(() => composeYAML(enc('a: 1\n---\nb: 2\n'))).code, 'invalid_syntax');
  assert.equal(documentError(() => composeYAML(enc('a: *nope\n'))).path.toString(), '/a');
  const merge = composeYAML(enc('b: &b {x: 1}\nc:\n  <<: *b\n')) as Map<string, Map<string, unknown>>;
  assert.ok(merge.get('c')?.has('<<'), 'merge keys are plain keys');
  assert.equal(documentError(() => composeYAML(enc('x: ' + '['.repeat(200000)))).code, 'nesting_too_deep');
});

test('documents are read by extension, limits apply before parsing', () => {
  assert.equal(documentError(() => parseDocument(enc('a: 1'), 'm.json')).code, 'invalid_syntax');
  assert.deepEqual(parseDocument(enc('{"a": 1}'), 'm.yaml'), new Map([['a', 1]]));
  assert.equal(documentError(() => parseDocument(new Uint8Array((1 << 20) + 1).fill(0x20), 'm.yaml')).code, 'document_too_large');
  assert.equal(documentError(() => parseDocument(enc('a: "\u0086"'), 'm.yaml')).code, 'invalid_encoding');
  assert.equal(documentError(() => parseDocument(new Uint8Array([0x61, 0xff]), 'm.yaml')).code, 'invalid_encoding');
});

test('string lengths count code points and strings are not normalised', () => {
  const name = (n: number, ch: string) => `apiVersion: marina/v1\napp: {id: hello-app, name: "${ch.repeat(n)}", version: 1.0.0}\n`;
  assert.equal(loadManifestText(name(120, '\u{1F600}'), { fileName: 'm.yaml' }).valid, true);
  const long = loadManifestText(name(121, '\u{1F600}'), { fileName: 'm.yaml' });
  assert.deepEqual(long.diagnostics.map((d) => [d.code, d.path]), [['invalid_value', '/app/name']]);
});

test('defaults are filled and the hash ignores how the manifest is written', () => {
  const a = loadManifestText('apiVersion: marina/v1\napp: {id: hello-app, name: Hello, version: 1.0.0}\n', { fileName: 'a.yaml' });
  const b = loadManifestText('{"app": {"version": "1.0.0", "name": "Hello", "id": "hello-app", "forkable": "no"}, "apiVersion": "marina/v1", "runtime": {"port": 8080.0}}', { fileName: 'b.json' });
  assert.equal(a.valid && b.valid, true);
  assert.equal(a.hash, b.hash);
  assert.equal(a.manifest?.runtime.port, 8080);
  assert.equal(a.manifest?.runtime.resources.memory_mb, 256);
  assert.deepEqual(a.manifest?.events, []);
});

test('cron expressions and semantic versions', () => {
  assert.doesNotThrow(() => new CronExpression('*/15 0-6,22 1 JAN-MAR mon-fri'));
  assert.throws(() => new CronExpression('@daily'));
  assert.throws(() => new CronExpression('60 * * * *'));
  assert.ok(new CronExpression('0 2 * * 7').daysOfWeek.has(0));
  assert.ok(SemanticVersion.lessThan(SemanticVersion.parse('1.0.0-rc.1')!, SemanticVersion.parse('1.0.0')!));
  assert.ok(SemanticVersion.lessThan(SemanticVersion.parse('1.0.0-2')!, SemanticVersion.parse('1.0.0-10')!));
  assert.equal(SemanticVersion.parse('01.0.0'), null);
  assert.equal(SemanticVersion.parse('1.0.0+build.5')?.toString(), '1.0.0+build.5');
});
