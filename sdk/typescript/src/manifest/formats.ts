import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { CronExpression, CronParseError } from '../support/cron';
import { SemanticVersion } from '../support/semver';
import { ScopeCatalog } from './scopes';
import { ManifestErrorCode } from './diagnostics';

/** Named string formats (the same list, with the same rules, as every Marina implementation). */
export type StringFormat =
  | 'slug'
  | 'semver'
  | 'cron'
  | 'hostname'
  | 'scope'
  | 'toolName'
  | 'eventName'
  | 'secretKey'
  | 'settingId'
  | 'envName'
  | 'importedEnvName'
  | 'clockTime'
  | 'linkworldEventName'
  | 'envValue'
  | 'openSailEnvValue'
  | 'uuid'
  | 'reverseDNS'
  | 'openSailSlug'
  | 'appRef'
  | 'timezone'
  | 'visibility'
  | 'volumeSize'
  | 'image'
  | 'nonEmpty';

export interface ValidationContext {
  catalog: ScopeCatalog;
}

const SLUG = /^[a-z][a-z0-9-]{2,63}$/;
const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const EVENT_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const SECRET_KEY = /^[A-Z][A-Z0-9_]{0,63}$/;
const SETTING_ID = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const CLOCK_TIME = /^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/;
const LINKWORLD_EVENT_NAME = /^[a-z][a-z0-9_]*$/;
const PORT_TEXT = /^[0-9]{1,5}$/;

/** The port an imported `PORT` variable names: one to five decimal digits, else null. */
export function portNumber(value: unknown): number | null {
  return typeof value === 'string' && PORT_TEXT.test(value) ? Number(value) : null;
}
const SCOPE_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const REVERSE_DNS = /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$/;
const OPENSAIL_SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const VISIBILITY = /^(?:public|private|team:[0-9a-f-]{36})$/;
const TIMEZONE_SHAPE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const OPENSAIL_SECRET_NAME = /^[a-zA-Z][a-zA-Z0-9_-]*$/;
const OPENSAIL_SECRET_KEY = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;
const OPENSAIL_REFERENCE = /\$\{secret:([a-zA-Z][a-zA-Z0-9_-]*)\/([a-zA-Z0-9][a-zA-Z0-9_-]*)\}/g;
const NATIVE_REFERENCE = /\$\{secret:([A-Z][A-Z0-9_]{0,63})\}/g;

/** Unicode White_Space (what Swift's `Character.isWhitespace` tests on a character's first scalar). */
export function isWhitespaceCodePoint(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

type Segmenter = { segment(s: string): Iterable<{ segment: string }> };
let segmenter: Segmenter | null | undefined;

/** Extended grapheme clusters (Swift's `Character`s); code points when ICU has no segmenter. */
export function graphemes(s: string): string[] {
  if (segmenter === undefined) {
    const S = (Intl as unknown as { Segmenter?: new (l?: string, o?: object) => Segmenter }).Segmenter;
    segmenter = S ? new S(undefined, { granularity: 'grapheme' }) : null;
  }
  if (!segmenter) return [...s];
  return Array.from(segmenter.segment(s), (x) => x.segment);
}

const NUMERIC_IDEOGRAPHS = new Set([...'〇零一壹弌二貳贰弍两兩三參叁弎四肆五伍六陸陆七柒八捌九玖十拾百佰千仟万萬亿億兆京垓秭穰溝沟澗涧正載载廿卄卅卌皕']);

/** Swift's `Character.isNumber` (Numeric_Type is not None), judged on the first scalar. */
function isNumberCharacter(ch: string): boolean {
  const first = String.fromCodePoint(ch.codePointAt(0) as number);
  return /\p{N}/u.test(first) || NUMERIC_IDEOGRAPHS.has(first);
}

export function isSlug(s: string): boolean {
  return SLUG.test(s);
}

export function isSecretKey(s: string): boolean {
  return SECRET_KEY.test(s);
}

export function isScopeName(s: string): boolean {
  return SCOPE_NAME.test(s);
}

/** Egress allow-list entries: DNS names (optionally `*.`), never IP literals. */
export function hostNameProblem(value: string): string | null {
  if (value === '') return 'a host name cannot be empty';
  if (value.includes(':') || /^[0-9.]+$/.test(value)) {
    return `"${value}" is an IP address or has a port; egress_hosts lists DNS names only`;
  }
  let name = value;
  if (name.startsWith('*.')) name = name.slice(2);
  if (graphemes(name).length > 253) return `"${value}" is longer than 253 characters`;
  const labels = name.split('.');
  if (labels.length < 2) return `"${value}" is not a fully qualified host name (like api.example.com)`;
  for (const label of labels) {
    if (!HOST_LABEL.test(label)) return `"${value}" is not a valid lowercase host name`;
  }
  if (/^[0-9]*$/.test(labels[labels.length - 1])) return `"${value}" has a numeric top-level label`;
  return null;
}

export function nativeSecretProblem(value: string): string | null {
  let rest = value;
  for (;;) {
    const r = rest.indexOf('${secret:');
    if (r < 0) return null;
    const after = rest.slice(r + '${secret:'.length);
    const close = after.indexOf('}');
    if (close < 0) return `unterminated secret reference in "${value}"; write \${secret:KEY}`;
    const key = after.slice(0, close);
    if (!SECRET_KEY.test(key)) return `"\${secret:${key}}" does not name a valid secret key (A-Z, 0-9, '_', starting with a letter)`;
    rest = after.slice(close + 1);
  }
}

/** OpenSail writes `${secret:name/key}`; Marina stores it as secret key `NAME_KEY`. */
export function openSailNativeKey(name: string, key: string): string {
  return (name + '_' + key).toUpperCase().split('-').join('_');
}

export function openSailSecretProblem(value: string): string | null {
  let rest = value;
  for (;;) {
    const r = rest.indexOf('${secret:');
    if (r < 0) return null;
    const after = rest.slice(r + '${secret:'.length);
    const close = after.indexOf('}');
    if (close < 0) return `unterminated secret reference in "${value}"; write \${secret:name/key}`;
    const body = after.slice(0, close);
    const parts = body.split('/');
    if (!(parts.length === 2 && OPENSAIL_SECRET_NAME.test(parts[0]) && OPENSAIL_SECRET_KEY.test(parts[1]))) {
      return `"\${secret:${body}}" is not a well-formed secret reference; write \${secret:name/key}`;
    }
    const key = openSailNativeKey(parts[0], parts[1]);
    if (!SECRET_KEY.test(key)) return `"\${secret:${body}}" maps to secret key ${key}, which is longer than 64 characters`;
    rest = after.slice(close + 1);
  }
}

/** Rewrites OpenSail `${secret:name/key}` references to native `${secret:NAME_KEY}` ones. */
export function openSailToNative(value: string): string {
  return value.replace(OPENSAIL_REFERENCE, (_m, name: string, key: string) => '${secret:' + openSailNativeKey(name, key) + '}');
}

/** The secret keys referenced by a native env value, in order. */
export function referencedSecretKeys(value: string): string[] {
  return Array.from(value.matchAll(NATIVE_REFERENCE), (m) => m[1]);
}

let zoneNames: Set<string> | undefined;

/** Time zone names as Marina's platform knows them: the IANA database with Debian's tzdata. */
export function isKnownTimeZone(name: string): boolean {
  if (zoneNames === undefined) {
    zoneNames = new Set<string>();
    const supported = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
    if (supported) for (const z of supported('timeZone')) zoneNames.add(z);
    collectZoneFiles('/usr/share/zoneinfo', '', zoneNames, 0);
    zoneNames.add('UTC');
  }
  if (!zoneNames.has(name)) return false;
  if (name === 'Factory') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function collectZoneFiles(dir: string, prefix: string, out: Set<string>, depth: number): void {
  if (depth > 3 || !existsSync(dir)) return;
  let entries: { name: string; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const rel = prefix + e.name;
    if (depth === 0 && ['posix', 'right', 'posixrules', 'localtime'].includes(e.name)) continue;
    if (!TIMEZONE_SHAPE.test(rel)) continue;
    const full = dir + '/' + e.name;
    if (e.isDirectory()) {
      collectZoneFiles(full, rel + '/', out, depth + 1);
    } else {
      try {
        const head = readFileSync(full).subarray(0, 4);
        if (head.length === 4 && head[0] === 0x54 && head[1] === 0x5a && head[2] === 0x69 && head[3] === 0x66) out.add(rel);
      } catch {
        // unreadable: not a zone
      }
    }
  }
}

function humanName(format: StringFormat): string {
  switch (format) {
    case 'uuid':
      return 'UUID';
    case 'reverseDNS':
      return 'reverse-DNS id (like com.example.app)';
    case 'volumeSize':
      return 'volume size (like 512Mi or 2Gi)';
    case 'image':
      return 'container image reference';
    case 'nonEmpty':
      return 'non-blank string';
    default:
      return format;
  }
}

function isVolumeSize(value: string): boolean {
  const g = graphemes(value);
  if (g.length < 3) return false;
  const unit = g[g.length - 2] + '|' + g[g.length - 1];
  if (unit !== 'M|i' && unit !== 'G|i') return false;
  return g.slice(0, -2).every(isNumberCharacter);
}

/** Checks `value`; returns the error code and message when it does not conform. */
export function checkFormat(format: StringFormat, value: string, context: ValidationContext): [ManifestErrorCode, string] | null {
  switch (format) {
    case 'slug':
      return SLUG.test(value) ? null : ['invalid_value', `"${value}" is not a valid app id: 3–64 characters of a-z, 0-9 and '-', starting with a letter`];
    case 'semver':
      return SemanticVersion.parse(value) ? null : ['invalid_value', `"${value}" is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.4.0 or 2.0.0-beta.1)`];
    case 'cron':
      try {
        new CronExpression(value);
        return null;
      } catch (e) {
        const reason = e instanceof CronParseError ? e.reason : String(e);
        return ['invalid_cron', `"${value}" is not a valid cron expression: ${reason}`];
      }
    case 'hostname': {
      const p = hostNameProblem(value);
      return p === null ? null : ['invalid_value', p];
    }
    case 'scope': {
      if (!SCOPE_NAME.test(value)) return ['unknown_scope', `"${value}" is not a scope name (like kv.read)`];
      if (context.catalog.contains(value)) return null;
      const s = context.catalog.suggestion(value);
      return ['unknown_scope', `"${value}" is not in the scope catalog${s ? `; did you mean "${s}"?` : ''}`];
    }
    case 'toolName':
      return TOOL_NAME.test(value) ? null : ['invalid_value', `"${value}" is not a valid tool name: a lowercase letter, then up to 63 of a-z, 0-9 and '_'`];
    case 'eventName':
      return EVENT_NAME.test(value) ? null : ['invalid_value', `"${value}" is not a valid name: a lowercase letter, then up to 63 of a-z, 0-9, '_' and '-'`];
    case 'secretKey':
      return SECRET_KEY.test(value) ? null : ['invalid_value', `"${value}" is not a valid secret key: an uppercase letter, then up to 63 of A-Z, 0-9 and '_'`];
    case 'settingId':
      return SETTING_ID.test(value) ? null : ['invalid_value', `"${value}" is not a valid setting id: a letter, then up to 63 letters, digits or '_'`];
    case 'clockTime':
      return CLOCK_TIME.test(value) ? null : ['invalid_value', `"${value}" is not a time of day (HH:MM, from 00:00 to 23:59)`];
    case 'linkworldEventName':
      return LINKWORLD_EVENT_NAME.test(value) ? null : ['invalid_value', `"${value}" is not a valid event name: a lowercase letter, then a-z, 0-9 and '_'`];
    case 'envName':
    case 'importedEnvName':
      if (!ENV_NAME.test(value)) return ['invalid_value', `"${value}" is not a valid environment variable name`];
      if (format === 'importedEnvName' && value === 'PORT') return null;
      if (value === 'PORT' || value.startsWith('MARINA_') || value === 'HTTP_PROXY' || value === 'HTTPS_PROXY' || value === 'NO_PROXY') {
        return ['invalid_value', `${value} is set by the platform and cannot be set in the manifest`];
      }
      return null;
    case 'envValue': {
      const p = nativeSecretProblem(value);
      return p === null ? null : ['invalid_value', p];
    }
    case 'openSailEnvValue': {
      const p = openSailSecretProblem(value);
      return p === null ? null : ['invalid_value', p];
    }
    case 'uuid':
    case 'reverseDNS':
    case 'volumeSize':
    case 'image':
    case 'nonEmpty': {
      let ok: boolean;
      switch (format) {
        case 'uuid':
          ok = UUID.test(value);
          break;
        case 'reverseDNS':
          ok = REVERSE_DNS.test(value);
          break;
        case 'volumeSize':
          ok = isVolumeSize(value);
          break;
        case 'image':
          ok = value !== '' && ![...value].some((c) => isWhitespaceCodePoint(c.codePointAt(0) as number));
          break;
        default:
          ok = graphemes(value).some((g) => !isWhitespaceCodePoint(g.codePointAt(0) as number));
      }
      return ok ? null : ['invalid_value', `"${value}" is not a valid ${humanName(format)}`];
    }
    case 'openSailSlug':
      if (!(OPENSAIL_SLUG.test(value) && value.length >= 1 && value.length <= 80)) return ['invalid_value', `"${value}" is not a valid slug`];
      return SLUG.test(value) ? null : ['invalid_value', `"${value}" is a valid OpenSail slug but not a Marina app id: 3–64 characters, starting with a letter`];
    case 'appRef': {
      const parts = value.split('@');
      const id = parts[0] ?? '';
      const idOK = SLUG.test(id) || REVERSE_DNS.test(id);
      if (!(parts.length === 2 && idOK && SemanticVersion.parse(parts[1]) !== null)) {
        return ['invalid_value', `"${value}" is not an app reference (app-id@1.2.3)`];
      }
      return null;
    }
    case 'timezone':
      return TIMEZONE_SHAPE.test(value) && isKnownTimeZone(value) ? null : ['invalid_value', `"${value}" is not an IANA time zone (like UTC or Europe/Berlin)`];
    case 'visibility':
      return VISIBILITY.test(value) ? null : ['invalid_value', `"${value}" is not a visibility (public, private or team:<uuid>)`];
  }
}

export const formatPatterns = { SLUG, TOOL_NAME, EVENT_NAME, SECRET_KEY, SETTING_ID, ENV_NAME, SCOPE_NAME };
