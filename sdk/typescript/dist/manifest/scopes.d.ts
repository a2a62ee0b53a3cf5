/** One permission of the scope catalog and the platform tools it gates. */
export interface ScopeDefinition {
    name: string;
    description: string;
    tools: string[];
}
/** Levenshtein distance over code points (used for "did you mean" hints). */
export declare function editDistance(a: string, b: string): number;
/** The scopes partners may ask for; each platform tool belongs to exactly one scope. */
export declare class ScopeCatalog {
    readonly scopes: readonly ScopeDefinition[];
    private readonly byName;
    constructor(scopes: ScopeDefinition[]);
    contains(name: string): boolean;
    get(name: string): ScopeDefinition | undefined;
    /** The scope that gates a platform tool. */
    scopeForTool(tool: string): ScopeDefinition | undefined;
    /** The closest known scope name, for hints. */
    suggestion(name: string): string | undefined;
    static readonly default: ScopeCatalog;
}
