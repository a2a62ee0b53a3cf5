"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Provenance = void 0;
const value_1 = require("../json/value");
/**
 * Where each field of a converted manifest came from, so that a rule broken in the native form
 * is reported at the field the author wrote.
 */
class Provenance {
    pairs = [];
    map(native, source) {
        this.pairs.push([native, source]);
    }
    /** The source pointer of the longest mapped prefix (the first such), extended by the rest. */
    source(native) {
        let best;
        for (const pair of this.pairs) {
            if (!native.hasPrefix(pair[0]))
                continue;
            if (best === undefined || pair[0].tokens.length > best[0].tokens.length)
                best = pair;
        }
        if (!best)
            return native;
        return new value_1.JSONPointer([...best[1].tokens, ...native.tokens.slice(best[0].tokens.length)]);
    }
}
exports.Provenance = Provenance;
