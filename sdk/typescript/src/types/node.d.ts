// Minimal declarations of the Node.js built-ins this SDK uses. No npm registry is reachable in
// the build environment, so `@types/node` is not available; these cover exactly what the SDK and
// its tests call (Node >= 20). They are deliberately loose where precision buys nothing.

declare function require(id: string): any;
declare const __dirname: string;
declare const __filename: string;

declare class Buffer extends Uint8Array {
  static from(data: string, encoding?: string): Buffer;
  static from(data: ArrayBuffer | Uint8Array | readonly number[]): Buffer;
  static concat(list: readonly Uint8Array[], totalLength?: number): Buffer;
  static byteLength(s: string, encoding?: string): number;
  static alloc(size: number): Buffer;
  static isBuffer(x: unknown): x is Buffer;
  toString(encoding?: string, start?: number, end?: number): string;
  equals(other: Uint8Array): boolean;
  subarray(start?: number, end?: number): Buffer;
}

interface NodeWritable {
  write(chunk: string | Uint8Array, cb?: (err?: Error | null) => void): boolean;
}

declare const process: {
  env: Record<string, string | undefined>;
  argv: string[];
  exitCode: number | undefined;
  exit(code?: number): never;
  cwd(): string;
  stdout: NodeWritable;
  stderr: NodeWritable;
  pid: number;
  execPath: string;
  on(event: string, listener: (...args: any[]) => void): void;
  once(event: string, listener: (...args: any[]) => void): void;
  off(event: string, listener: (...args: any[]) => void): void;
  versions: Record<string, string>;
};

declare module 'node:fs' {
  interface Stats {
    isFile(): boolean;
    isDirectory(): boolean;
    isSocket(): boolean;
    size: number;
  }
  export function readFileSync(path: string): Buffer;
  export function readFileSync(path: string, encoding: string): string;
  export function writeFileSync(path: string, data: string | Uint8Array, options?: any): void;
  export function existsSync(path: string): boolean;
  export function statSync(path: string): Stats;
  export function lstatSync(path: string): Stats;
  export function unlinkSync(path: string): void;
  export function readdirSync(path: string): string[];
  export function readdirSync(path: string, options: { withFileTypes: true }): { name: string; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }[];
  export function openSync(path: string, flags: string): number;
  export function readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  export function closeSync(fd: number): void;
  export function mkdtempSync(prefix: string): string;
  export function mkdirSync(path: string, options?: any): void;
  export function rmSync(path: string, options?: any): void;
  export function chmodSync(path: string, mode: number): void;
}

declare module 'node:path' {
  export function join(...parts: string[]): string;
  export function resolve(...parts: string[]): string;
  export function basename(p: string, ext?: string): string;
  export function dirname(p: string): string;
  export function extname(p: string): string;
  export const sep: string;
}

declare module 'node:os' {
  export function tmpdir(): string;
}

declare module 'node:crypto' {
  export interface KeyObject {
    type: 'public' | 'private' | 'secret';
    asymmetricKeyType?: string;
    export(options: { format: 'jwk' }): any;
    export(options?: any): any;
  }
  export interface Hash {
    update(data: string | Uint8Array, encoding?: string): Hash;
    digest(encoding: string): string;
    digest(): Buffer;
  }
  export function createHash(algorithm: string): Hash;
  export function createHmac(algorithm: string, key: string | Uint8Array): Hash;
  export function createPublicKey(key: any): KeyObject;
  export function createPrivateKey(key: any): KeyObject;
  export function verify(algorithm: string | null | undefined, data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean;
  export function sign(algorithm: string | null | undefined, data: Uint8Array, key: KeyObject): Buffer;
  export function generateKeyPairSync(type: 'ed25519', options?: any): { publicKey: KeyObject; privateKey: KeyObject };
  export function randomUUID(): string;
  export function randomBytes(n: number): Buffer;
  export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}

declare module 'node:http' {
  export interface IncomingMessage {
    method?: string;
    url?: string;
    headers: Record<string, string | string[] | undefined>;
    statusCode?: number;
    on(event: 'data', listener: (chunk: Buffer) => void): this;
    on(event: 'end' | 'close', listener: () => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
    resume(): void;
    destroy(err?: Error): void;
    setEncoding(enc: string): void;
  }
  export interface ServerResponse {
    statusCode: number;
    headersSent: boolean;
    writableEnded: boolean;
    setHeader(name: string, value: string | number): void;
    writeHead(status: number, headers?: Record<string, string | number>): this;
    end(data?: string | Uint8Array, cb?: () => void): void;
    on(event: string, listener: (...args: any[]) => void): this;
  }
  export interface AddressInfo {
    address: string;
    family: string;
    port: number;
  }
  export interface Server {
    listen(port: number, host?: string, cb?: () => void): this;
    listen(options: { port?: number; host?: string; path?: string }, cb?: () => void): this;
    listen(path: string, cb?: () => void): this;
    close(cb?: (err?: Error) => void): this;
    closeAllConnections?(): void;
    address(): AddressInfo | string | null;
    on(event: 'error', listener: (err: Error & { code?: string }) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
    once(event: string, listener: (...args: any[]) => void): this;
    off(event: string, listener: (...args: any[]) => void): this;
    removeListener(event: string, listener: (...args: any[]) => void): this;
    keepAliveTimeout: number;
  }
  export interface ClientRequest {
    on(event: 'response', listener: (res: IncomingMessage) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
    write(chunk: string | Uint8Array): boolean;
    end(data?: string | Uint8Array): void;
    setTimeout(ms: number, cb?: () => void): this;
    destroy(err?: Error): void;
  }
  export interface RequestOptions {
    socketPath?: string;
    host?: string;
    hostname?: string;
    port?: number;
    path?: string;
    method?: string;
    headers?: Record<string, string | number>;
    agent?: any;
  }
  export function createServer(listener?: (req: IncomingMessage, res: ServerResponse) => void): Server;
  export function createServer(options: { requireHostHeader?: boolean }, listener?: (req: IncomingMessage, res: ServerResponse) => void): Server;
  export function request(options: RequestOptions | string | URL, cb?: (res: IncomingMessage) => void): ClientRequest;
}

declare module 'node:child_process' {
  export interface SpawnSyncReturns {
    status: number | null;
    stdout: string;
    stderr: string;
    error?: Error;
  }
  export function spawnSync(command: string, args: string[], options?: any): SpawnSyncReturns;
}

declare module 'node:test' {
  type Fn = (t?: any) => void | Promise<void>;
  export function test(name: string, fn: Fn): Promise<void>;
  export function test(name: string, options: any, fn: Fn): Promise<void>;
  export function describe(name: string, fn: () => void): void;
  export function it(name: string, fn: Fn): void;
  export function before(fn: Fn): void;
  export function after(fn: Fn): void;
  export function beforeEach(fn: Fn): void;
  export function afterEach(fn: Fn): void;
}

declare module 'node:assert/strict' {
  function assert(value: unknown, message?: string): asserts value;
  namespace assert {
    function ok(value: unknown, message?: string): asserts value;
    function equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
    function notEqual(actual: unknown, expected: unknown, message?: string): void;
    function deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
    function notDeepEqual(actual: unknown, expected: unknown, message?: string): void;
    function match(value: string, re: RegExp, message?: string): void;
    function doesNotMatch(value: string, re: RegExp, message?: string): void;
    function throws(fn: () => unknown, expected?: any, message?: string): void;
    function doesNotThrow(fn: () => unknown, message?: string): void;
    function rejects(p: Promise<unknown> | (() => Promise<unknown>), expected?: any, message?: string): Promise<void>;
    function doesNotReject(p: Promise<unknown> | (() => Promise<unknown>), message?: string): Promise<void>;
    function fail(message?: string): never;
  }
  export = assert;
}
