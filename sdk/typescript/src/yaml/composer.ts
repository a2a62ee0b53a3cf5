import { DocumentError, DocumentLimits, defaultLimits } from '../manifest/diagnostics';
import { decodeUTF8, requireText, requireYAMLPrintable } from '../json/text';
import { JSONObject, JSONPointer, JSONValue } from '../json/value';
import { YamlCSTToken, YamlLexer, YamlModule, yamlLibrary } from './lib';

/**
 * Reads one YAML document into a JSON tree under the YAML 1.2 core schema, exactly as Marina's
 * reference composer does (YAMLComposer.swift over libyaml events):
 *
 * - eemeli/yaml's `Parser` (CST, iterative) and `Composer` (document nodes) do the syntax; the
 *   composer runs with `uniqueKeys: false` and `merge: false`, and its own value resolution is
 *   ignored: every scalar is resolved here from its source text, style and tag.
 * - The tree is then walked in document order, the way the reference consumes events: nodes are
 *   counted (an alias counts its whole anchored value every time it is used; mapping keys count
 *   too), depth is bounded (also through aliases), duplicate keys, unknown tags, aliases without
 *   anchors and non-string keys are refused where they occur.
 * - A syntax error reported by eemeli/yaml is raised when the walk reaches its position, with the
 *   path of the node being read, as libyaml reports errors lazily while events are pulled.
 * - Collections nested deeper than the limit are cut out of the CST before composing, so hostile
 *   nesting cannot exhaust the stack; the walk refuses them before it could reach the cut.
 */
export function composeYAML(bytes: Uint8Array, limits: DocumentLimits = defaultLimits): JSONValue {
  if (bytes.length > limits.maxBytes) {
    throw new DocumentError('document_too_large', JSONPointer.root, `document is ${bytes.length} bytes; the limit is ${limits.maxBytes}`);
  }
  requireText(bytes);
  const text = decodeUTF8(bytes);
  requireYAMLPrintable(text);
  return new YAMLWalker(text, limits).document();
}

interface Anchored {
  value: JSONValue;
  nodes: number;
  /** Bytes of text (UTF-8 of string values and keys), as `maxTextBytes` counts. */
  text: number;
  depth: number;
}

/** A composed node: its value, node count, bytes of text and depth. */
type Composed = [JSONValue, number, number, number];

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

interface PendingError {
  offset: number;
  message: string;
  code?: string;
}

const TAG = 'tag:yaml.org,2002:';
/** eemeli/yaml error codes that libyaml's scanner (not its parser) would report. */
const SCANNER_ERRORS = new Set(['BAD_SCALAR_START', 'BAD_DQ_ESCAPE', 'TAB_AS_INDENT', 'UNEXPECTED_TOKEN', 'BAD_DIRECTIVE']);
const COLLECTION_TOKENS = new Set(['block-map', 'block-seq', 'flow-collection']);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** libyaml decodes its input in chunks of this many bytes and checks every character it decodes. */
const LIBYAML_CHUNK = 16384;
/** libyaml's own bound on nesting (flow levels scanned ahead plus block levels). */
const LIBYAML_MAX_NESTING = 1000;
/** Text nested deeper than this on one line is cut before parsing: it is refused either way. */
const FLOW_CUT = 1100;

/**
 * Running flow depth (opened minus closed `[`/`{`) after each character of `text[from, to)`,
 * skipping quoted scalars and comments: a cheap approximation of libyaml's tokens.
 */
function flowDepths(text: string, from: number, to: number): Int32Array {
  const out = new Int32Array(Math.max(1, to - from));
  let depth = 0;
  let quote = '';
  let comment = false;
  for (let i = from; i < to; i++) {
    const c = text[i];
    const prev = i > from ? text[i - 1] : ' ';
    if (comment) {
      // nothing counts until the end of the line
    } else if (quote) {
      if (quote === "'" && c === "'") {
        if (text[i + 1] === "'") {
          out[i - from] = depth;
          i++;
        } else quote = '';
      } else if (quote === '"' && c === '\\') {
        out[i - from] = depth;
        i++;
      } else if (quote === '"' && c === '"') quote = '';
    } else if ((c === '"' || c === "'") && /[\s[{,:]/.test(prev)) quote = c;
    else if (c === '#' && /\s/.test(prev)) comment = true;
    else if (c === '[' || c === '{') {
      if (depth > 0 || /[\s[{,:?-]/.test(prev)) depth++;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
    if (i < to) out[Math.min(i - from, out.length - 1)] = depth;
  }
  return out;
}

/** Cuts the text where one line nests flow collections deeper than FLOW_CUT (hostile input). */
function cutHostileNesting(text: string): string {
  if (text.length < FLOW_CUT) return text;
  let from = 0;
  while (from < text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    if (to - from > FLOW_CUT) {
      const depths = flowDepths(text, from, to);
      for (let k = 0; k < depths.length; k++) if (depths[k] > FLOW_CUT) return text.slice(0, from + k);
    }
    from = to + 1;
  }
  return text;
}

class YAMLWalker {
  private readonly lib: YamlModule;
  private nodes = 0;
  private textBytes = 0;
  private readonly anchors = new Map<string, Anchored>();
  private errors: PendingError[] = [];
  private nextError = 0;
  private readonly lineStarts: number[] = [0];

  /** The text as libyaml reads it (see `libyamlText`); same length, so offsets agree. */
  private readonly source: string;
  /** Offsets where eemeli/yaml reports a value on its key's line that is itself a mapping. */
  private readonly compactMappingErrors = new Set<number>();

  constructor(private readonly text: string, private readonly limits: DocumentLimits) {
    this.lib = yamlLibrary();
    this.source = cutHostileNesting(libyamlText(text));
    for (let i = 0; i < this.source.length; i++) if (this.source.charCodeAt(i) === 0x0a) this.lineStarts.push(i + 1);
  }

  private line(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private column(offset: number): number {
    return offset - this.lineStarts[this.line(offset) - 1] + 1;
  }

  private syntax(path: JSONPointer, message: string): DocumentError {
    return new DocumentError('invalid_syntax', path, message);
  }

  private nesting(path: JSONPointer): DocumentError {
    return new DocumentError('nesting_too_deep', path, `nesting deeper than ${this.limits.maxDepth} levels`);
  }

  document(): JSONValue {
    this.readerCheck();
    let tokens: YamlCSTToken[];
    let docs: ReturnType<YAMLWalker['composeDocs']>;
    try {
      const parser = new this.lib.Parser();
      lenientFlowIndentation(parser.lexer, this.lib.CST.FLOW_END);
      tokens = Array.from(parser.parse(this.source));
      this.checkDirectives(tokens);
      this.checkCST(tokens);
      docs = this.composeDocs(tokens);
    } catch (e) {
      if (e instanceof DocumentError) throw e;
      throw this.syntax(JSONPointer.root, `invalid YAML: ${(e as Error).message}`);
    }
    const { documents, errors } = docs;
    this.errors = [...this.errors, ...errors].sort((a, b) => a.offset - b.offset);
    if (documents.length === 0) {
      if (this.errors.length > 0) throw this.pendingAsError(JSONPointer.root);
      if (tokens.some((t) => t.type === 'directive')) {
        throw this.syntax(JSONPointer.root, 'invalid YAML: directives without a document (expected ---)');
      }
      throw new DocumentError('empty_document', JSONPointer.root, 'the document is empty');
    }
    const root = documents[0].contents;
    this.checkpoint(this.start(root, documents[0].range[0]), JSONPointer.root);
    const [value] = this.node(root, JSONPointer.root, 0);
    if (this.nextError < this.errors.length) {
      const first = this.errors[this.nextError];
      // Past the first document: libyaml would first report the second document.
      if (documents.length < 2 || first.offset < documents[1].range[0]) throw this.pendingAsError(JSONPointer.root);
    }
    if (documents.length > 1) {
      const at = this.line(this.start(documents[1].contents, documents[1].range[0]));
      throw this.syntax(JSONPointer.root, `a manifest is one YAML document; found another at line ${at}`);
    }
    return value;
  }

  /** libyaml refuses the non-characters U+FFFE and U+FFFF when it decodes its input. */
  private readerCheck(): void {
    let bytesSoFar = 0;
    let offset = 0;
    for (const ch of this.text) {
      const c = ch.codePointAt(0) as number;
      if (c === 0xfffe || c === 0xffff) {
        const message = `invalid YAML at line ${this.line(offset)}, column ${this.column(offset)}: control characters are not allowed`;
        if (bytesSoFar < LIBYAML_CHUNK) throw this.syntax(JSONPointer.root, message);
        // Decoded with a later chunk: reported once the scanner reaches that chunk.
        const chunkStart = Math.floor(bytesSoFar / LIBYAML_CHUNK) * LIBYAML_CHUNK;
        this.errors.push({ offset: this.offsetOfByte(chunkStart), message });
        return;
      }
      bytesSoFar += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      offset += ch.length;
    }
  }

  private offsetOfByte(target: number): number {
    let bytes = 0;
    let offset = 0;
    for (const ch of this.text) {
      if (bytes >= target) return offset;
      const c = ch.codePointAt(0) as number;
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      offset += ch.length;
    }
    return offset;
  }

  private composeDocs(tokens: YamlCSTToken[]) {
    const composer = new this.lib.Composer({
      version: '1.2',
      schema: 'core',
      merge: false,
      uniqueKeys: false,
      strict: true,
      prettyErrors: false,
    });
    const documents = Array.from(composer.compose(tokens));
    const errors: PendingError[] = [];
    const add = (e: { pos: [number, number]; message: string; code: string }) => {
      if (
        (e.code === 'BLOCK_AS_IMPLICIT_KEY' && e.message.startsWith('Nested mappings')) ||
        e.code === 'MULTILINE_IMPLICIT_KEY' ||
        e.code === 'BLOCK_IN_FLOW'
      ) {
        this.compactMappingErrors.add(e.pos[0]);
      }
      errors.push({ offset: e.pos[0], message: e.message, code: e.code });
    };
    for (const d of documents) d.errors.forEach(add);
    composer.streamInfo().errors.forEach(add);
    return { documents, errors };
  }

  /**
   * One pass over the CST (iterative, so hostile nesting is harmless):
   * - collections nested deeper than the limit (counted on CST collections, which never outnumber
   *   the composed levels) are replaced by a placeholder, so composing cannot exhaust the stack;
   *   the walk refuses them before it could reach the cut;
   * - what libyaml refuses but eemeli/yaml accepts is recorded as a pending error: a `:` without
   *   a key that does not start its line (block) or that follows nothing (flow), and a block
   *   sequence that starts on its key's line.
   */
  private checkCST(tokens: YamlCSTToken[]): void {
    const stack: [YamlCSTToken, number][] = [];
    for (const t of tokens) if (t.type === 'document' && t.value) stack.push([t.value, 0]);
    while (stack.length > 0) {
      const [token, level] = stack.pop() as [YamlCSTToken, number];
      if (!COLLECTION_TOKENS.has(token.type) || !token.items) continue;
      for (const item of token.items) {
        this.checkItem(token, item);
        for (const slot of ['key', 'value'] as const) {
          const child = item[slot];
          if (!child || !COLLECTION_TOKENS.has(child.type)) continue;
          if (level + 1 > this.limits.maxDepth) {
            item[slot] = { type: 'scalar', offset: child.offset, indent: child.indent ?? 0, source: 'x', end: [] };
          } else {
            stack.push([child, level + 1]);
          }
        }
      }
    }
  }

  private checkItem(collection: YamlCSTToken, item: NonNullable<YamlCSTToken['items']>[number]): void {
    const start = (Array.isArray(item.start) ? item.start : []) as { type: string; offset: number }[];
    const sep = (Array.isArray(item.sep) ? item.sep : []) as { type: string; offset: number }[];
    const colon = sep.find((t) => t.type === 'map-value-ind');
    const explicit = start.some((t) => t.type === 'explicit-key-ind');
    if (collection.type === 'block-map') {
      if (!item.key && colon && !explicit) {
        const message = this.onlySpacesBefore(colon.offset) ? 'did not find expected key' : 'mapping values are not allowed in this context';
        this.errors.push({ offset: colon.offset, message });
      }
      const value = item.value;
      if (value && value.type === 'block-seq' && colon && !sep.some((t) => t.type === 'newline')) {
        this.errors.push({ offset: value.offset, message: 'block sequence entries are not allowed in this context' });
      }
    } else if (collection.type === 'flow-collection') {
      if (!item.key && colon && !explicit) {
        this.errors.push({ offset: colon.offset, message: 'did not find expected node content' });
      }
      for (const t of [item.key, item.value]) {
        if (!t || t.type !== 'scalar' || !t.source) continue;
        // libyaml: inside a flow collection, a plain scalar cannot hold ':' before a flow indicator.
        const text = this.source.slice(t.offset, t.offset + t.source.length + 1);
        if (/:[,?[\]{}]/.test(text)) this.errors.push({ offset: t.offset, message: "while scanning a plain scalar: found unexpected ':'" });
        // In a flow collection libyaml reads a leading ':' or '?' as an indicator, never as text.
        if (t.source[0] === ':' || t.source[0] === '?') this.errors.push({ offset: t.offset, message: 'did not find expected node content' });
      }
      const key = item.key;
      const keySeparatedByLine = colon && sep.some((t) => t.type === 'newline' && t.offset < colon.offset);
      if (key && colon && !explicit && (/[\n\r]/.test(key.source ?? '') || keySeparatedByLine)) {
        this.errors.push({ offset: key.offset, message: "did not find expected ',' or '}'" });
      }
    }
  }

  private onlySpacesBefore(offset: number): boolean {
    for (let i = this.lineStarts[this.line(offset) - 1]; i < offset; i++) {
      const c = this.source[i];
      if (c !== ' ' && c !== '-' && c !== '?') return false;
    }
    return true;
  }

  /** libyaml's directive rules: `%YAML` 1.1 or 1.2 once, `%TAG` handles once, no other names. */
  private checkDirectives(tokens: YamlCSTToken[]): void {
    let sawYAML = false;
    let handles = new Set<string>();
    for (const t of tokens) {
      if (t.type === 'document') {
        sawYAML = false;
        handles = new Set();
        continue;
      }
      if (t.type !== 'directive') continue;
      const parts = (t.source ?? '').split(/[ \t]+/).filter((x) => x !== '');
      const fail = (message: string) => this.errors.push({ offset: t.offset, message });
      if (parts[0] === '%YAML') {
        if (sawYAML) fail('found duplicate %YAML directive');
        else if (!/^[0-9]+\.[0-9]+$/.test(parts[1] ?? '')) fail('did not find expected digit or \'.\' character');
        else {
          const [major, minor] = (parts[1] as string).split('.').map(Number);
          if (major !== 1 || (minor !== 1 && minor !== 2)) fail('found incompatible YAML document');
        }
        sawYAML = true;
      } else if (parts[0] === '%TAG') {
        const handle = parts[1] ?? '';
        if (handles.has(handle)) fail('found duplicate %TAG directive');
        handles.add(handle);
      } else {
        fail('found unknown directive name');
      }
    }
  }

  private pendingAsError(path: JSONPointer): DocumentError {
    const e = this.errors[this.nextError] ?? { offset: 0, message: 'malformed YAML' };
    const message = e.message.startsWith('invalid YAML') ? e.message : `invalid YAML at line ${this.line(e.offset)}, column ${this.column(e.offset)}: ${e.message}`;
    return this.syntax(path, message);
  }

  /** Raises the first pending syntax error located at or before `offset`. */
  private checkpoint(offset: number, path: JSONPointer): void {
    if (this.nextError < this.errors.length && this.errors[this.nextError].offset <= offset) throw this.pendingAsError(path);
  }

  private flowLevel = 0;
  private blockLevel = 0;
  private lineDepth: { line: number; depths: Int32Array } | undefined;

  private enter(n: unknown): void {
    if (!n) return;
    if ((n as { flow?: boolean }).flow === true) this.flowLevel++;
    else this.blockLevel++;
  }

  private leave(n: unknown): void {
    if (!n) return;
    if ((n as { flow?: boolean }).flow === true) this.flowLevel--;
    else this.blockLevel--;
  }

  /**
   * libyaml refuses a collection when its flow level (counted where its scanner stopped looking
   * ahead, which for a possible simple key is the end of the line) plus the block levels reaches
   * 1000; the reference reports that as `nesting_too_deep` at the collection.
   */
  private libyamlNestingCheck(offset: number, path: JSONPointer): void {
    const line = this.line(offset);
    if (!this.lineDepth || this.lineDepth.line !== line) {
      const from = this.lineStarts[line - 1];
      const to = this.lineEnd(offset);
      this.lineDepth = { line, depths: flowDepths(this.source, from, to) };
    }
    const depths = this.lineDepth.depths;
    const at = offset - this.lineStarts[line - 1];
    const net = depths[depths.length - 1] - (at > 0 ? depths[at - 1] : 0);
    if (this.flowLevel + net + this.blockLevel >= LIBYAML_MAX_NESTING) throw this.nesting(path);
  }

  private scannerErrorAt(offset: number): boolean {
    return this.errors.some((x) => x.offset === offset && SCANNER_ERRORS.has(x.code ?? ''));
  }

  private pending(): PendingError | undefined {
    return this.nextError < this.errors.length ? this.errors[this.nextError] : undefined;
  }

  /** The offset of the next token at or after `offset` (blanks, line breaks and comments skipped). */
  private nextToken(offset: number): number | undefined {
    let i = offset;
    const t = this.source;
    while (i < t.length) {
      const c = t[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else if (c === '#' && (i === 0 || /[ \t\n\r]/.test(t[i - 1]))) {
        while (i < t.length && t[i] !== '\n') i++;
      } else return i;
    }
    return undefined;
  }

  /** The end of the (roughly delimited) token starting at `offset`. */
  private tokenEnd(offset: number): number {
    let i = offset;
    while (i < this.source.length && !/[ \t\n]/.test(this.source[i])) i++;
    return i;
  }

  private lineEnd(offset: number): number {
    const next = this.lineStarts[this.line(offset)];
    return next === undefined ? this.source.length : next - 1;
  }

  /**
   * libyaml reports an error when it scans the token at fault, that is when an event needs it:
   * a scalar or alias needs its whole token; an empty scalar, a block scalar and a block
   * collection's end need the next token as well; an unterminated flow collection fails where
   * its end was expected.
   */
  private checkpointScalar(n: { range?: number[] | null; source?: string; type?: string }, path: JSONPointer): void {
    const e = this.pending();
    if (!e || !n.range) return;
    const [from, to] = n.range;
    if (e.offset < to || (e.offset === to && e.message.startsWith('Missing closing'))) throw this.pendingAsError(path);
    const empty = n.type === 'PLAIN' && n.source === '';
    const block = n.type === 'BLOCK_LITERAL' || n.type === 'BLOCK_FOLDED' || n.type === 'PLAIN';
    if (empty || block) {
      // An empty scalar is known only once the next token is read; a block scalar reads the
      // indentation of the lines after it.
      const next = this.nextToken(Math.max(from, to));
      const ahead = empty ? next === undefined || e.offset <= next : e.code === 'TAB_AS_INDENT' && (next === undefined || e.offset < next);
      if (ahead) throw this.pendingAsError(path);
    }
  }

  private checkpointEnd(n: unknown, flow: boolean, path: JSONPointer): void {
    const e = this.pending();
    if (!e) return;
    const r = (n as { range?: number[] | null }).range;
    const end = this.end(n, Number.MAX_SAFE_INTEGER);
    if (e.offset < end) throw this.pendingAsError(path);
    if (flow) {
      if (e.offset === end && /end with a [\]}]$/.test(e.message)) throw this.pendingAsError(path);
      return;
    }
    if (!r) return;
    const next = this.nextToken(end);
    if (next === undefined) return;
    // libyaml fails on a bad token before it closes the collections that token dedents.
    if (SCANNER_ERRORS.has(e.code ?? '') && e.offset <= this.tokenEnd(next)) throw this.pendingAsError(path);
    if (this.column(next) >= this.column(r[0]) && e.offset <= this.lineEnd(next)) throw this.pendingAsError(path);
  }

  private checkAnchorName(name: string | undefined, path: JSONPointer, offset: number): void {
    if (name !== undefined && !/^[0-9A-Za-z_-]+$/.test(name)) {
      throw this.syntax(path, `invalid YAML at line ${this.line(offset)}: while scanning an anchor or alias: did not find expected alphabetic or numeric character`);
    }
  }

  private start(n: unknown, fallback: number): number {
    const r = (n as { range?: number[] | null } | null)?.range;
    if (r) return r[0];
    if (this.lib.isPair(n) || this.lib.isMap(n)) {
      const first = this.lib.isPair(n) ? n : (n as { items: unknown[] }).items[0];
      if (first && this.lib.isPair(first)) return this.start(first.key, fallback);
    }
    return fallback;
  }

  private end(n: unknown, fallback: number): number {
    const r = (n as { range?: number[] | null } | null)?.range;
    if (r) return r[1];
    if (this.lib.isMap(n)) {
      const items = (n as { items: unknown[] }).items;
      const last = items[items.length - 1];
      if (last && this.lib.isPair(last)) return this.end(last.value ?? last.key, fallback);
    }
    return fallback;
  }

  /**
   * Counts nodes and bytes of text into the expansion, stopping at the first value (or alias) that
   * takes either over its limit, before the expansion is built.
   */
  private count(n: number, path: JSONPointer, text = 0): void {
    this.nodes += n;
    if (this.nodes > this.limits.maxNodes) {
      throw new DocumentError(
        'document_too_large',
        path,
        `the document expands to more than ${this.limits.maxNodes} values (aliases count each time they are used)`,
      );
    }
    this.textBytes += text;
    if (this.textBytes > this.limits.maxTextBytes) {
      throw new DocumentError(
        'document_too_large',
        path,
        `the document expands to more than ${this.limits.maxTextBytes} bytes of text (aliases count each time they are used)`,
      );
    }
  }

  private remember(anchor: string | undefined, value: Anchored): void {
    if (anchor) this.anchors.set(anchor, value);
  }

  /** Returns the value, its node count, its bytes of text and its depth. */
  private node(n: unknown, path: JSONPointer, depth: number, simpleKey = true): Composed {
    const lib = this.lib;
    if ((lib.isSeq(n) || lib.isMap(n)) && (n as { flow?: boolean }).flow === true && simpleKey && (n as { range?: unknown }).range) {
      this.libyamlNestingCheck(this.start(n, 0), path);
    }
    if (n === null || n === undefined) {
      // An absent value (`{a}` in flow style): libyaml reports an empty plain scalar.
      this.count(1, path);
      return [null, 1, 0, 0];
    }
    if (lib.isAlias(n)) {
      this.checkpointScalar({ range: n.range }, path);
      this.checkAnchorName(n.source, path, this.start(n, 0));
      const anchored = this.anchors.get(n.source);
      if (!anchored) {
        throw this.syntax(path, `line ${this.line(this.start(n, 0))}: the alias *${n.source} names no anchor`);
      }
      this.count(anchored.nodes, path, anchored.text);
      if (depth + anchored.depth > this.limits.maxDepth) throw this.nesting(path);
      return [anchored.value, anchored.nodes, anchored.text, anchored.depth];
    }
    if (lib.isScalar(n)) {
      this.checkpointScalar(n, path);
      this.checkAnchorName(n.anchor, path, this.start(n, 0));
      this.count(1, path);
      const value = this.scalar(n, path);
      const text = typeof value === 'string' ? utf8Length(value) : 0;
      this.count(0, path, text);
      this.remember(n.anchor, { value, nodes: 1, text, depth: 0 });
      return [value, 1, text, 0];
    }
    if (lib.isPair(n)) {
      // A single-pair mapping inside a flow sequence (`[a: b]`).
      return this.mapping([n], undefined, undefined, this.start(n, 0), null, path, depth);
    }
    if (lib.isSeq(n)) {
      this.checkAnchorName(n.anchor, path, this.start(n, 0));
      if (depth >= this.limits.maxDepth) throw this.nesting(path);
      this.count(1, path);
      this.checkCollectionTag(n.tag, TAG + 'seq', n, path);
      const items: JSONValue[] = [];
      let total = 1;
      let text = 0;
      let deepest = 1;
      for (const item of n.items) {
        const itemPath = path.child(items.length);
        const itemStart = this.start(item, this.start(n, 0));
        const e = this.pending();
        if (e && this.compactMappingErrors.has(e.offset) && e.offset === itemStart && !this.scannerErrorAt(e.offset)) {
          // libyaml reads the item as a scalar, then fails at the `:` that follows it.
          this.count(1, itemPath);
          throw this.pendingAsError(path.child(items.length + 1));
        }
        this.checkpoint(itemStart, itemPath);
        this.enter(n);
        let result: Composed;
        try {
          result = lib.isPair(item)
            ? this.mapping([item], undefined, undefined, this.start(item, 0), null, itemPath, depth + 1)
            : this.node(item, itemPath, depth + 1);
        } finally {
          this.leave(n);
        }
        const [v, c, b, d] = result;
        items.push(v);
        total += c;
        text += b;
        deepest = Math.max(deepest, d + 1);
      }
      this.checkpointEnd(n, (n as { flow?: boolean }).flow === true, path.child(items.length));
      const value: JSONValue = items;
      this.remember(n.anchor, { value, nodes: total, text, depth: deepest });
      return [value, total, text, deepest];
    }
    if (lib.isMap(n)) {
      this.checkAnchorName(n.anchor, path, this.start(n, 0));
      return this.mapping(n.items, n.tag, n.anchor, this.start(n, 0), n, path, depth);
    }
    throw this.syntax(path, 'unexpected YAML node');
  }

  private mapping(
    pairs: unknown[],
    tag: string | undefined,
    anchor: string | undefined,
    startOffset: number,
    node: unknown,
    path: JSONPointer,
    depth: number,
  ): Composed {
    if (depth >= this.limits.maxDepth) throw this.nesting(path);
    this.count(1, path);
    this.checkCollectionTag(tag, TAG + 'map', { range: [startOffset] }, path);
    const object: JSONObject = new Map();
    let total = 1;
    let text = 0;
    let deepest = 1;
    for (const pair of pairs) {
      if (!this.lib.isPair(pair)) throw this.syntax(path, 'unexpected YAML node in a mapping');
      const keyStart = this.start(pair.key, startOffset);
      this.checkpoint(keyStart, path);
      const key = this.mappingKey(pair.key, path, keyStart);
      if (object.has(key)) {
        throw new DocumentError('duplicate_key', path.child(key), `line ${this.line(keyStart)}: the key "${key}" appears more than once`);
      }
      const valuePath = path.child(key);
      if (pair.value !== null && pair.value !== undefined) {
        const valueStart = this.start(pair.value, keyStart);
        const e = this.pending();
        const keyEnd = this.end(pair.key, keyStart);
        if (e && this.compactMappingErrors.has(e.offset) && e.offset >= keyEnd && e.offset <= valueStart && !this.scannerErrorAt(e.offset)) {
          // libyaml reads the value as a scalar, then fails at the `:` that follows it.
          this.count(1, valuePath);
          throw this.pendingAsError(path);
        }
        this.checkpoint(valueStart, valuePath);
      }
      const onKeyLine = pair.value !== null && pair.value !== undefined && this.line(this.start(pair.value, keyStart)) === this.line(this.end(pair.key, keyStart));
      this.enter(node);
      let result: Composed;
      try {
        result = this.node(pair.value, valuePath, depth + 1, !onKeyLine);
      } finally {
        this.leave(node);
      }
      const [v, c, b, d] = result;
      object.set(key, v);
      total += c;
      text += utf8Length(key) + b;
      deepest = Math.max(deepest, d + 1);
    }
    if (node) this.checkpointEnd(node, (node as { flow?: boolean }).flow === true, path);
    const value: JSONValue = object;
    this.remember(anchor, { value, nodes: total, text, depth: deepest });
    return [value, total, text, deepest];
  }

  private checkCollectionTag(tag: string | undefined, expected: string, n: unknown, path: JSONPointer): void {
    if (tag === undefined || tag === expected || tag === '!') return;
    throw this.syntax(path, `line ${this.line(this.start(n, 0))}: the YAML tag ${tag} is not supported`);
  }

  private mappingKey(k: unknown, path: JSONPointer, offset: number): string {
    const lib = this.lib;
    if (k === null || k === undefined) {
      this.count(1, path);
      return '';
    }
    if (lib.isScalar(k)) {
      this.checkpointScalar(k, path);
      this.checkAnchorName(k.anchor, path, offset);
      this.count(1, path);
      const text = k.source ?? (k.value === null || k.value === undefined ? '' : String(k.value));
      if (LONE_SURROGATE.test(text)) throw this.syntax(path, `line ${this.line(offset)}: a key holds an invalid Unicode escape`);
      this.count(0, path, utf8Length(text));
      return text;
    }
    if (lib.isAlias(k)) {
      this.checkpointScalar({ range: k.range }, path);
      this.checkAnchorName(k.source, path, offset);
      const anchored = this.anchors.get(k.source);
      if (anchored && typeof anchored.value === 'string') {
        // A long key aliased in many mappings expands like any other value.
        this.count(0, path, utf8Length(anchored.value));
        return anchored.value;
      }
      throw this.syntax(path, `line ${this.line(offset)}: a mapping key must be a string`);
    }
    throw this.syntax(path, `line ${this.line(offset)}: a mapping key must be a string, not a collection`);
  }

  private scalar(n: { source?: string; value: unknown; type?: string; tag?: string; range?: number[] | null }, path: JSONPointer): JSONValue {
    let text = n.source ?? (n.value === null || n.value === undefined ? '' : String(n.value));
    if ((n.type === 'BLOCK_LITERAL' || n.type === 'BLOCK_FOLDED') && text.endsWith('\n') && n.range && n.range[1] >= this.source.length && !/[\n]$/.test(this.source)) {
      // A block scalar that ends the stream without a line break keeps none (libyaml).
      text = text.slice(0, -1);
    }
    if (LONE_SURROGATE.test(text)) throw this.syntax(path, `line ${this.line(this.start(n, 0))}: a scalar holds an invalid Unicode escape`);
    const plain = n.type === 'PLAIN';
    switch (n.tag) {
      case undefined:
        return plain ? resolveCoreScalar(text, path) : text;
      case '!':
      case TAG + 'str':
        return text;
      case TAG + 'null': {
        if (resolveCoreScalar(text, path) !== null) throw mistagged(text, 'null', path);
        return null;
      }
      case TAG + 'bool': {
        const v = resolveCoreScalar(text, path);
        if (typeof v !== 'boolean') throw mistagged(text, 'bool', path);
        return v;
      }
      case TAG + 'int':
      case TAG + 'float': {
        const v = resolveCoreScalar(text, path);
        if (typeof v !== 'number') throw mistagged(text, 'number', path);
        return v;
      }
      default:
        throw this.syntax(path, `line ${this.line(this.start(n, 0))}: the YAML tag ${n.tag} is not supported`);
    }
  }
}

/**
 * libyaml (a YAML 1.1 reader) also breaks lines at a lone CR, NEL, LS and PS, and skips a BOM at
 * the start of a line while counting it as a column. The text given to eemeli/yaml is adjusted to
 * read the same way; every replacement keeps the length, so offsets still agree.
 */
function libyamlText(text: string): string {
  if (!/[\r\u0085\u2028\u2029\uFEFF]/.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\r' && text[i + 1] !== '\n') out += '\n';
    else if (c === '\u0085' || c === '\u2028' || c === '\u2029') out += '\n';
    else if (c === '\uFEFF' && (i === 0 || /[\n\r\u0085\u2028\u2029]/.test(text[i - 1]))) out += ' ';
    else out += c;
  }
  return out;
}

/**
 * libyaml does not require the lines of a flow collection to be indented; eemeli/yaml's lexer
 * ends the collection at a less indented line. Its flow lexing step is wrapped so that it sees no
 * required indentation (its own handling of `---`/`...` inside a flow collection is kept).
 */
function lenientFlowIndentation(lexer: YamlLexer | undefined, flowEnd: string): void {
  wrapWithoutIndentation(lexer, 'parseFlowCollection', flowEnd);
  wrapWithoutIndentation(lexer, 'parseQuotedScalar', flowEnd);
}

function wrapWithoutIndentation(lexer: YamlLexer | undefined, method: 'parseFlowCollection' | 'parseQuotedScalar', flowEnd: string): void {
  const original = lexer?.[method];
  if (!lexer || typeof original !== 'function') return;
  lexer[method] = function* (this: YamlLexer): Generator<string, string, unknown> {
    const saved = this.indentNext;
    this.indentNext = 0;
    let sawEnd = false;
    const inner = original.call(this);
    try {
      for (;;) {
        const step = inner.next();
        if (step.done) return step.value;
        if (step.value === flowEnd) sawEnd = true;
        yield step.value;
      }
    } finally {
      if (!sawEnd) this.indentNext = saved;
    }
  };
}

function mistagged(text: string, type: string, path: JSONPointer): DocumentError {
  return new DocumentError('invalid_value', path, `"${text}" is not a valid ${type}`);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function hexValue(c: number): number {
  return isDigit(c) ? c - 0x30 : c >= 0x61 ? c - 0x61 + 10 : c - 0x41 + 10;
}

function finiteNumber(value: number, text: string, path: JSONPointer): number {
  if (!Number.isFinite(value)) throw new DocumentError('invalid_value', path, `the number ${text} is out of range`);
  return value;
}

const NON_FINITE = new Set(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '.nan', '.NaN', '.NAN']);

/** Resolution of a plain scalar under the YAML 1.2 core schema. */
export function resolveCoreScalar(text: string, path: JSONPointer): JSONValue {
  switch (text) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  if (NON_FINITE.has(text)) {
    throw new DocumentError('invalid_value', path, `${text} is not a finite number; JSON cannot hold it (quote it for a string)`);
  }
  const u = text;
  const n = u.length;
  if (n > 2 && u.charCodeAt(0) === 0x30 && u.charCodeAt(1) === 0x6f) {
    let ok = true;
    for (let i = 2; i < n; i++) {
      const c = u.charCodeAt(i);
      if (!(c >= 0x30 && c <= 0x37)) {
        ok = false;
        break;
      }
    }
    if (ok) {
      let acc = 0;
      for (let i = 2; i < n; i++) acc = acc * 8 + (u.charCodeAt(i) - 0x30);
      return finiteNumber(acc, text, path);
    }
  }
  if (n > 2 && u.charCodeAt(0) === 0x30 && u.charCodeAt(1) === 0x78) {
    let ok = true;
    for (let i = 2; i < n; i++) {
      if (!isHexDigit(u.charCodeAt(i))) {
        ok = false;
        break;
      }
    }
    if (ok) {
      let acc = 0;
      for (let i = 2; i < n; i++) acc = acc * 16 + hexValue(u.charCodeAt(i));
      return finiteNumber(acc, text, path);
    }
  }
  // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  let i = 0;
  if (i < n && (u[i] === '-' || u[i] === '+')) i++;
  let intDigits = 0;
  let fracDigits = 0;
  while (i < n && isDigit(u.charCodeAt(i))) {
    i++;
    intDigits++;
  }
  let sawPoint = false;
  if (i < n && u[i] === '.') {
    sawPoint = true;
    i++;
    while (i < n && isDigit(u.charCodeAt(i))) {
      i++;
      fracDigits++;
    }
  }
  if (!(intDigits > 0 || (sawPoint && fracDigits > 0))) return text;
  if (i < n && (u[i] === 'e' || u[i] === 'E')) {
    i++;
    if (i < n && (u[i] === '-' || u[i] === '+')) i++;
    let expDigits = 0;
    while (i < n && isDigit(u.charCodeAt(i))) {
      i++;
      expDigits++;
    }
    if (expDigits === 0) return text;
  }
  if (i !== n) return text;
  const cleaned = text.startsWith('+') ? text.slice(1) : text;
  const normalized = cleaned.startsWith('.') ? '0' + cleaned : cleaned.startsWith('-.') ? '-0' + cleaned.slice(1) : cleaned;
  const value = Number(normalized);
  if (Number.isNaN(value)) return text;
  return finiteNumber(value, text, path);
}
