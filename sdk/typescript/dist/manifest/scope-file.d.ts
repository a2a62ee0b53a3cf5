import { ManifestDiagnostic } from './diagnostics';
import { ScopeCatalog } from './scopes';
/**
 * An operator's extension of the scope catalog (YAML or JSON `{scopes: [{name, description,
 * tools}]}`): the extended catalog, or every problem found in the file.
 */
export declare function extendScopeCatalog(base: ScopeCatalog, bytes: Uint8Array, fileName?: string): ScopeCatalog | ManifestDiagnostic[];
