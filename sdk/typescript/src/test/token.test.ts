import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTokenError } from '../runtime/errors';
import { TokenVerifier } from '../runtime/token';
import { ENV_BASE, makeKeys, signToken, validClaims } from './helpers';

const keys = makeKeys('key-1');
const NOW = 1_750_000_000;

function verifier(extra: Partial<ConstructorParameters<typeof TokenVerifier>[0]> = {}) {
  return new TokenVerifier({
    jwks: JSON.stringify({ keys: [keys.jwk] }),
    installId: ENV_BASE.MARINA_INSTALL_ID,
    tenant: ENV_BASE.MARINA_TENANT,
    app: ENV_BASE.MARINA_APP,
    now: () => NOW,
    ...extra,
  });
}

async function refused(token: string, v = verifier()): Promise<string> {
  try {
    await v.verify(token);
  } catch (e) {
    if (!(e instanceof InvalidTokenError)) throw e;
    return e.message;
  }
  throw new Error('the token was accepted');
}

test('a good token is accepted', async () => {
  const claims = await verifier().verify(signToken(keys, validClaims(NOW)));
  assert.equal(claims.tenant, 'acme');
  assert.equal(claims.jti, 'req_1');
});

test('clock skew of 30 s is tolerated both ways', async () => {
  await verifier().verify(signToken(keys, validClaims(NOW, { iat: NOW - 80, exp: NOW - 25 })));
  await verifier().verify(signToken(keys, validClaims(NOW, { iat: NOW + 30, exp: NOW + 60 })));
});

test('an expired token is refused', async () => {
  assert.match(await refused(signToken(keys, validClaims(NOW, { iat: NOW - 120, exp: NOW - 60 }))), /expired/);
  assert.match(await refused(signToken(keys, validClaims(NOW, { iat: NOW - 90, exp: NOW - 30 }))), /expired/);
});

test('a token issued in the future is refused', async () => {
  assert.match(await refused(signToken(keys, validClaims(NOW, { iat: NOW + 31, exp: NOW + 60 }))), /future/);
});

test('a token living longer than 60 s is refused', async () => {
  assert.match(await refused(signToken(keys, validClaims(NOW, { iat: NOW, exp: NOW + 61 }))), /60 seconds/);
});

test('a token for another install, tenant or app is refused', async () => {
  assert.match(await refused(signToken(keys, validClaims(NOW, { aud: 'inst_other' }))), /install/);
  assert.match(await refused(signToken(keys, validClaims(NOW, { tenant: 'globex' }))), /tenant/);
  assert.match(await refused(signToken(keys, validClaims(NOW, { app: 'other-app' }))), /app/);
  assert.match(await refused(signToken(keys, validClaims(NOW)), verifier({ installId: undefined })), /install/);
});

test('an unknown kid is refused', async () => {
  const other = makeKeys('key-2');
  assert.match(await refused(signToken(other, validClaims(NOW))), /kid/);
});

test('a tampered token is refused', async () => {
  const token = signToken(keys, validClaims(NOW));
  const [h, , s] = token.split('.');
  const forged = Buffer.from(JSON.stringify(validClaims(NOW, { tenant: 'acme', aud: ENV_BASE.MARINA_INSTALL_ID, jti: 'req_2' }))).toString('base64url');
  assert.match(await refused(`${h}.${forged}.${s}`), /signature/);
  const bytes = Buffer.from(s, 'base64url');
  bytes[10] ^= 0x01;
  assert.match(await refused(`${h}.${token.split('.')[1]}.${bytes.toString('base64url')}`), /signature/);
  const other = makeKeys('key-1');
  assert.match(await refused(signToken(other, validClaims(NOW))), /signature/);
});

test('a token of another typ is refused', async () => {
  assert.match(await refused(signToken(keys, validClaims(NOW, { typ: 'access' }))), /invocation/);
  assert.match(await refused(signToken(keys, validClaims(NOW, { typ: undefined }))), /invocation/);
});

test('alg none and other algorithms are refused', async () => {
  const claims = Buffer.from(JSON.stringify(validClaims(NOW))).toString('base64url');
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: 'key-1' })).toString('base64url');
  assert.match(await refused(`${none}.${claims}.`), /alg/);
  assert.match(await refused(signToken(keys, validClaims(NOW), { alg: 'HS256' })), /alg/);
});

test('malformed tokens are refused', async () => {
  for (const t of ['', 'abc', 'a.b', 'a.b.c.d', '!!.!!.!!', signToken(keys, validClaims(NOW)) + '=']) await refused(t);
});

test('on an unknown kid the JWK set is fetched from MARINA_URL at most once a minute', async () => {
  const rotated = makeKeys('key-9');
  let fetches = 0;
  const fakeFetch = (async (url: string) => {
    fetches++;
    assert.equal(url, 'http://platform.test/.well-known/jwks.json');
    return new Response(JSON.stringify({ keys: [keys.jwk, rotated.jwk] }), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  const v = verifier({ marinaUrl: 'http://platform.test/', fetch: fakeFetch });
  await v.verify(signToken(rotated, validClaims(NOW)));
  assert.equal(fetches, 1);
  await refused(signToken(makeKeys('key-10'), validClaims(NOW)), v);
  assert.equal(fetches, 1, 'no second fetch within a minute');
});
