/** Stable codes of conversion notes: what an importer did that the author should know. */
export type ManifestNoteCode = 'port_from_env' | 'not_acted_on';

/** One conversion note on a valid imported manifest: a code, a JSON Pointer into the document as written, a message. */
export interface ManifestNote {
  code: ManifestNoteCode;
  path: string;
  message: string;
}
