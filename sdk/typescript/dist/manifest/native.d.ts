import { JSONValue } from '../json/value';
/** The native manifest format `marina/v1`: the SPEC §3 core plus what imported formats can say. */
export declare const NATIVE_API_VERSION = "marina/v1";
export declare const toolSchemaDefault: () => JSONValue;
export declare const setting: import("./shape").ObjectShape;
export declare const connector: import("./shape").ObjectShape;
export declare const connection: import("./shape").ObjectShape;
export declare const agent: import("./shape").ObjectShape;
export declare const state: import("./shape").ObjectShape;
export declare const migration: import("./shape").ObjectShape;
export declare const platformFee: import("./shape").ObjectShape;
export declare const NATIVE_EVENTS: readonly ["install", "uninstall", "inbound", "user_added"];
export declare const nativeRoot: import("./shape").ObjectShape;
export declare const nativeRootShape: import("./shape").Shape;
