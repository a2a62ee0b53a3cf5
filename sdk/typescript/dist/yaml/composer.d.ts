import { DocumentLimits } from '../manifest/diagnostics';
import { JSONPointer, JSONValue } from '../json/value';
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
export declare function composeYAML(bytes: Uint8Array, limits?: DocumentLimits): JSONValue;
/** Resolution of a plain scalar under the YAML 1.2 core schema. */
export declare function resolveCoreScalar(text: string, path: JSONPointer): JSONValue;
