import { KeyObject, createPublicKey, verify } from 'node:crypto';
import { JSONParser } from '../json/parser';
import { toPlain } from '../json/value';
import { InvalidTokenError } from './errors';

/** One Ed25519 verification key of the platform, as a JWK. */
export interface JWK {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  alg?: string;
  use?: string;
  [k: string]: unknown;
}

export interface JWKSet {
  keys: JWK[];
}

/** The claims of a verified invocation token. */
export interface InvocationClaims {
  iss?: string;
  sub?: string;
  aud: string;
  tenant: string;
  app: string;
  version?: string;
  iat: number;
  exp: number;
  /** The request id (equals `X-Marina-Request-Id`) or the event id. */
  jti?: string;
  typ: 'invocation';
  [k: string]: unknown;
}

export interface TokenVerifierOptions {
  /** `MARINA_JWKS`: a JWK set (object or JSON text). */
  jwks?: JWKSet | string;
  /** `MARINA_INSTALL_ID`: the audience tokens must name. */
  installId?: string;
  /** `MARINA_TENANT` and `MARINA_APP`: tokens must be for this instance. */
  tenant?: string;
  app?: string;
  /** `MARINA_URL`: on an unknown `kid`, `GET $MARINA_URL/.well-known/jwks.json` (at most once a minute). */
  marinaUrl?: string;
  /** Seconds since 1970 (tests replace it). */
  now?: () => number;
  fetch?: typeof fetch;
}

const SKEW_S = 30;
const MAX_LIFETIME_S = 60;
const REFRESH_INTERVAL_MS = 60_000;
const B64URL = /^[A-Za-z0-9_-]+$/;

function decodeSegment(segment: string, what: string): Uint8Array {
  if (!B64URL.test(segment) || segment.length % 4 === 1) throw new InvalidTokenError(`the token's ${what} is not base64url`);
  return Buffer.from(segment, 'base64url');
}

function decodeJSONObject(segment: string, what: string): Record<string, unknown> {
  const bytes = decodeSegment(segment, what);
  let value: unknown;
  try {
    value = toPlain(JSONParser.parse(bytes));
  } catch {
    throw new InvalidTokenError(`the token's ${what} is not a JSON object`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidTokenError(`the token's ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function parseJWKS(jwks: JWKSet | string | undefined): JWK[] {
  if (jwks === undefined || jwks === '') return [];
  let set: unknown = jwks;
  if (typeof jwks === 'string') {
    try {
      set = JSON.parse(jwks);
    } catch {
      return [];
    }
  }
  const keys = (set as { keys?: unknown })?.keys;
  return Array.isArray(keys) ? (keys.filter((k) => k && typeof k === 'object') as JWK[]) : [];
}

/**
 * Verifies platform → app invocation tokens exactly as docs/app-contract.md says: EdDSA only,
 * a `kid` of the JWK set, a valid Ed25519 signature, `typ` invocation, `aud` the install id,
 * `tenant`/`app` this instance's, `exp` later than now − 30 s, `iat` not after now + 30 s,
 * `exp − iat ≤ 60`.
 */
export class TokenVerifier {
  private keys = new Map<string, KeyObject>();
  private lastRefresh = 0;
  private readonly now: () => number;

  constructor(private readonly options: TokenVerifierOptions) {
    this.now = options.now ?? (() => Date.now() / 1000);
    this.setKeys(parseJWKS(options.jwks));
  }

  private setKeys(jwks: JWK[]): void {
    const keys = new Map<string, KeyObject>();
    for (const jwk of jwks) {
      if (typeof jwk.kid !== 'string' || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') continue;
      try {
        keys.set(jwk.kid, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }));
      } catch {
        // a malformed key verifies nothing
      }
    }
    this.keys = keys;
  }

  /** Looks the `kid` up, refreshing the JWK set from the platform at most once a minute. */
  private async key(kid: string): Promise<KeyObject | undefined> {
    const known = this.keys.get(kid);
    if (known) return known;
    const base = this.options.marinaUrl;
    const doFetch = this.options.fetch ?? (typeof fetch === 'function' ? fetch : undefined);
    if (!base || !doFetch || Date.now() - this.lastRefresh < REFRESH_INTERVAL_MS) return undefined;
    this.lastRefresh = Date.now();
    try {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 5000);
      try {
        const response = await doFetch(base.replace(/\/+$/, '') + '/.well-known/jwks.json', { signal: controller.signal });
        if (response.ok) this.setKeys(parseJWKS((await response.json()) as JWKSet));
      } finally {
        clearTimeout(timer);
      }
    } catch {
      // unreachable platform: the token stays unverifiable
    }
    return this.keys.get(kid);
  }

  /** The verified claims; throws `InvalidTokenError` with the reason otherwise. */
  async verify(token: string): Promise<InvocationClaims> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new InvalidTokenError('the token is not a JWT (header.claims.signature)');
    const [headerPart, claimsPart, signaturePart] = parts;
    const header = decodeJSONObject(headerPart, 'header');
    if (header.alg !== 'EdDSA') throw new InvalidTokenError(`the token's alg is ${JSON.stringify(header.alg)}, not EdDSA`);
    if (typeof header.kid !== 'string') throw new InvalidTokenError('the token names no kid');
    const claims = decodeJSONObject(claimsPart, 'claims');
    const signature = decodeSegment(signaturePart, 'signature');
    const key = await this.key(header.kid);
    if (!key) throw new InvalidTokenError(`the token's kid ${JSON.stringify(header.kid)} is not a platform key`);
    let valid = false;
    try {
      valid = signature.length === 64 && verify(null, Buffer.from(headerPart + '.' + claimsPart, 'ascii'), key, signature);
    } catch {
      valid = false;
    }
    if (!valid) throw new InvalidTokenError('the token signature does not verify');
    if (claims.typ !== 'invocation') throw new InvalidTokenError('the token is not an invocation token');
    const { installId, tenant, app } = this.options;
    if (!installId || claims.aud !== installId) throw new InvalidTokenError('the token is for another install');
    if (!tenant || claims.tenant !== tenant) throw new InvalidTokenError('the token is for another tenant');
    if (!app || claims.app !== app) throw new InvalidTokenError('the token is for another app');
    const { exp, iat } = claims;
    if (typeof exp !== 'number' || typeof iat !== 'number' || !Number.isFinite(exp) || !Number.isFinite(iat)) {
      throw new InvalidTokenError('the token has no valid exp and iat');
    }
    const now = this.now();
    if (!(exp > now - SKEW_S)) throw new InvalidTokenError('the token has expired');
    if (iat > now + SKEW_S) throw new InvalidTokenError('the token is issued in the future');
    if (exp - iat > MAX_LIFETIME_S) throw new InvalidTokenError('the token lives longer than 60 seconds');
    return claims as InvocationClaims;
  }
}
