import { JSONPointer } from '../json/value';

/** Stable error codes of manifest validation, identical in every Marina implementation. */
export type ManifestErrorCode =
  | 'invalid_encoding'
  | 'invalid_syntax'
  | 'duplicate_key'
  | 'document_too_large'
  | 'nesting_too_deep'
  | 'empty_document'
  | 'unknown_field'
  | 'missing_field'
  | 'invalid_type'
  | 'invalid_value'
  | 'unknown_scope'
  | 'scope_not_declared'
  | 'duplicate_name'
  | 'invalid_cron'
  | 'unsupported_version';

/** One problem: a stable code, a JSON Pointer into the document as written, a message. */
export interface ManifestDiagnostic {
  code: ManifestErrorCode;
  path: string;
  message: string;
}

/** Diagnostics collected while walking a document: one per (code, path), in order found. */
export class Diagnostics {
  readonly items: ManifestDiagnostic[] = [];

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /**
   * Adds a diagnostic unless one with the same code and path is there already. Paths compare as
   * the reference compares them (Swift `String`: canonically equivalent paths are the same).
   */
  add(code: ManifestErrorCode, path: JSONPointer, message: string): void {
    const p = path.toString();
    const key = p.normalize('NFD');
    if (!this.items.some((d) => d.code === code && (d.path === p || d.path.normalize('NFD') === key))) this.items.push({ code, path: p, message });
  }
}

/** A document that could not be turned into a tree at all. */
export class DocumentError extends Error {
  readonly code: ManifestErrorCode;
  readonly path: JSONPointer;

  constructor(code: ManifestErrorCode, path: JSONPointer, message: string) {
    super(message);
    this.name = 'DocumentError';
    this.code = code;
    this.path = path;
  }

  get diagnostic(): ManifestDiagnostic {
    return { code: this.code, path: this.path.toString(), message: this.message };
  }
}

/** Bounds applied to every document, so hostile input ends in a clear error (DocumentLimits.swift). */
export interface DocumentLimits {
  maxBytes: number;
  maxDepth: number;
  maxNodes: number;
  /**
   * Most bytes of text (UTF-8 of every string value and key) a YAML document may expand to, an
   * alias counting its anchored value's text each time it is used: twice `maxBytes` by default.
   */
  maxTextBytes: number;
  /** Largest canonical JSON of a manifest's marina/v1 form: four times `maxBytes` by default. */
  maxCanonicalBytes: number;
}

export const defaultLimits: DocumentLimits = { maxBytes: 1 << 20, maxDepth: 64, maxNodes: 100_000, maxTextBytes: 2 << 20, maxCanonicalBytes: 4 << 20 };
