import { closeSync, openSync, readSync, statSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { canonicalJSON, sha256Hex } from '../json/canonical';
import { JSONParser } from '../json/parser';
import { hasBOM, requireText } from '../json/text';
import { JSONObject, JSONPointer, JSONValue, member, toPlain, typeName } from '../json/value';
import { composeYAML } from '../yaml/composer';
import { Diagnostics, DocumentError, DocumentLimits, ManifestDiagnostic, defaultLimits } from './diagnostics';
import { ValidationContext } from './formats';
import { LINKWORLD_API_VERSION, convertLinkworld, linkworldExtraRules, linkworldNotes, linkworldShape } from './linkworld';
import { NATIVE_API_VERSION, nativeRootShape } from './native';
import { ManifestNote } from './notes';
import { OPENSAIL_SCHEMA_VERSION, convertOpenSail, openSailExtraRules, openSailNotes, openSailShape } from './opensail';
import { Provenance } from './provenance';
import { checkNativeRules } from './rules';
import { ScopeCatalog } from './scopes';
import { S, ShapeValidator, normalize } from './shape';

/** The formats Marina reads, as `marina validate --json` names them. */
export type ManifestFormat = 'marina/v1' | 'linkworld.ai/v2' | 'opensail/2025-02';

/** File names searched for, in order, when a directory is given. */
export const MANIFEST_FILE_NAMES = ['marina.app.yaml', 'marina.app.yml', 'marina.app.json', 'linkworld.app.yaml', 'linkworld.app.yml', 'app.manifest.json'];

/** The outcome of reading one manifest. */
export interface ManifestReport {
  format: ManifestFormat | null;
  /** Every problem found (empty when valid). */
  diagnostics: ManifestDiagnostic[];
  valid: boolean;
  /** The `marina/v1` tree with defaults filled in (only when valid). */
  native?: JSONValue;
  /** RFC 8785 canonical JSON of `native`. */
  canonicalJSON?: string;
  /** `sha256:<hex>` of `canonicalJSON`. */
  hash?: string;
  /** `native` as a plain JavaScript object. */
  manifest?: NativeManifest;
  /** What the importer did that the author should know (a valid imported manifest only). */
  notes: ManifestNote[];
}

/** The validated `marina/v1` manifest (defaults filled) as plain data. */
export interface NativeManifest {
  apiVersion: 'marina/v1';
  app: { id: string; name: string; version: string; forkable: string; description?: string; [k: string]: unknown };
  runtime: {
    command?: string[];
    image?: string;
    port: number;
    resources: { memory_mb: number; cpu_cores: number; max_processes: number };
    env: Record<string, string>;
    idle_timeout_s: number;
    [k: string]: unknown;
  };
  network: { egress_hosts: string[] };
  scopes: string[];
  tools: { name: string; description?: string; input_schema: unknown; output_schema?: unknown; scopes: string[]; agent_visible: boolean; timeout_s: number; [k: string]: unknown }[];
  events: ('install' | 'uninstall' | 'inbound' | 'user_added')[];
  schedules: { name: string; cron?: string; timezone: string; execution: string; trigger: string; editable: boolean; optional: boolean; [k: string]: unknown }[];
  webhooks: { name: string; description?: string }[];
  settings: { id: string; type: string; required: boolean; [k: string]: unknown }[];
  [k: string]: unknown;
}

export interface LoadOptions {
  fileName?: string;
  context?: ValidationContext;
  limits?: DocumentLimits;
}

/** Reads bytes as one JSON or YAML document (by extension; `{` first means JSON otherwise). */
export function parseDocument(bytes: Uint8Array, fileName?: string, limits: DocumentLimits = defaultLimits): JSONValue {
  if (bytes.length > limits.maxBytes) {
    throw new DocumentError('document_too_large', JSONPointer.root, `document is ${bytes.length} bytes; the limit is ${limits.maxBytes}`);
  }
  requireText(bytes);
  const lower = (fileName ?? '').toLowerCase();
  const body = hasBOM(bytes) ? bytes.subarray(3) : bytes;
  let isJSON: boolean;
  if (lower.endsWith('.json')) isJSON = true;
  else if (lower.endsWith('.yaml') || lower.endsWith('.yml')) isJSON = false;
  else {
    let first = -1;
    for (const b of body) {
      if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) {
        first = b;
        break;
      }
    }
    isJSON = first === 0x7b;
  }
  return isJSON ? JSONParser.parse(body, limits) : composeYAML(body, limits);
}

/** Parses and validates a manifest; pure: bytes in, report out. */
export function loadManifest(bytes: Uint8Array, options: LoadOptions = {}): ManifestReport {
  let document: JSONValue;
  try {
    document = parseDocument(bytes, options.fileName, options.limits ?? defaultLimits);
  } catch (e) {
    if (e instanceof DocumentError) return { format: null, diagnostics: [e.diagnostic], valid: false, notes: [] };
    throw e;
  }
  return loadManifestDocument(document, options.context, options.limits ?? defaultLimits);
}

export function loadManifestText(text: string, options: LoadOptions = {}): ManifestReport {
  return loadManifest(new TextEncoder().encode(text), options);
}

function detect(root: JSONObject): ManifestFormat | ManifestDiagnostic {
  const supported = 'Marina reads marina/v1, linkworld.ai/v2 and OpenSail manifest_schema_version 2025-02';
  const api = root.get('apiVersion');
  if (api !== undefined) {
    if (typeof api !== 'string') return { code: 'invalid_type', path: '/apiVersion', message: `expected string, got ${typeName(api)}` };
    if (api === NATIVE_API_VERSION) return 'marina/v1';
    if (api === LINKWORLD_API_VERSION) return 'linkworld.ai/v2';
    return { code: 'unsupported_version', path: '/apiVersion', message: `apiVersion "${api}" is not supported; ${supported}` };
  }
  const version = root.get('manifest_schema_version');
  if (version !== undefined) {
    if (version === OPENSAIL_SCHEMA_VERSION) return 'opensail/2025-02';
    if (typeof version !== 'string') {
      return { code: 'invalid_type', path: '/manifest_schema_version', message: `expected string, got ${typeName(version)}` };
    }
    return { code: 'unsupported_version', path: '/manifest_schema_version', message: `manifest_schema_version "${version}" is not supported; ${supported}` };
  }
  return { code: 'missing_field', path: '/apiVersion', message: '"apiVersion" is required (apiVersion: marina/v1)' };
}

/**
 * Validates a document tree and, when valid, builds its native form and hash (refused when its
 * canonical JSON would exceed `limits.maxCanonicalBytes`).
 */
export function loadManifestDocument(
  document: JSONValue,
  context: ValidationContext = { catalog: ScopeCatalog.default },
  limits: DocumentLimits = defaultLimits,
): ManifestReport {
  if (!(document instanceof Map)) {
    return { format: null, diagnostics: [{ code: 'invalid_type', path: '', message: `a manifest is an object (a mapping), not ${typeName(document)}` }], valid: false, notes: [] };
  }
  const detected = detect(document);
  if (typeof detected !== 'string') return { format: null, diagnostics: [detected], valid: false, notes: [] };
  const format = detected;

  const validator = new ShapeValidator(context);
  let nativeTree: JSONValue;
  let provenance: Provenance;
  switch (format) {
    case 'marina/v1':
      validator.check(document, nativeRootShape, JSONPointer.root);
      nativeTree = document;
      provenance = new Provenance();
      break;
    case 'linkworld.ai/v2':
      validator.check(document, S.object(linkworldShape), JSONPointer.root);
      linkworldExtraRules(document, validator.diagnostics);
      [nativeTree, provenance] = convertLinkworld(document);
      break;
    case 'opensail/2025-02':
      validator.check(document, S.object(openSailShape), JSONPointer.root);
      openSailExtraRules(document, validator.diagnostics);
      [nativeTree, provenance] = convertOpenSail(document);
      break;
  }
  const diagnostics = validator.diagnostics;
  const rules = new Diagnostics();
  checkNativeRules(nativeTree, rules, context);
  for (const d of rules.items) diagnostics.add(d.code, provenance.source(JSONPointer.parse(d.path) ?? JSONPointer.root), d.message);
  if (format !== 'marina/v1' && diagnostics.isEmpty) {
    // The conversion must yield a valid native manifest; if not, that is an importer bug, reported.
    const check = new ShapeValidator(context);
    check.check(nativeTree, nativeRootShape, JSONPointer.root);
    for (const d of check.diagnostics.items) {
      diagnostics.add(d.code, provenance.source(JSONPointer.parse(d.path) ?? JSONPointer.root), 'after conversion to marina/v1: ' + d.message);
    }
  }
  if (!diagnostics.isEmpty) return { format, diagnostics: diagnostics.items, valid: false, notes: [] };
  const report = finish(nativeTree, format, limits);
  if (report.valid) report.notes = format === 'linkworld.ai/v2' ? linkworldNotes(document) : format === 'opensail/2025-02' ? openSailNotes(document) : [];
  return report;
}

/** Integer fields the reference reads into a 64-bit `Int` without an upper bound of their own. */
function int64Problem(native: JSONValue): boolean {
  const tooBig = (v: JSONValue | undefined): boolean => typeof v === 'number' && Math.abs(v) >= 9223372036854775807;
  const agents = member(native, 'agents');
  if (Array.isArray(agents) && agents.some((a) => tooBig(member(a, 'max_tokens')) || tooBig(member(a, 'warm_pool_size')))) return true;
  return tooBig(member(member(member(native, 'billing'), 'platform_fee'), 'trial_days'));
}

function finish(tree: JSONValue, format: ManifestFormat, limits: DocumentLimits): ManifestReport {
  const native = normalize(tree, nativeRootShape);
  const canonical = canonicalJSON(native);
  // The stored and hashed form is bounded whatever the input did to get there.
  if (Buffer.byteLength(canonical, 'utf8') > limits.maxCanonicalBytes) {
    return {
      format,
      diagnostics: [
        { code: 'document_too_large', path: '', message: `the manifest's canonical form (marina/v1, defaults filled in) is over ${limits.maxCanonicalBytes} bytes` },
      ],
      valid: false,
      notes: [],
    };
  }
  if (int64Problem(native)) {
    return {
      format,
      diagnostics: [{ code: 'invalid_value', path: '', message: 'the manifest could not be read: an integer does not fit in 64 bits' }],
      valid: false,
      notes: [],
    };
  }
  return {
    format,
    diagnostics: [],
    valid: true,
    native,
    canonicalJSON: canonical,
    hash: 'sha256:' + sha256Hex(canonical),
    manifest: toPlain(native) as NativeManifest,
    notes: [],
  };
}

/** A manifest file could not be found or read (the CLI's exit status 2). */
export class ManifestFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestFileError';
  }
}

/** Resolves PATH (a manifest file or an app directory) to the manifest file. */
export function locateManifest(path: string): string {
  if (!existsSync(path)) throw new ManifestFileError(`${path}: no such file or directory`);
  if (!statSync(path).isDirectory()) return path;
  const found = MANIFEST_FILE_NAMES.map((n) => join(path, n)).filter((p) => existsSync(p));
  if (found.length === 0) throw new ManifestFileError(`${path}: no manifest found (looked for ${MANIFEST_FILE_NAMES.join(', ')})`);
  return found[0];
}

/** Reads at most one byte more than the limit, so that a huge file is refused without loading it. */
export function readManifestBytes(file: string, limit = defaultLimits.maxBytes): Uint8Array {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new ManifestFileError(`${file}: cannot be read: ${(e as Error).message}`);
  }
  try {
    const buffer = new Uint8Array(limit + 1);
    let total = 0;
    while (total < buffer.length) {
      const n = readSync(fd, buffer, total, buffer.length - total, null);
      if (n === 0) break;
      total += n;
    }
    return buffer.subarray(0, total);
  } catch (e) {
    throw new ManifestFileError(`${file}: cannot be read: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/** Loads a manifest file (or an app directory's manifest). Throws `ManifestFileError` when unreadable. */
export function loadManifestFile(path: string, options: Omit<LoadOptions, 'fileName'> = {}): ManifestReport & { file: string } {
  const file = locateManifest(path);
  const bytes = readManifestBytes(file);
  return { file, ...loadManifest(bytes, { ...options, fileName: basename(file) }) };
}
