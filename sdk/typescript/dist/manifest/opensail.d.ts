import { JSONValue } from '../json/value';
import { Diagnostics } from './diagnostics';
import { Provenance } from './provenance';
/** OpenSail's app manifest, `manifest_schema_version: "2025-02"`. */
export declare const OPENSAIL_SCHEMA_VERSION = "2025-02";
export declare const openSailShape: import("./shape").ObjectShape;
/** An `mcp-tool` surface becomes a tool, so it needs a tool's name. */
export declare function openSailExtraRules(root: JSONValue, d: Diagnostics): void;
/** Converts a (possibly invalid) OpenSail document to `marina/v1`, best-effort. */
export declare function convertOpenSail(source: JSONValue): [JSONValue, Provenance];
