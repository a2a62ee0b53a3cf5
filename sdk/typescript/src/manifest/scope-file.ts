import { JSONPointer, member, stringValue } from '../json/value';
import { DocumentError, ManifestDiagnostic } from './diagnostics';
import { parseDocument } from './loader';
import { items, strings } from './rules';
import { ScopeCatalog, ScopeDefinition } from './scopes';
import { S, ShapeValidator, field, objectShape, required } from './shape';

const scopeFileShape = S.object(
  objectShape('ScopeCatalogFile', [
    required(
      'scopes',
      S.array(
        S.object(
          objectShape('ScopeDefinition', [
            required('name', S.string('nonEmpty', { maxLength: 128 })),
            required('description', S.string(undefined, { minLength: 1, maxLength: 1000 })),
            field('tools', S.array(S.string('toolName')), []),
          ]),
        ),
        { maxItems: 1000 },
      ),
    ),
  ]),
);

/**
 * An operator's extension of the scope catalog (YAML or JSON `{scopes: [{name, description,
 * tools}]}`): the extended catalog, or every problem found in the file.
 */
export function extendScopeCatalog(base: ScopeCatalog, bytes: Uint8Array, fileName?: string): ScopeCatalog | ManifestDiagnostic[] {
  let document;
  try {
    document = parseDocument(bytes, fileName);
  } catch (e) {
    if (e instanceof DocumentError) return [e.diagnostic];
    throw e;
  }
  const validator = new ShapeValidator({ catalog: base });
  validator.check(document, scopeFileShape, JSONPointer.root);
  const d = validator.diagnostics;
  const scopes: ScopeDefinition[] = [...base.scopes];
  const toolOwner = new Map<string, string>();
  for (const s of base.scopes) for (const t of s.tools) toolOwner.set(t, s.name);
  for (const [i, item] of items(member(document, 'scopes'))) {
    const name = stringValue(member(item, 'name'));
    const description = stringValue(member(item, 'description'));
    if (name === undefined || description === undefined) continue;
    const path = JSONPointer.root.child('scopes').child(i);
    if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(name)) {
      d.add('invalid_value', path.child('name'), `"${name}" is not a scope name: dot-separated lowercase words, like crm.read`);
    }
    if (scopes.some((s) => s.name === name)) {
      d.add('duplicate_name', path.child('name'), `the scope "${name}" is already defined`);
      continue;
    }
    const tools = strings(member(item, 'tools'));
    tools.forEach((tool, j) => {
      const owner = toolOwner.get(tool);
      if (owner !== undefined) d.add('duplicate_name', path.child('tools').child(j), `the tool "${tool}" is already gated by "${owner}"`);
      else toolOwner.set(tool, name);
    });
    scopes.push({ name, description, tools });
  }
  return d.isEmpty ? new ScopeCatalog(scopes) : d.items;
}
