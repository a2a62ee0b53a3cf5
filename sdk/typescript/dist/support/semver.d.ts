/** A version per Semantic Versioning 2.0.0; ordering is semver precedence (build ignored). */
export declare class SemanticVersion {
    readonly major: bigint;
    readonly minor: bigint;
    readonly patch: bigint;
    readonly prerelease: string[];
    readonly build: string[];
    private constructor();
    static parse(text: string): SemanticVersion | null;
    toString(): string;
    /** Negative when `a` has lower precedence than `b`, 0 when equal, positive otherwise. */
    static compare(a: SemanticVersion, b: SemanticVersion): number;
    static lessThan(a: SemanticVersion, b: SemanticVersion): boolean;
}
