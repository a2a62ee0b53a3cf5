"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ScopeCatalog = exports.editDistance = void 0;
/** Levenshtein distance over code points (used for "did you mean" hints). */
function editDistance(a, b) {
    const x = [...a];
    const y = [...b];
    if (x.length === 0)
        return y.length;
    if (y.length === 0)
        return x.length;
    let previous = Array.from({ length: y.length + 1 }, (_, i) => i);
    for (let i = 1; i <= x.length; i++) {
        const current = [i, ...new Array(y.length).fill(0)];
        for (let j = 1; j <= y.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[y.length];
}
exports.editDistance = editDistance;
/** The scopes partners may ask for; each platform tool belongs to exactly one scope. */
class ScopeCatalog {
    scopes;
    byName = new Map();
    constructor(scopes) {
        this.scopes = scopes;
        for (const s of scopes)
            this.byName.set(s.name, s);
    }
    contains(name) {
        return this.byName.has(name);
    }
    get(name) {
        return this.byName.get(name);
    }
    /** The scope that gates a platform tool. */
    scopeForTool(tool) {
        return this.scopes.find((s) => s.tools.includes(tool));
    }
    /** The closest known scope name, for hints. */
    suggestion(name) {
        let best;
        for (const s of this.scopes) {
            const d = editDistance(s.name, name);
            if (!best || d < best[1])
                best = [s.name, d];
        }
        if (!best || best[1] > Math.max(2, Math.floor([...name].length / 3)))
            return undefined;
        return best[0];
    }
    static default = new ScopeCatalog([
        { name: 'kv.read', description: "Read the app's private key-value store for this tenant", tools: ['kv_get', 'kv_list'] },
        { name: 'kv.write', description: "Write and delete keys in the app's private key-value store for this tenant", tools: ['kv_set', 'kv_delete'] },
        { name: 'files.read', description: "Read and list files in the tenant's file area", tools: ['files_read', 'files_list'] },
        { name: 'files.write', description: "Create and replace files in the tenant's file area", tools: ['files_write'] },
        { name: 'mail.read', description: "Read the tenant's mailbox", tools: ['mail_list', 'mail_read'] },
        { name: 'mail.send', description: "Send mail on the tenant's behalf through the platform's outbox", tools: ['mail_send'] },
        { name: 'calendar.read', description: "Read the tenant's calendar events", tools: ['calendar_list_events'] },
        { name: 'calendar.write', description: "Create and change events in the tenant's calendar", tools: ['calendar_create_event', 'calendar_update_event'] },
        { name: 'http.fetch', description: "Fetch URLs on the manifest's egress allow-list through the platform's egress proxy", tools: ['http_fetch'] },
        { name: 'apps.invoke', description: 'Call agent-visible tools of other apps installed in the same tenant', tools: ['apps_invoke'] },
        { name: 'ai.complete', description: "Ask the platform's language model for a completion, billed to the payer of ai_compute", tools: ['ai_complete'] },
    ]);
}
exports.ScopeCatalog = ScopeCatalog;
