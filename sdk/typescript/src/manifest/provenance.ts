import { JSONPointer } from '../json/value';

/**
 * Where each field of a converted manifest came from, so that a rule broken in the native form
 * is reported at the field the author wrote.
 */
export class Provenance {
  private readonly pairs: [JSONPointer, JSONPointer][] = [];

  map(native: JSONPointer, source: JSONPointer): void {
    this.pairs.push([native, source]);
  }

  /** The source pointer of the longest mapped prefix (the first such), extended by the rest. */
  source(native: JSONPointer): JSONPointer {
    let best: [JSONPointer, JSONPointer] | undefined;
    for (const pair of this.pairs) {
      if (!native.hasPrefix(pair[0])) continue;
      if (best === undefined || pair[0].tokens.length > best[0].tokens.length) best = pair;
    }
    if (!best) return native;
    return new JSONPointer([...best[1].tokens, ...native.tokens.slice(best[0].tokens.length)]);
  }
}
