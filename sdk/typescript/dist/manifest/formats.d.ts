import { ScopeCatalog } from './scopes';
import { ManifestErrorCode } from './diagnostics';
/** Named string formats (the same list, with the same rules, as every Marina implementation). */
export declare type StringFormat = 'slug' | 'semver' | 'cron' | 'hostname' | 'scope' | 'toolName' | 'eventName' | 'secretKey' | 'settingId' | 'envName' | 'envValue' | 'openSailEnvValue' | 'uuid' | 'reverseDNS' | 'openSailSlug' | 'appRef' | 'timezone' | 'visibility' | 'volumeSize' | 'image' | 'nonEmpty';
export interface ValidationContext {
    catalog: ScopeCatalog;
}
/** Unicode White_Space (what Swift's `Character.isWhitespace` tests on a character's first scalar). */
export declare function isWhitespaceCodePoint(c: number): boolean;
/** Extended grapheme clusters (Swift's `Character`s); code points when ICU has no segmenter. */
export declare function graphemes(s: string): string[];
export declare function isSlug(s: string): boolean;
export declare function isSecretKey(s: string): boolean;
export declare function isScopeName(s: string): boolean;
/** Egress allow-list entries: DNS names (optionally `*.`), never IP literals. */
export declare function hostNameProblem(value: string): string | null;
export declare function nativeSecretProblem(value: string): string | null;
/** OpenSail writes `${secret:name/key}`; Marina stores it as secret key `NAME_KEY`. */
export declare function openSailNativeKey(name: string, key: string): string;
export declare function openSailSecretProblem(value: string): string | null;
/** Rewrites OpenSail `${secret:name/key}` references to native `${secret:NAME_KEY}` ones. */
export declare function openSailToNative(value: string): string;
/** The secret keys referenced by a native env value, in order. */
export declare function referencedSecretKeys(value: string): string[];
/** Time zone names as Marina's platform knows them: the IANA database with Debian's tzdata. */
export declare function isKnownTimeZone(name: string): boolean;
/** Checks `value`; returns the error code and message when it does not conform. */
export declare function checkFormat(format: StringFormat, value: string, context: ValidationContext): [ManifestErrorCode, string] | null;
export declare const formatPatterns: {
    SLUG: RegExp;
    TOOL_NAME: RegExp;
    EVENT_NAME: RegExp;
    SECRET_KEY: RegExp;
    SETTING_ID: RegExp;
    ENV_NAME: RegExp;
    SCOPE_NAME: RegExp;
};
