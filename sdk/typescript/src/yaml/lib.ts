// Loads eemeli/yaml (Debian package `node-yaml`, installed under /usr/share/nodejs/yaml).
// `require('yaml')` works when NODE_PATH includes /usr/share/nodejs or when node_modules/yaml
// exists (scripts/build-and-test links it); otherwise the Debian location is used directly.

/** The parts of eemeli/yaml's API this SDK uses (structural, so no type package is needed). */
export interface YamlCSTToken {
  type: string;
  offset: number;
  indent?: number;
  source?: string;
  message?: string;
  start?: unknown;
  key?: YamlCSTToken | null;
  sep?: unknown;
  value?: YamlCSTToken | null;
  items?: { start?: unknown; key?: YamlCSTToken | null; sep?: unknown; value?: YamlCSTToken | null }[];
  end?: unknown;
}

export interface YamlNode {
  range?: [number, number, number] | null;
  tag?: string;
  anchor?: string;
}

export interface YamlScalar extends YamlNode {
  source?: string;
  value: unknown;
  type?: string;
}

export interface YamlAlias extends YamlNode {
  source: string;
}

export interface YamlPair {
  key: unknown;
  value: unknown;
}

export interface YamlCollection extends YamlNode {
  items: unknown[];
}

export interface YamlError {
  code: string;
  message: string;
  pos: [number, number];
}

export interface YamlDocument {
  contents: unknown;
  errors: YamlError[];
  warnings: YamlError[];
  range: [number, number, number];
}

export interface YamlLexer {
  indentNext: number;
  parseFlowCollection?: (this: YamlLexer) => Generator<string, string, unknown>;
  parseQuotedScalar?: (this: YamlLexer) => Generator<string, string, unknown>;
}

export interface YamlModule {
  Parser: new () => { parse(source: string): Iterable<YamlCSTToken>; lexer?: YamlLexer };
  CST: { FLOW_END: string };
  Composer: new (options?: Record<string, unknown>) => {
    compose(tokens: Iterable<YamlCSTToken>, forceDoc?: boolean, endOffset?: number): Iterable<YamlDocument>;
    streamInfo(): { errors: YamlError[]; warnings: YamlError[] };
  };
  isScalar(n: unknown): n is YamlScalar;
  isAlias(n: unknown): n is YamlAlias;
  isMap(n: unknown): n is YamlCollection;
  isSeq(n: unknown): n is YamlCollection;
  isPair(n: unknown): n is YamlPair;
}

let cached: YamlModule | undefined;

export function yamlLibrary(): YamlModule {
  if (cached) return cached;
  const errors: string[] = [];
  for (const id of ['yaml', '/usr/share/nodejs/yaml']) {
    try {
      cached = require(id) as YamlModule;
      return cached;
    } catch (e) {
      errors.push(`${id}: ${(e as Error).message}`);
    }
  }
  throw new Error('the yaml package (Debian: node-yaml) cannot be loaded: ' + errors.join('; '));
}
