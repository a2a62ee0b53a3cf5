import { JSONValue } from '../json/value';
import { DocumentLimits, ManifestDiagnostic } from './diagnostics';
import { ValidationContext } from './formats';
/** The formats Marina reads, as `marina validate --json` names them. */
export declare type ManifestFormat = 'marina/v1' | 'linkworld.ai/v2' | 'opensail/2025-02';
/** File names searched for, in order, when a directory is given. */
export declare const MANIFEST_FILE_NAMES: string[];
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
}
/** The validated `marina/v1` manifest (defaults filled) as plain data. */
export interface NativeManifest {
    apiVersion: 'marina/v1';
    app: {
        id: string;
        name: string;
        version: string;
        forkable: string;
        description?: string;
        [k: string]: unknown;
    };
    runtime: {
        command?: string[];
        image?: string;
        port: number;
        resources: {
            memory_mb: number;
            cpu_cores: number;
            max_processes: number;
        };
        env: Record<string, string>;
        idle_timeout_s: number;
        [k: string]: unknown;
    };
    network: {
        egress_hosts: string[];
    };
    scopes: string[];
    tools: {
        name: string;
        description?: string;
        input_schema: unknown;
        output_schema?: unknown;
        scopes: string[];
        agent_visible: boolean;
        timeout_s: number;
        [k: string]: unknown;
    }[];
    events: ('install' | 'uninstall' | 'inbound' | 'user_added')[];
    schedules: {
        name: string;
        cron?: string;
        timezone: string;
        execution: string;
        trigger: string;
        editable: boolean;
        optional: boolean;
        [k: string]: unknown;
    }[];
    webhooks: {
        name: string;
        description?: string;
    }[];
    settings: {
        id: string;
        type: string;
        required: boolean;
        [k: string]: unknown;
    }[];
    [k: string]: unknown;
}
export interface LoadOptions {
    fileName?: string;
    context?: ValidationContext;
    limits?: DocumentLimits;
}
/** Reads bytes as one JSON or YAML document (by extension; `{` first means JSON otherwise). */
export declare function parseDocument(bytes: Uint8Array, fileName?: string, limits?: DocumentLimits): JSONValue;
/** Parses and validates a manifest; pure: bytes in, report out. */
export declare function loadManifest(bytes: Uint8Array, options?: LoadOptions): ManifestReport;
export declare function loadManifestText(text: string, options?: LoadOptions): ManifestReport;
/** Validates a document tree and, when valid, builds its native form and hash. */
export declare function loadManifestDocument(document: JSONValue, context?: ValidationContext): ManifestReport;
/** A manifest file could not be found or read (the CLI's exit status 2). */
export declare class ManifestFileError extends Error {
    constructor(message: string);
}
/** Resolves PATH (a manifest file or an app directory) to the manifest file. */
export declare function locateManifest(path: string): string;
/** Reads at most one byte more than the limit, so that a huge file is refused without loading it. */
export declare function readManifestBytes(file: string, limit?: number): Uint8Array;
/** Loads a manifest file (or an app directory's manifest). Throws `ManifestFileError` when unreadable. */
export declare function loadManifestFile(path: string, options?: Omit<LoadOptions, 'fileName'>): ManifestReport & {
    file: string;
};
