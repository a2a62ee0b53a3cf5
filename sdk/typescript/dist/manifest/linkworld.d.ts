import { JSONValue } from '../json/value';
import { Provenance } from './provenance';
/** `apiVersion: linkworld.ai/v2` (file `linkworld.app.yaml`). It has no start command. */
export declare const LINKWORLD_API_VERSION = "linkworld.ai/v2";
export declare const linkworldShape: import("./shape").ObjectShape;
/** Converts a (possibly invalid) linkworld document to `marina/v1`, best-effort. */
export declare function convertLinkworld(source: JSONValue): [JSONValue, Provenance];
