import { KeyObject, generateKeyPairSync, sign } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** sdk/typescript (tests run from dist/test). */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..');
export const CONFORMANCE_DIR = process.env.MARINA_CONFORMANCE_DIR ?? resolve(PACKAGE_ROOT, '..', '..', 'conformance', 'manifests');
/** The mock-mode fixtures both SDKs run (conformance/mock). */
export const MOCK_DIR = resolve(PACKAGE_ROOT, '..', '..', 'conformance', 'mock');

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'marina-sdk-test-'));
}

export const APP_MANIFEST = `apiVersion: marina/v1
app:
  id: invoice-triage
  name: Invoice Triage
  version: 1.4.0
runtime:
  command: ["node", "dist/server.js"]
scopes: [kv.read, kv.write, http.fetch, mail.send]
tools:
  - name: triage
    input_schema: {type: object, properties: {text: {type: string}}, required: [text]}
    scopes: [kv.read]
  - name: explode
  - name: refuse
  - name: remember
    scopes: [kv.read, kv.write]
  - name: unimplemented
events: [install, inbound]
schedules:
  - {name: nightly, cron: "0 2 * * *"}
webhooks:
  - {name: ingest}
`;

export function writeManifest(text = APP_MANIFEST): string {
  const dir = tempDir();
  const file = join(dir, 'marina.app.yaml');
  writeFileSync(file, text);
  return file;
}

export interface Keys {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

export function makeKeys(kid = 'key-1'): Keys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid, alg: 'EdDSA', use: 'sig' };
  return { kid, privateKey, jwk };
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export function signToken(keys: Keys, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const h = b64({ alg: 'EdDSA', typ: 'JWT', kid: keys.kid, ...header });
  const c = b64(claims);
  const signature = sign(null, Buffer.from(`${h}.${c}`), keys.privateKey).toString('base64url');
  return `${h}.${c}.${signature}`;
}

export const ENV_BASE = {
  MARINA_TENANT: 'acme',
  MARINA_APP: 'invoice-triage',
  MARINA_VERSION: '1.4.0',
  MARINA_INSTALL_ID: 'inst_123',
};

export function validClaims(now = Math.floor(Date.now() / 1000), extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: 'https://marina.example.org',
    sub: 'marina',
    aud: ENV_BASE.MARINA_INSTALL_ID,
    tenant: ENV_BASE.MARINA_TENANT,
    app: ENV_BASE.MARINA_APP,
    version: ENV_BASE.MARINA_VERSION,
    iat: now,
    exp: now + 60,
    jti: 'req_1',
    typ: 'invocation',
    ...extra,
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** One HTTP request over a Unix socket (or TCP when `target` is a port). */
export function httpRequest(target: string | number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((done, fail) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const options = {
      ...(typeof target === 'string' ? { socketPath: target } : { host: '127.0.0.1', port: target }),
      method,
      path,
      headers: { ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers },
    };
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        done({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', fail);
    req.end(payload);
  });
}
