export declare function hasBOM(bytes: Uint8Array): boolean;
/** Decodes UTF-8 strictly (no replacement characters); throws on malformed input. */
export declare function decodeUTF8(bytes: Uint8Array): string;
/** The document must be UTF-8 text without control characters (a BOM is allowed). */
export declare function requireText(bytes: Uint8Array): void;
/** YAML forbids the C1 control characters (except NEL). */
export declare function requireYAMLPrintable(text: string): void;
